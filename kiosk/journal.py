"""The local durable journal that keeps check-ins while the clinic database is down.

A check-in that cannot open its visit in JHCIS is written here (SQLite in WAL mode on
the data partition, ``synchronous=FULL``) with a local queue number for the day, and a
ticket marked local is printed. :func:`replay` later opens the visits in journal order.
Each entry carries the check-in's UUID, which ``ClinicPort.open_visit`` honours as an
idempotency key, so a crash between opening a visit and marking the entry replayed
only means the next replay gets the same visit back, never a second one.

The journal holds personal data until replay (it must, to open the visit later); the
directory is private to the service user and a replayed entry's payload is emptied.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from common.errors import BilingualError
from common.private_files import private_sqlite
from kiosk.ports import (
    AuthenStatus,
    ClinicPort,
    DatabaseUnavailable,
    Identity,
    JournalFailure,
    Patient,
    VisitRef,
    VisitRequest,
)

log = logging.getLogger(__name__)

JOURNAL_FILE = "kiosk-journal.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosk_journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    checkin_id TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    local_queue_no INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    pcucode TEXT,
    visitno INTEGER,
    queue_no INTEGER,
    replayed_at TEXT
);
CREATE INDEX IF NOT EXISTS kiosk_journal_status ON kiosk_journal (status, seq);
"""


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    checkin_id: str
    local_queue_no: int
    created_at: dt.datetime
    status: str
    request: VisitRequest | None  # None once replayed (payload emptied)
    visit: VisitRef | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class ReplayReport:
    replayed: int = 0
    failed: int = 0
    remaining: int = 0
    stopped_by_outage: bool = False


class Journal:
    def __init__(self, path: Path, *, clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_sqlite(path)  # before connecting: the WAL file takes the database's mode
        try:
            self._conn = sqlite3.connect(
                str(path), timeout=10, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise JournalFailure(f"cannot open journal: {type(exc).__name__}") from None
        os.chmod(path, 0o600)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Journal:
        return cls(data_dir / "journal" / JOURNAL_FILE)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise JournalFailure(f"journal write failed: {type(exc).__name__}") from None

    def append(self, request: VisitRequest, pcucode: str = "") -> VisitRef:
        """Keep the check-in; returns its local visit (the same one if already journaled)."""
        now = request.requested_at or self._clock()
        with self._write() as conn:
            row = conn.execute(
                "SELECT local_queue_no, created_at FROM kiosk_journal WHERE checkin_id = ?",
                (request.checkin_id,),
            ).fetchone()
            if row is not None:
                return _local_visit(request, int(row[0]), pcucode, _parse_dt(row[1]))
            day = now.date().isoformat()
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(local_queue_no), 0) FROM kiosk_journal WHERE day = ?",
                (day,),
            ).fetchone()
            number = int(last) + 1
            conn.execute(
                "INSERT INTO kiosk_journal (checkin_id, day, local_queue_no, created_at, payload)"
                " VALUES (?, ?, ?, ?, ?)",
                (request.checkin_id, day, number, now.isoformat(), request_to_json(request)),
            )
        log.info("check-in journaled locally as L%03d", number)
        return _local_visit(request, number, pcucode, now)

    def pending_count(self) -> int:
        with self._lock:
            (count,) = self._conn.execute(
                "SELECT COUNT(*) FROM kiosk_journal WHERE status = 'pending'"
            ).fetchone()
        return int(count)

    def entries(self, status: str | None = None) -> list[JournalEntry]:
        sql = (
            "SELECT seq, checkin_id, local_queue_no, created_at, status, payload, pcucode,"
            " visitno, queue_no, last_error FROM kiosk_journal"
        )
        params: tuple[Any, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            params = (status,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY seq", params).fetchall()
        return [_entry(row) for row in rows]

    def mark_replayed(self, seq: int, visit: VisitRef) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE kiosk_journal SET status = 'replayed', payload = '{}', pcucode = ?,"
                " visitno = ?, queue_no = ?, replayed_at = ?, last_error = NULL WHERE seq = ?",
                (visit.pcucode, visit.visitno, visit.queue_no, self._clock().isoformat(), seq),
            )

    def mark_failed(self, seq: int, code: str) -> None:
        """Staff must look at it; replay goes on with the next entry."""
        with self._write() as conn:
            conn.execute(
                "UPDATE kiosk_journal SET status = 'failed', last_error = ? WHERE seq = ?",
                (code, seq),
            )

    def note_attempt(self, seq: int, code: str | None) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE kiosk_journal SET attempts = attempts + 1, last_error = ? WHERE seq = ?",
                (code, seq),
            )


def replay(journal: Journal, clinic: ClinicPort) -> ReplayReport:
    """Open the journaled visits in order; stop at the first sign the database is down."""
    replayed = failed = 0
    outage = False
    for entry in journal.entries("pending"):
        request = entry.request
        if request is None:  # cannot happen for a pending entry; never lose the row silently
            journal.mark_failed(entry.seq, "payload_missing")
            failed += 1
            continue
        journal.note_attempt(entry.seq, None)
        try:
            # A person never looked up (database down) is found or registered by the
            # check-in itself, which also applies the one-visit-a-day rule on replay.
            visit = clinic.open_visit(request)
        except DatabaseUnavailable:
            journal.note_attempt(entry.seq, DatabaseUnavailable.code)
            outage = True
            break
        except BilingualError as exc:
            log.warning("journal entry %d could not be replayed: %s", entry.seq, exc.code)
            journal.mark_failed(entry.seq, exc.code)
            failed += 1
            continue
        journal.mark_replayed(entry.seq, visit)
        replayed += 1
    if replayed or failed:
        log.info("journal replay: %d replayed, %d failed", replayed, failed)
    return ReplayReport(replayed, failed, journal.pending_count(), outage)


def _local_visit(
    request: VisitRequest, number: int, pcucode: str, opened_at: dt.datetime
) -> VisitRef:
    return VisitRef(
        pcucode=pcucode,
        visitno=0,
        queue_no=number,
        claim_type=request.claim_type or "",
        claim_code=request.claim_code,
        local=True,
        opened_at=opened_at,
    )


def _parse_dt(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    seq, checkin_id, number, created, status, payload, pcucode, visitno, queue_no, error = row
    request = request_from_json(payload) if payload and payload != "{}" else None
    visit = None
    if visitno is not None:
        queue = int(queue_no) if queue_no is not None else None
        visit = VisitRef(pcucode=pcucode or "", visitno=int(visitno), queue_no=queue)
    return JournalEntry(
        seq=int(seq),
        checkin_id=checkin_id,
        local_queue_no=int(number),
        created_at=_parse_dt(created),
        status=status,
        request=request,
        visit=visit,
        last_error=error,
    )


# --- serialisation (plain JSON so that an operator can inspect a stuck entry) ---


def request_to_json(request: VisitRequest) -> str:
    identity = request.identity
    patient = request.patient
    data = {
        "v": 1,
        "checkin_id": request.checkin_id,
        "identity": {
            "cid": identity.cid,
            "title_th": identity.title_th,
            "first_th": identity.first_th,
            "last_th": identity.last_th,
            "first_en": identity.first_en,
            "last_en": identity.last_en,
            "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
            "sex": identity.sex,
            "address": identity.address,
            "title_en": identity.title_en,
            "birth_year": identity.birth_year,
            # never the photo: it goes to JHCIS with an online check-in or nowhere
        },
        "patient": {
            "pcucode": patient.pcucode,
            "pid": patient.pid,
            "mobile": patient.mobile,
            "newly_registered": patient.newly_registered,
            "offline": patient.offline,
        },
        "claim_type": request.claim_type,
        "claim_type_name": request.claim_type_name,
        "authen_status": request.authen_status,
        "claim_code": request.claim_code,
        "mobile": request.mobile,
        "mobile_changed": request.mobile_changed,
        "main_inscl": request.main_inscl,
        "sub_inscl": request.sub_inscl,
        "hosp_main": request.hosp_main,
        "hosp_sub": request.hosp_sub,
        "correlation_id": request.correlation_id,
        "requested_at": request.requested_at.isoformat() if request.requested_at else None,
    }
    return json.dumps(data, ensure_ascii=False)


def request_from_json(text: str) -> VisitRequest:
    data = json.loads(text)
    ident = data["identity"]
    birth = ident.get("birth_date")
    identity = Identity(
        cid=ident["cid"],
        title_th=ident["title_th"],
        first_th=ident["first_th"],
        last_th=ident["last_th"],
        first_en=ident.get("first_en", ""),
        last_en=ident.get("last_en", ""),
        birth_date=dt.date.fromisoformat(birth) if birth else None,
        sex=ident.get("sex", ""),
        address=ident.get("address", ""),
        title_en=ident.get("title_en", ""),
        birth_year=ident.get("birth_year"),
    )
    pat = data["patient"]
    patient = Patient(
        pcucode=pat["pcucode"],
        pid=pat["pid"],
        mobile=pat.get("mobile"),
        newly_registered=bool(pat.get("newly_registered")),
        offline=bool(pat.get("offline")),
    )
    requested = data.get("requested_at")
    return VisitRequest(
        checkin_id=data["checkin_id"],
        identity=identity,
        patient=patient,
        claim_type=data.get("claim_type"),
        claim_type_name=data.get("claim_type_name", ""),
        authen_status=cast(AuthenStatus, data["authen_status"]),
        claim_code=data.get("claim_code"),
        mobile=data.get("mobile"),
        mobile_changed=bool(data.get("mobile_changed")),
        main_inscl=data.get("main_inscl", ""),
        sub_inscl=data.get("sub_inscl", ""),
        hosp_main=data.get("hosp_main", ""),
        hosp_sub=data.get("hosp_sub", ""),
        correlation_id=data.get("correlation_id", ""),
        requested_at=dt.datetime.fromisoformat(requested) if requested else None,
    )
