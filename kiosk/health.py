"""The kiosk's health, as a small JSON file the backoffice reads.

No personal data: statuses, times, queue labels and visit numbers only. The file is
replaced atomically so a reader never sees half of it, and written by a background
thread at most every ``write_interval_s`` so that a slow disk never sits in the middle
of a check-in; :meth:`HealthRecorder.flush` writes at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.atomic_files import write_atomic
from common.config import Settings

log = logging.getLogger(__name__)

HEALTH_FILE = "kiosk-health.json"
COMPONENTS = ("reader", "printer", "nhso", "database")
MAX_PRINT_FAILURES = 20


def health_path(settings: Settings) -> Path:
    configured = settings.kiosk.health_file
    return Path(configured) if configured else settings.data_dir / HEALTH_FILE


def read_health(path: Path) -> dict[str, Any] | None:
    """What the backoffice calls; None when the kiosk never wrote one."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data


class HealthRecorder:
    def __init__(
        self,
        path: Path | None,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        write_interval_s: float = 0.5,
    ) -> None:
        self.path = path
        self._clock = clock
        self._interval = write_interval_s
        self._lock = threading.Lock()
        self._file_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._writer: threading.Thread | None = None
        now = self._stamp()
        self._data: dict[str, Any] = {
            "started_at": now,
            "updated_at": now,
            "state": "starting",
            # When the state last changed: the update agent reboots only after the
            # kiosk has been idle this long (kiosk/updates/idle.py).
            "state_since": now,
            "last_checkin_at": None,
            "last_outcome": None,
            "checkins": 0,
            "journal_pending": 0,
            "components": {name: {"status": "unknown", "at": None} for name in COMPONENTS},
            "print_failures": [],
            "kiosk": {"version": None, "address": None},
        }
        self.flush()

    def _stamp(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self._data))  # type: ignore[no-any-return]

    def component(self, name: str, status: str, code: str | None = None) -> None:
        if name not in COMPONENTS:
            raise ValueError(f"unknown component {name}")
        with self._lock:
            current = self._data["components"][name]
            if current.get("status") == status and current.get("code") == code:
                return  # unchanged: spare the disk
            entry: dict[str, Any] = {"status": status, "at": self._stamp()}
            if code:
                entry["code"] = code
            self._data["components"][name] = entry
        self._write()

    def state(self, step: str) -> None:
        with self._lock:
            if self._data["state"] == step:
                return
            self._data["state"] = step
            self._data["state_since"] = self._stamp()
        self._write()

    def checkin(self, outcome: str, authen_status: str) -> None:
        with self._lock:
            self._data["last_checkin_at"] = self._stamp()
            self._data["last_outcome"] = {"outcome": outcome, "authen": authen_status}
            self._data["checkins"] += 1
        self._write()

    def journal_pending(self, count: int) -> None:
        with self._lock:
            if self._data["journal_pending"] == count:
                return
            self._data["journal_pending"] = count
        self._write()

    def about(self, version: str, address: str | None) -> None:
        """The software version and network address staff see beside the status."""
        about = {"version": version, "address": address}
        with self._lock:
            if self._data["kiosk"] == about:
                return
            self._data["kiosk"] = about
        self._write()

    def print_failure(
        self, pcucode: str, visitno: int, queue_label: str, kind: str, *, local: bool = False
    ) -> None:
        failure = {
            "at": self._stamp(),
            "pcucode": pcucode,
            "visitno": visitno,
            "queue": queue_label,
            "kind": kind,
            # Held in the journal, not yet in JHCIS: no visit there to reprint from.
            "local": local,
        }
        with self._lock:
            failures = [*self._data["print_failures"], failure][-MAX_PRINT_FAILURES:]
            self._data["print_failures"] = failures
        self._write()

    def ticket_printed(self, pcucode: str, visitno: int, *, local: bool = False) -> None:
        """The visit's ticket came out after all (the patient's card again, paper back):
        it leaves the staff's list of tickets to reprint."""
        with self._lock:
            failures = self._data["print_failures"]
            kept = [
                f
                for f in failures
                if (f["pcucode"], f["visitno"], f.get("local", False)) != (pcucode, visitno, local)
            ]
            if len(kept) == len(failures):
                return
            self._data["print_failures"] = kept
        self._write()

    def _write(self) -> None:
        if self.path is None or self._closed.is_set():
            return
        if self._interval <= 0:
            self.flush()
            return
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(
                        target=self._write_loop, name="kiosk-health", daemon=True
                    )
                    self._writer.start()
        self._wake.set()

    def _write_loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._closed.wait(self._interval):
                return  # close() flushes
            self.flush()

    def close(self) -> None:
        """Stop the writer thread and write what is pending."""
        self._closed.set()
        self._wake.set()
        if self._writer is not None:
            self._writer.join(5)
        self.flush()

    def flush(self) -> None:
        if self.path is None:
            return
        with self._lock:
            self._data["updated_at"] = self._stamp()
            text = json.dumps(self._data, ensure_ascii=False, indent=1)
        with self._file_lock:
            try:
                # Rewritten every few seconds and advisory: not worth an fsync each time.
                write_atomic(self.path, text.encode("utf-8"), durable=False)
            except OSError as exc:
                # Health is advisory; a full disk must not stop check-ins.
                log.warning("cannot write health file: %s", type(exc).__name__)
