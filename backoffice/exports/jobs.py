"""Background runs for the staff pages: one thread per job, progress the page can poll.

A job holds only counters, its result summary and the paths of its files; nothing
personal. Jobs live in this process's memory (the backoffice is one process), the
last :data:`KEEP` of them. Every job page shows the same progress fragment
(``_job_progress.html``): done of total, the time left estimated from the pace so far,
and a cancel button. Cancelling is cooperative: the work stops at its next progress
report (never half-way through one visit or one request) and keeps what it finished.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common.errors import BilingualError

log = logging.getLogger(__name__)

KEEP = 20

Progress = Callable[[int, int], None]


def report_every(total: int) -> int:
    """How many items between progress reports: about every 1 %, at most 500."""
    return max(1, min(500, total // 100))


class JobCancelled(BilingualError):
    code = "job.cancelled"
    message_th = "ยกเลิกแล้ว: งานที่ทำเสร็จไปแล้วยังอยู่ สั่งใหม่เมื่อพร้อม"
    message_en = "Cancelled: what was finished is kept; start again when ready."


@dataclass
class Job:
    id: str
    kind: str
    by: str
    done: int = 0
    total: int = 0
    finished: bool = False
    error: BilingualError | None = None
    result: Any = None
    files: dict[str, str] = field(default_factory=dict)  # name -> absolute path
    cancellable: bool = False
    cancel_requested: bool = False
    started: float = field(default_factory=time.monotonic)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, JobCancelled)

    @property
    def seconds_left(self) -> int | None:
        """The time left at the pace so far; None before the first item or once done."""
        if self.finished or self.done <= 0 or self.total <= self.done:
            return None
        elapsed = self.clock() - self.started
        return max(1, round(elapsed / self.done * (self.total - self.done)))

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def progress(self, done: int, total: int) -> None:
        """The work's progress report, and where a requested cancel takes effect."""
        self.update(done, total)
        # The last report comes after the work: nothing is left to spare, keep its result.
        if self.cancellable and self.cancel_requested and done < total:
            raise JobCancelled(f"{self.kind} cancelled at {done}/{total}")

    def cancel(self) -> bool:
        """Ask the work to stop at its next progress report; False when it cannot."""
        if not self.cancellable or self.finished:
            return False
        self.cancel_requested = True
        return True


class JobBoard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def start(
        self, kind: str, by: str, work: Callable[[Job], Any], *, cancellable: bool = True
    ) -> Job:
        job = Job(id=uuid.uuid4().hex, kind=kind, by=by, cancellable=cancellable)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP:
                self._jobs.popitem(last=False)

        def run() -> None:
            try:
                job.result = work(job)
            except BilingualError as error:
                job.error = error
            except Exception:
                log.exception("%s job failed", kind)
                from backoffice.exports.errors import ExportError

                job.error = ExportError("unexpected failure")
            finally:
                job.finished = True

        threading.Thread(target=run, name=f"job-{kind}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)


BOARD = JobBoard()
