"""The lines on SQLite: the priority rule, skip and absent, sending on, the board, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, create_engine

from backoffice.calling import line
from backoffice.calling.board import board_name, snapshot
from backoffice.calling.screens import add_screen, revoke_screen, screen_for
from backoffice.calling.tables import call_entry, ensure_calling_tables
from common.config import CallingSettings

DAY = dt.date(2026, 1, 15)
NOW = dt.datetime(2026, 1, 15, 9, 0)


@pytest.fixture
def engine() -> Engine:
    engine = create_engine("sqlite://")
    ensure_calling_tables(engine)
    return engine


def add(engine: Engine, n: int, priority: str | None = None, point: str = "screening") -> None:
    with engine.begin() as conn:
        conn.execute(
            call_entry.insert().values(
                pcucode="99901", visitno=n, visitdate=DAY, pcucodeperson="99901", pid=n,
                queue_no=n, masked_name=f"ท*** {n}", priority=priority, first_point=point,
                point=point,
                status="waiting", calls=0, enqueued_at=NOW + dt.timedelta(minutes=n),
                updated_at=NOW,
            )
        )  # fmt: skip


def call_all(engine: Engine, calling: CallingSettings) -> list[int | None]:
    order = []
    while got := line.call_next(
        engine, calling, day=DAY, point="screening", counter=1, username="n", now=NOW
    ):
        order.append(got.queue_no)
    return order


@pytest.mark.parametrize(
    ("every", "expected"),
    [
        (2, [1, 2, 4, 3, 5, 6, 7, 8]),  # one priority after each two regulars
        (0, [4, 6, 1, 2, 3, 5, 7, 8]),  # the priority lane always first
        (1, [1, 4, 2, 6, 3, 5, 7, 8]),
    ],
)
def test_the_clinic_rule_decides_between_the_lanes(
    engine: Engine, every: int, expected: list[int]
) -> None:
    for n in range(1, 9):
        add(engine, n, "elderly" if n in (4, 6) else None)
    assert call_all(engine, CallingSettings(regular_per_priority=every)) == expected


def test_a_lane_the_clinic_does_not_use_is_regular(engine: Engine) -> None:
    for n in range(1, 5):
        add(engine, n, "monk" if n == 3 else None)
    calling = CallingSettings(priority_kinds=["elderly"], regular_per_priority=0)
    assert call_all(engine, calling) == [1, 2, 3, 4]


def test_skip_goes_to_the_back_then_absent_after_n_calls(engine: Engine) -> None:
    calling = CallingSettings(recalls_before_absent=2)
    for n in (1, 2):
        add(engine, n)
    first = line.call_next(
        engine, calling, day=DAY, point="screening", counter=1, username="n", now=NOW
    )
    assert first is not None and first.queue_no == 1
    back = line.skip(
        engine,
        calling,
        first.id,
        line.Shown.of(first),
        username="n",
        now=NOW + dt.timedelta(hours=1),
    )
    assert back.status == "waiting"  # called once: back of the line
    again = line.call_next(
        engine, calling, day=DAY, point="screening", counter=1, username="n", now=NOW
    )
    assert again is not None and again.queue_no == 2
    third = line.call_next(
        engine, calling, day=DAY, point="screening", counter=1, username="n", now=NOW
    )
    assert third is not None and third.queue_no == 1
    line.recall(engine, third.id, line.Shown.of(third), username="n", now=NOW)
    gone = line.skip(engine, calling, third.id, line.Shown.of(third), username="n", now=NOW)
    assert gone.status == "absent" and gone.counter is None
    returned = line.back_in_line(engine, gone.id, line.Shown.of(gone), username="n", now=NOW)
    assert returned.status == "waiting" and returned.calls == 0


def test_send_on_and_finish(engine: Engine) -> None:
    calling = CallingSettings()
    add(engine, 1)
    got = line.call_next(
        engine, calling, day=DAY, point="screening", counter=1, username="n", now=NOW
    )
    assert got is not None
    sent = line.send_to(engine, calling, got.id, "exam", line.Shown.of(got), username="n", now=NOW)
    assert (sent.point, sent.status, sent.counter) == ("exam", "waiting", None)
    assert (
        line.call_next(
            engine, calling, day=DAY, point="screening", counter=1, username="n", now=NOW
        )
        is None
    )
    at_exam = line.call_next(
        engine, calling, day=DAY, point="exam", counter=2, username="d", now=NOW
    )
    assert at_exam is not None and at_exam.counter == 2
    done = line.finish(engine, at_exam.id, line.Shown.of(at_exam), username="d", now=NOW)
    assert done.status == "done"
    with pytest.raises(line.LineChanged):
        line.recall(engine, at_exam.id, line.Shown.of(at_exam), username="d", now=NOW)
    with pytest.raises(line.UnknownPoint):
        line.send_to(
            engine, calling, at_exam.id, "nowhere", line.Shown.of(at_exam), username="d", now=NOW
        )
    with pytest.raises(line.UnknownPoint):
        line.call_next(engine, calling, day=DAY, point="exam", counter=3, username="d", now=NOW)


def test_the_board_shows_numbers_and_names_only_when_the_clinic_wants(engine: Engine) -> None:
    for n in (1, 2, 3):
        add(engine, n, "pregnant" if n == 3 else None)
    calling = CallingSettings()
    line.call_next(engine, calling, day=DAY, point="screening", counter=1, username="n", now=NOW)
    board = snapshot(engine, calling, DAY)
    screening = board["points"][0]
    assert screening["called"][0]["no"] == "1" and screening["called"][0]["counter"] == 1
    assert [w["no"] for w in screening["waiting"]] == ["2", "3"]
    assert screening["waiting"][1]["priority"] is True
    assert "name" not in screening["called"][0] and "ท***" not in str(board)
    assert board["calls"][-1]["th"] == "ขอเชิญหมายเลข 1 ที่โต๊ะซักประวัติ"
    named = snapshot(engine, CallingSettings(names_on_display=True), DAY)
    assert named["points"][0]["called"][0]["name"] == "1•••"  # from "ท*** 1"


@pytest.mark.parametrize(
    ("staff_sees", "board_shows"),
    [
        ("นาย สมชาย ใ•••", "ส••• ใ•••"),
        ("ด.ญ. เพ็ญศรี แ•••", "เ••• แ•••"),  # the leading vowel is the first letter written
        ("สมชาย", "ส•••"),
        ("", ""),
    ],
)
def test_the_board_masks_names_harder_than_staff_pages(staff_sees: str, board_shows: str) -> None:
    assert board_name(staff_sees) == board_shows


def test_screen_tokens_open_until_revoked(engine: Engine) -> None:
    screen, token = add_screen(engine, "ห้องรอ", NOW)
    assert screen_for(engine, token) is not None
    assert screen_for(engine, token + "x") is None and screen_for(engine, "") is None
    assert revoke_screen(engine, screen.id, NOW)
    assert screen_for(engine, token) is None
