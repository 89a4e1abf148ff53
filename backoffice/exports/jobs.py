"""Background runs for the staff pages: one thread per job, progress the page can poll.

A job holds only counters, its result summary and the paths of its files; nothing
personal. Jobs live in this process's memory (the backoffice is one process), the
last :data:`KEEP` of them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common.errors import BilingualError

log = logging.getLogger(__name__)

KEEP = 20

Progress = Callable[[int, int], None]


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

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total


class JobBoard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def start(self, kind: str, by: str, work: Callable[[Job], Any]) -> Job:
        job = Job(id=uuid.uuid4().hex, kind=kind, by=by)
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
