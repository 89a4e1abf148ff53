"""The calling room's line (backoffice/calling), as far as the ticket needs to read it.

The backoffice keeps one ``kiosk_call_entry`` row a visit of the day: where the patient
waits or is being served. The table is declared here, below both applications, so that
the ticket (:mod:`integrations.jhcis.ticket_facts`) can count who still waits for the
first service point; the backoffice creates it and is its only writer.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    exists,
    not_,
    select,
)

from integrations.jhcis.tables import visit
from integrations.jhcis.types import JhcisDate

call_line_metadata = MetaData()

# status: waiting -> called -> (waiting at the next point | done | waiting again | absent)
kiosk_call_entry = Table(
    "kiosk_call_entry",
    call_line_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pcucode", CHAR(5), nullable=False),
    Column("visitno", Integer, nullable=False),
    Column("visitdate", JhcisDate, nullable=False),
    Column("pcucodeperson", CHAR(5), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("queue_no", Integer),  # None: a visit JHCIS opened whose place was taken
    Column("masked_name", String(100)),
    Column("priority", String(10)),  # elderly | disabled | pregnant | monk | None
    Column("first_point", String(20), nullable=False),  # the line the visit entered
    Column("point", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("counter", Integer),
    Column("calls", Integer, nullable=False, default=0),
    Column("enqueued_at", DateTime, nullable=False),
    Column("called_at", DateTime),
    Column("called_by", String(35)),
    Column("updated_at", DateTime, nullable=False),
    # One row a visit: the unique key is also what makes a second arrival a no-op.
    UniqueConstraint("pcucode", "visitno", "visitdate", name="kiosk_call_entry_visit"),
    Index("kiosk_call_entry_line", "visitdate", "point", "status"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)


def moved_on() -> ColumnElement[bool]:
    """True for a ``visit`` row whose patient the calling room has already called away
    from the first point's line (called, sent on, finished or absent): no longer ahead
    of anyone there. A skipped patient back in that line is still waiting."""
    e = kiosk_call_entry.c
    return exists(
        select(e.id).where(
            e.pcucode == visit.c.pcucode,
            e.visitno == visit.c.visitno,
            e.visitdate == visit.c.visitdate,
            not_(and_(e.status == "waiting", e.point == e.first_point)),
        )
    )
