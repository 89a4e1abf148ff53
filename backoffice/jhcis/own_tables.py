"""Our own tables in the clinic's database; every one is prefixed ``kiosk_``.

JHCIS has no column for the kiosk's daily queue number nor for a request id, so a
visit opened by the kiosk gets a row in ``kiosk_visit``: the idempotency key (a replay
after a crash finds the visit instead of opening a second one), the queue number, and
a copy of the NHSO claim fields (kept even where the JHCIS version lacks the columns).
``kiosk_pending_authen`` holds check-ins whose NHSO authentication did not complete,
for the backoffice's claim-code catch-up.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    ColumnElement,
    Engine,
    FromClause,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    inspect,
)
from sqlalchemy.exc import DBAPIError

from backoffice.jhcis.tables import visit
from backoffice.jhcis.types import JhcisDate, JhcisDateTime

own_metadata = MetaData()

kiosk_visit = Table(
    "kiosk_visit",
    own_metadata,
    Column("idempotency_key", String(64), primary_key=True),
    Column("pcucode", CHAR(5), nullable=False),
    Column("visitno", Integer, nullable=False),
    Column("visitdate", JhcisDate, nullable=False),
    Column("queue_no", Integer, nullable=False),
    Column("pcucodeperson", CHAR(5), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("claim_type", String(20)),
    Column("claim_code", String(50)),
    Column("datetime_claim", JhcisDateTime),
    Column("correlation_id", String(100)),
    Column("main_inscl", String(10)),
    Column("sub_inscl", String(10)),
    Column("created_at", JhcisDateTime, nullable=False),
    # Not unique: staff may delete JHCIS's newest visit, and MAX+1 then gives its
    # visitno to the next visit. A row belongs to a visit only when the unit, number,
    # person and day all match (see ClinicDatabase.own_row_of).
    Index("kiosk_visit_visit", "pcucode", "visitno"),
    UniqueConstraint("pcucode", "visitdate", "queue_no", name="kiosk_visit_queue"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

kiosk_pending_authen = Table(
    "kiosk_pending_authen",
    own_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pcucode", CHAR(5), nullable=False),
    Column("visitno", Integer, nullable=False),
    Column("visitdate", JhcisDate, nullable=False),
    Column("pcucodeperson", CHAR(5), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("claim_type", String(20), nullable=False),
    Column("mobile", String(20)),
    Column("created_at", JhcisDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_attempt_at", JhcisDateTime),
    Column("resolved_at", JhcisDateTime),
    Column("outcome", String(20)),
    Column("claim_code", String(50)),
    Index("kiosk_pending_authen_open", "resolved_at", "created_at"),
    Index("kiosk_pending_authen_visit", "pcucode", "visitno"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# Written only by `backoffice jhcis create-demo`: proves a database is a demo one.
kiosk_demo = Table(
    "kiosk_demo",
    own_metadata,
    Column("marker", String(20), primary_key=True),
    Column("seed", Integer, nullable=False),
    Column("created_at", JhcisDateTime, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

RUNTIME_TABLES: tuple[Table, ...] = (kiosk_visit, kiosk_pending_authen)


def ensure_own_tables(engine: Engine, *, include_demo_marker: bool = False) -> list[str]:
    """Create the missing ``kiosk_`` tables; never touches any other table.

    Safe when several kiosks start at once: a table another process created in the
    meantime counts as present. Returns the names of the tables this call created.
    """
    tables = [*RUNTIME_TABLES, *([kiosk_demo] if include_demo_marker else [])]
    assert all(t.name.startswith("kiosk_") for t in tables)
    created = []
    for table in tables:
        if _exists(engine, table.name):
            continue
        try:
            with engine.begin() as conn:
                table.create(conn)
            created.append(table.name)
        except DBAPIError:
            if not _exists(engine, table.name):
                raise
    return created


def _exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).has_table(name))


def belongs_to_visit(own: FromClause) -> ColumnElement[bool]:
    """Join condition of a per-visit row of ours (`own`: kiosk_visit, kiosk_pending_authen
    or a subquery keeping their columns) to the JHCIS ``visit`` it was written for.

    Unit and visitno alone are not enough: staff may delete JHCIS's newest visit, and
    the next one gets its visitno; the person and the day tell the two apart.
    """
    return and_(
        own.c.pcucode == visit.c.pcucode,
        own.c.visitno == visit.c.visitno,
        own.c.pcucodeperson == visit.c.pcucodeperson,
        own.c.pid == visit.c.pid,
        own.c.visitdate == visit.c.visitdate,
    )
