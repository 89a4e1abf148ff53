"""Our tables for calling the queue (all ``kiosk_``-prefixed; JHCIS is never written).

* ``kiosk_call_entry`` (declared in :mod:`integrations.jhcis.call_line`, which the ticket
  reads): one row a visit of the day: where the patient waits or is being served (point,
  counter), in which lane, how often called. Made from the JHCIS visit the check-in opened
  (:mod:`backoffice.calling.arrivals`), so the check-in keeps its one transaction and a
  visit opened in JHCIS itself is called too.
* ``kiosk_call_event``: every call, recall, skip, send-on and finish, in order: the
  board's announcements, the priority rule's memory and the revision the board watches.
* ``kiosk_display_screen``: the waiting-room screens allowed to show the board, by the
  SHA-256 of their token (a leaked table gives no usable URL).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CHAR,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    inspect,
    select,
)

from integrations.jhcis.call_line import kiosk_call_entry
from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.types import JhcisDate

calling_metadata = MetaData()

#: Declared below the applications so that the ticket can read the line too.
call_entry = kiosk_call_entry

# action: call | recall | skip | absent | back | send | done | priority
call_event = Table(
    "kiosk_call_event",
    calling_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, nullable=False),
    Column("visitdate", JhcisDate, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("username", String(35)),
    Column("action", String(10), nullable=False),
    Column("point", String(20), nullable=False),
    Column("counter", Integer),
    Column("queue_no", Integer),
    Column("lane", CHAR(1)),  # p(riority) | r(egular), for calls
    Index("kiosk_call_event_day", "visitdate", "point"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

display_screen = Table(
    "kiosk_display_screen",
    calling_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),
    Column("token_hash", CHAR(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    UniqueConstraint("token_hash", name="kiosk_display_screen_token"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

CALLING_TABLES: tuple[Table, ...] = (call_entry, call_event, display_screen)
assert all(t.name.startswith("kiosk_") for t in CALLING_TABLES)


def ensure_calling_tables(engine: Engine) -> None:
    """Create or complete the calling tables (idempotent)."""
    ensure_kiosk_tables(engine, CALLING_TABLES)


def purge_lines_before(engine: Engine, day: dt.date, *, dry_run: bool = False) -> int:
    """Remove the lines and call events of days before `day` (masked names, queue numbers,
    who called whom: needed for the day itself, kept as long as ticket images); returns
    how many rows went (or would go). Screens are kept: they are not about patients."""
    present = set(inspect(engine).get_table_names())
    gone = 0
    with engine.begin() as conn:
        for table in (call_event, call_entry):
            if table.name not in present:
                continue
            old = table.c.visitdate < day
            if dry_run:
                gone += int(
                    conn.execute(select(func.count()).select_from(table).where(old)).scalar_one()
                )
            else:
                gone += int(conn.execute(delete(table).where(old)).rowcount or 0)
    return gone
