"""The job board's progress: time left at the pace so far, and a cooperative cancel."""

from __future__ import annotations

import threading

import pytest

from backoffice.exports.jobs import Job, JobBoard, JobCancelled, report_every


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_time_left_follows_the_pace_so_far() -> None:
    clock = Clock()
    job = Job(id="j", kind="export-eclaim", by="x", clock=clock, started=clock())
    assert job.seconds_left is None  # nothing done yet: no guess
    clock.now += 10
    job.update(20, 100)
    assert job.seconds_left == 40 and job.percent == 20
    job.update(100, 100)
    assert job.seconds_left is None


def test_cancel_stops_at_the_next_report_but_never_after_the_last() -> None:
    job = Job(id="j", kind="k", by="x", cancellable=True)
    job.progress(1, 10)
    assert job.cancel()
    job.progress(10, 10)  # the work is over: its result is kept
    with pytest.raises(JobCancelled):
        job.progress(5, 10)
    assert not Job(id="n", kind="k", by="x").cancel()  # not cancellable


def test_a_cancelled_job_on_the_board_ends_with_the_cancel() -> None:
    board = JobBoard()
    reported = threading.Event()
    release = threading.Event()

    def work(job: Job) -> str:
        job.progress(1, 3)
        reported.set()
        release.wait(5)
        job.progress(2, 3)
        return "finished"

    job = board.start("export-eclaim", "x", work)
    assert reported.wait(5)
    assert job.cancel()
    release.set()
    for _ in range(500):
        if job.finished:
            break
        threading.Event().wait(0.01)
    assert job.finished and job.cancelled and job.result is None


def test_reports_come_about_every_percent() -> None:
    assert [report_every(n) for n in (0, 50, 1000, 10**6)] == [1, 1, 10, 500]
