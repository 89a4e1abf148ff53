"""Never send the same e-Claim content twice: every upload attempt is a row of ours.

``kiosk_eclaim_upload`` holds one row per attempt to send one right's part of a batch:
the batch name, the right, the checksum of each file's bytes and of the whole content,
the answer, the time. "The same content" is the right plus the *text* of all 17 files
(:attr:`Part.content_sha256`: decoded with the batch's codec, line endings made
``\n``); the batch name, its timestamp and its encoding do not count, so exporting the
same range again, or as UTF-8 for FDH instead of windows-874, and uploading it is caught
too. We hash text rather than the set of visit keys (SEQ) so that a visit corrected
after it was sent is new content: NHSO's own duplicate answer and ``--resend`` then
decide, where the keys alone would refuse the correction for ever.

The row is written, and committed, *before* the request leaves (status ``sending``),
and updated after the answer (``sent``, ``duplicate``, ``failed`` or ``unknown``).
So a crash, a kill or a power cut between the send and the record leaves a ``sending``
row, and the next upload of that content is refused as "outcome unknown" instead of
going out silently a second time. A database that cannot take the row means nothing
is sent; a database that cannot take the answer is reported loudly (the row stays
``sending``, which again blocks a silent second send).

What may go again without ``--resend``: content whose last attempt ``failed`` (NHSO
surely did not take it: it was refused at the door with a 4xx, or never reached). An
answer we cannot read, or any refusal on an HTTP 2xx, is ``unknown``, never ``failed``:
NHSO accepted the request and may have imported the files. Content
whose last attempt was ``sent`` (NHSO acknowledged it) never goes again, ``--resend``
or not. What remains (``duplicate``, ``unknown``, a stale ``sending``) needs the
operator's explicit ``--resend``, which also sets ``importDup`` so NHSO replaces the
records it holds but has not yet claimed. A ``sending`` row younger than :data:`IN_PROGRESS_S`
is another upload still running and is never overtaken, ``--resend`` or not.
Two uploads racing for the same content both try to insert the same
(hcode, content, attempt number): the unique key lets one through.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CHAR,
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from common.errors import BilingualError
from integrations.jhcis.ledger import IN_PROGRESS_S, now, set_row, take_slot
from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.types import JhcisDateTime
from integrations.nhso.eclaim_errors import (
    EclaimAlreadySent,
    EclaimDuplicate,
    EclaimError,
    EclaimInProgress,
    EclaimLedgerUnavailable,
    EclaimNotRecorded,
    EclaimOutcomeUnknown,
)
from integrations.nhso.eclaim_upload import (
    EclaimApiClient,
    Part,
    check_size,
    read_batch,
    request_body,
    split_by_right,
)
from integrations.nhso.errors import NhsoError

log = logging.getLogger(__name__)

eclaim_metadata = MetaData()

# status: sending -> sent | duplicate | failed | unknown. attempts: this row is the
# Nth attempt to send its content (1 for the first), the unique key's tie-breaker.
kiosk_eclaim_upload = Table(
    "kiosk_eclaim_upload",
    eclaim_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hcode", CHAR(5), nullable=False),
    Column("batch", String(120), nullable=False),
    Column("maininscl", String(8), nullable=False),
    Column("content_sha256", CHAR(64), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("import_dup", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("visits", Integer, nullable=False, default=0),
    Column("request_bytes", Integer, nullable=False, default=0),
    Column("file_checksums", Text, nullable=False),  # {"INS": sha256, ...} as text
    Column("http_status", Integer),
    Column("answer_status", String(16)),
    Column("answer_message", String(255)),
    Column("error_code", String(40)),
    Column("sent_by", String(64)),
    Column("created_at", JhcisDateTime, nullable=False),
    Column("updated_at", JhcisDateTime, nullable=False),
    UniqueConstraint("hcode", "content_sha256", "attempts", name="kiosk_eclaim_upload_content"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)
ECLAIM_TABLES: tuple[Table, ...] = (kiosk_eclaim_upload,)
assert all(t.name.startswith("kiosk_") for t in ECLAIM_TABLES)


def ensure_eclaim_tables(engine: Engine) -> list[str]:
    """Create or complete the tables of this module (never touches any other table)."""
    return ensure_kiosk_tables(engine, ECLAIM_TABLES)


def last_attempt(engine: Engine, hcode: str, content_sha256: str) -> dict[str, Any] | None:
    table = kiosk_eclaim_upload
    query = (
        select(table)
        .where(table.c.hcode == hcode, table.c.content_sha256 == content_sha256)
        .order_by(table.c.attempts.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def recent_uploads(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The newest attempts first; none when the table was never created."""
    table = kiosk_eclaim_upload
    with engine.connect() as conn:
        if not inspect(conn).has_table(table.name):
            return []
        rows = conn.execute(select(table).order_by(table.c.id.desc()).limit(limit)).mappings()
        return [dict(r) for r in rows]


@dataclass
class PartOutcome:
    maininscl: str
    visits: int
    request_bytes: int
    content_sha256: str
    status: str  # sent | duplicate | failed | unknown | refused
    attempt: int = 0
    import_dup: bool = False
    answer_message: str = ""
    error: BilingualError | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "maininscl": self.maininscl,
            "visits": self.visits,
            "request_bytes": self.request_bytes,
            "content_sha256": self.content_sha256,
            "status": self.status,
            "attempt": self.attempt,
            "import_dup": self.import_dup,
            "answer_message": self.answer_message,
            **(self.error.as_dict() if self.error else {}),
        }


@dataclass
class UploadReport:
    batch: str
    base_url: str
    parts: list[PartOutcome] = field(default_factory=list)
    sandbox: bool = False

    @property
    def ok(self) -> bool:
        return all(p.status == "sent" for p in self.parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": "nhso-eclaim",
            "batch": self.batch,
            "base_url": self.base_url,
            "sandbox": self.sandbox,
            "ok": self.ok,
            "parts": [p.as_dict() for p in self.parts],
        }


#: What the operator may do next, by the last attempt's status.
_NEXT_STEP: dict[str, tuple[str, str]] = {
    "sent": (
        "สปสช. ตอบรับแล้ว จึงไม่ส่งซ้ำแม้ใช้ --resend หากแก้ไขข้อมูลบริการแล้ว ให้ส่งออกใหม่ ระบบจะถือเป็นข้อมูลชุดใหม่",
        "NHSO acknowledged it, so it is not sent again, not even with --resend. If visits "
        "were corrected, export again: changed content is new content.",
    ),
    "duplicate": (
        "สปสช. แจ้งว่ามีข้อมูลนี้อยู่แล้ว หากต้องการส่งทับจริง ให้ใช้ --resend (หรือเลือก 'ส่งซ้ำโดยตั้งใจ' ในหน้าส่งออก)",
        "NHSO said it holds these records. To replace them on purpose, use --resend (or "
        "tick 'Send again on purpose' on the export page).",
    ),
}


def _already(part: Part, status: str, when: str) -> EclaimAlreadySent:
    th, en = _NEXT_STEP[status]
    return EclaimAlreadySent(
        f"{part.maininscl}: {status} at {when}",
        th=f"{EclaimAlreadySent.message_th} (สิทธิ {part.maininscl} เมื่อ {when}) {th}",
        en=f"{EclaimAlreadySent.message_en} ({part.maininscl}, {status} {when}) {en}",
    )


def _plan(
    engine: Engine, hcode: str, part: Part, *, resend: bool, moment: dt.datetime
) -> tuple[int, bool]:
    """(attempt number, importDup) for this part, or the refusal."""
    last = last_attempt(engine, hcode, part.content_sha256)
    if last is None:
        return 1, resend
    attempt = int(last["attempts"]) + 1
    status = str(last["status"])
    when = f"{last['updated_at']:%Y-%m-%d %H:%M}"
    if status == "failed":
        return attempt, resend
    if status == "sending" and (moment - last["updated_at"]).total_seconds() < IN_PROGRESS_S:
        raise EclaimInProgress(f"{part.maininscl}: attempt {last['attempts']} since {when}")
    if status == "sent":
        # NHSO acknowledged it: the same content never goes again, --resend or not.
        raise _already(part, status, when)
    if resend:
        return attempt, True  # unknown, duplicate or a stale sending: the operator checked
    if status == "duplicate":
        raise _already(part, status, when)
    raise EclaimOutcomeUnknown(f"{part.maininscl}: {status} since {when}")


class EclaimUploader:
    """Sends a batch folder's parts through one client, recording each attempt first."""

    def __init__(self, engine: Engine, client: EclaimApiClient, *, sent_by: str = "") -> None:
        self.engine = engine
        self.client = client
        self.sent_by = sent_by[:64]
        try:
            ensure_eclaim_tables(engine)
        except SQLAlchemyError as exc:
            raise EclaimLedgerUnavailable(f"create table: {type(exc).__name__}") from None
        # (a kiosk_ table missing a column raises the bilingual jhcis error itself)

    def upload(
        self, folder: Path, *, encoding: str, resend: bool = False, batch: str = ""
    ) -> UploadReport:
        """Every part checked (files, rights, size) before the first one is sent."""
        hcode = self.client.hcode
        parts = split_by_right(read_batch(folder), encoding=encoding)
        bodies = {}
        for part in parts:
            # Sized as the largest form (importDup does not change the size).
            body = request_body(part, encoding=encoding, import_dup=resend)
            bodies[part.maininscl] = (body, check_size(part, body))
        report = UploadReport(batch or folder.name, self.client.base_url)
        if any(self._may_go(part, resend) for part in parts):
            # Signed in before any row is written: a wrong password or an unreachable
            # NHSO leaves no row behind; content the ledger refuses costs no sign-in.
            self.client.token()
        for part in parts:
            body, size = bodies[part.maininscl]
            outcome = PartOutcome(
                part.maininscl, part.visits, size, part.content_sha256, status="refused"
            )
            report.parts.append(outcome)
            try:
                self._send_part(part, body, outcome, hcode=hcode, resend=resend, batch=report.batch)
            except EclaimNotRecorded:
                raise  # the ledger is broken: stop here
            except BilingualError as error:
                outcome.error = error
        report.sandbox = self.client.sandbox_seen
        return report

    def _may_go(self, part: Part, resend: bool) -> bool:
        try:
            _plan(self.engine, self.client.hcode, part, resend=resend, moment=now())
        except SQLAlchemyError as exc:
            raise EclaimLedgerUnavailable(f"{part.maininscl}: {type(exc).__name__}") from None
        except EclaimError:
            return False
        return True

    def _send_part(
        self,
        part: Part,
        body: dict[str, Any],
        outcome: PartOutcome,
        *,
        hcode: str,
        resend: bool,
        batch: str,
    ) -> None:
        try:
            attempt, import_dup = _plan(self.engine, hcode, part, resend=resend, moment=now())
        except SQLAlchemyError as exc:
            raise EclaimLedgerUnavailable(f"{part.maininscl}: {type(exc).__name__}") from None
        try:
            row_id = self._take(part, outcome, hcode=hcode, attempt=attempt,
                                import_dup=import_dup, batch=batch)  # fmt: skip
        except SQLAlchemyError as exc:
            raise EclaimLedgerUnavailable(f"{part.maininscl}: {type(exc).__name__}") from None
        if row_id is None:
            raise EclaimInProgress(f"{part.maininscl}: attempt {attempt} taken by another upload")
        body["importDup"] = import_dup
        outcome.attempt, outcome.import_dup = attempt, import_dup
        values: dict[str, Any]
        try:
            answer = self.client.send(body)
        except EclaimDuplicate as error:
            values = {"status": "duplicate", "error_code": error.code}
            outcome.error = error
        except NhsoError as error:
            # maybe_processed: a timeout, a lost answer, a 5xx, or any error on a 2xx reply
            # (an unreadable body, a 202, a status field other than 200). NHSO may hold
            # the files, so the row says unknown and only --resend sends them again.
            unknown = error.maybe_processed
            values = {"status": "unknown" if unknown else "failed", "error_code": error.code}
            outcome.error = error
        except BaseException:
            # Our own bug or an interrupt mid-send: whether NHSO took it is unknown.
            self._record(row_id, {"status": "unknown", "error_code": "internal"}, strict=False)
            raise
        else:
            values = {
                "status": "sent", "http_status": answer.http_status,
                "answer_status": answer.status, "answer_message": answer.message,
            }  # fmt: skip
            outcome.answer_message = answer.message
        if outcome.error is not None:
            values["answer_message"] = outcome.error.detail[:255]
        outcome.status = str(values["status"])
        self._record(row_id, values, strict=True)
        log.info(
            "e-Claim upload %s %s attempt %d: %s", batch, part.maininscl, attempt, outcome.status
        )

    def _take(
        self,
        part: Part,
        outcome: PartOutcome,
        *,
        hcode: str,
        attempt: int,
        import_dup: bool,
        batch: str,
    ) -> int | None:
        return take_slot(
            self.engine,
            kiosk_eclaim_upload,
            {
                "hcode": hcode, "batch": batch[:120], "maininscl": part.maininscl,
                "content_sha256": part.content_sha256, "attempts": attempt,
                "import_dup": import_dup, "visits": part.visits,
                "request_bytes": outcome.request_bytes,
                "file_checksums": json.dumps(part.checksums, sort_keys=True),
                "sent_by": self.sent_by or None,
            },
        )  # fmt: skip

    def _record(self, row_id: int, values: dict[str, Any], *, strict: bool) -> None:
        try:
            set_row(self.engine, kiosk_eclaim_upload, row_id, **values)
        except SQLAlchemyError as exc:
            log.error("e-Claim upload row %d not updated: %s", row_id, type(exc).__name__)
            if strict:
                raise EclaimNotRecorded(f"row {row_id}: {type(exc).__name__}") from None


__all__ = [
    "IN_PROGRESS_S",
    "EclaimError",
    "EclaimUploader",
    "PartOutcome",
    "UploadReport",
    "ensure_eclaim_tables",
    "kiosk_eclaim_upload",
    "last_attempt",
    "recent_uploads",
]
