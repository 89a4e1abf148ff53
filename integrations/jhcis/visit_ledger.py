"""One visit's uploads to a ministry service, recorded so that nothing is sent twice.

The MOPH-PHR sender (``kiosk_phr_send``) and the MOPH IC vaccination push
(``kiosk_ic_push``) keep the same kind of ledger, the discipline of the e-Claim upload
(``backoffice/exports/eclaim_ledger.py``): a row per attempt to send one visit's content,
written and committed (status ``sending``) *before* the request leaves, updated with the
answer after it:

* ``sent`` — MOPH accepted it. The same content never goes again, ``resend`` or not; a
  visit corrected in JHCIS afterwards is new content and goes as an update.
* ``rejected`` — MOPH refused it, with its reason. The same content is not sent again
  by itself (it would be refused again); corrected content goes, and ``resend`` sends the
  same content on purpose.
* ``failed`` — nothing reached MOPH (no connection, 429, a token refused at the door).
  Tried again with exponential back-off (``next_try_at``), by later runs.
* ``unknown`` — MOPH may have acted on it (timeout, lost or unreadable answer, a 5xx):
  never sent again by itself. Shown to staff until a check with MOPH (the service's own
  list of what it holds) settles it, or an operator's ``resend``.
* ``sending`` — a run is sending it, or died doing so. Younger than :data:`IN_PROGRESS_S`
  it is left alone; older it is shown and treated as ``unknown``.

A visit's rows are numbered (``seq``); the unique key (unit, visit, seq) lets only one
of two racing runs take the next attempt. Nothing here reads a JHCIS table; every
statement runs on MySQL 5.6, MariaDB and SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    CHAR,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    inspect,
    or_,
    select,
)

from integrations.jhcis import ledger
from integrations.jhcis.ledger import IN_PROGRESS_S
from integrations.jhcis.types import JhcisDate, JhcisDateTime

SENDING, SENT, REJECTED, FAILED, UNKNOWN = "sending", "sent", "rejected", "failed", "unknown"
STATUSES = (SENDING, SENT, REJECTED, FAILED, UNKNOWN)
BACKOFF_FIRST_S = 5 * 60
BACKOFF_MAX_S = 6 * 3600

Action = Literal["new", "retry", "skip"]


def visit_send_table(name: str, metadata: MetaData) -> Table:
    """A ledger table of this shape (``name`` must start with ``kiosk_``)."""
    assert name.startswith("kiosk_")
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("pcucode", CHAR(5), nullable=False),
        Column("visitno", Integer, nullable=False),
        Column("visitdate", JhcisDate, nullable=False),
        Column("seq", Integer, nullable=False),  # this visit's Nth row
        Column("content_sha256", CHAR(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False),  # HTTP tries of this row
        Column("items", Integer, nullable=False, default=0),  # e.g. vaccinations in it
        Column("next_try_at", JhcisDateTime),
        Column("http_status", Integer),
        Column("answer_code", String(16)),
        Column("answer_message", String(255)),  # MOPH's words, CIDs and phones masked
        Column("error_code", String(40)),
        Column("sent_by", String(64)),
        Column("created_at", JhcisDateTime, nullable=False),
        Column("updated_at", JhcisDateTime, nullable=False),
        Column("checked_at", JhcisDateTime),
        UniqueConstraint("pcucode", "visitno", "seq", name=f"{name}_attempt"),
        Index(f"{name}_day", "visitdate"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )


def backoff_s(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed try: 5 min, 10, 20, ... at most 6 h."""
    return int(min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, attempts - 1)))


def effective_status(row: dict[str, Any], now: dt.datetime) -> str:
    """A row's status as staff should read it: a stale ``sending`` is ``unknown``."""
    status = str(row["status"])
    if status == SENDING and (now - row["updated_at"]).total_seconds() >= IN_PROGRESS_S:
        return UNKNOWN
    return status


@dataclass(frozen=True)
class Plan:
    action: Action
    seq: int = 0  # for "new"
    row_id: int = 0  # for "retry"
    reason: str = ""  # for "skip": sent | rejected | unknown | in_progress | waiting
    changed: bool = False  # "new" after an earlier row: the content differs (an update)


def plan(
    last: dict[str, Any] | None, content_sha256: str, now: dt.datetime, *, resend: bool = False
) -> Plan:
    """What to do with a visit whose content hashes to `content_sha256`, given its last row."""
    if last is None:
        return Plan("new", seq=1)
    following = int(last["seq"]) + 1
    same = last["content_sha256"] == content_sha256
    status = effective_status(last, now)
    if status == SENDING:
        return Plan("skip", reason="in_progress")
    if status == SENT:
        return Plan("skip", reason="sent") if same else Plan("new", seq=following, changed=True)
    if status == UNKNOWN:
        return (
            Plan("new", seq=following, changed=not same) if resend else Plan("skip", reason=UNKNOWN)
        )
    if status == REJECTED:
        if same and not resend:
            return Plan("skip", reason=REJECTED)
        return Plan("new", seq=following, changed=not same)
    # failed: nothing reached MOPH
    if not same:
        return Plan("new", seq=following, changed=True)
    due = last["next_try_at"] is None or last["next_try_at"] <= now
    if due or resend:
        return Plan("retry", row_id=int(last["id"]))
    return Plan("skip", reason="waiting")


class VisitLedger:
    """Reading and writing one ledger table of :func:`visit_send_table`'s shape."""

    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine = engine
        self.table = table

    def exists(self) -> bool:
        with self.engine.connect() as conn:
            return inspect(conn).has_table(self.table.name)

    def last_rows(self, pcucode: str, visitnos: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Each visit's newest row (highest seq)."""
        t = self.table
        wanted = sorted(set(visitnos))
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = (
                select(t)
                .where(t.c.pcucode == pcucode, t.c.visitno.in_(chunk))
                .order_by(t.c.visitno, t.c.seq)
            )
            with self.engine.connect() as conn:
                for row in conn.execute(query).mappings():
                    found[int(row["visitno"])] = dict(row)
        return found

    def take(self, values: dict[str, Any]) -> int | None:
        """Insert a ``sending`` row; None when another run took this attempt."""
        return ledger.take_slot(self.engine, self.table, values)

    def retake(self, row_id: int) -> bool:
        return ledger.retake_slot(self.engine, self.table, row_id, (FAILED,))

    def record(self, row_id: int, **values: Any) -> None:
        ledger.set_row(self.engine, self.table, row_id, **values)

    def rows_between(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Every row of visits dated start..end, newest visit first; none without a table."""
        if not self.exists():
            return []
        t = self.table
        query = (
            select(t)
            .where(t.c.visitdate >= start, t.c.visitdate <= end)
            .order_by(t.c.visitdate.desc(), t.c.visitno.desc(), t.c.seq.desc())
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def unsettled(self, pcucode: str, day: dt.date) -> list[dict[str, Any]]:
        """Rows of `day` whose outcome is not known: ``unknown`` or ``sending``."""
        t = self.table
        query = select(t).where(
            and_(
                t.c.pcucode == pcucode,
                t.c.visitdate == day,
                or_(t.c.status == UNKNOWN, t.c.status == SENDING),
            )
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
