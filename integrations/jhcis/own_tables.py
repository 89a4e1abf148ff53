"""Our own tables in the clinic's database; every one is prefixed ``kiosk_``.

JHCIS has no column for the kiosk's daily queue number nor for a request id, so a
visit opened by the kiosk gets a row in ``kiosk_visit``: the idempotency key (a replay
after a crash finds the visit instead of opening a second one), the queue number, and
a copy of the NHSO claim fields (kept even where the JHCIS version lacks the columns).
``kiosk_pending_authen`` holds check-ins whose NHSO authentication did not complete,
for the backoffice's claim-code catch-up; ``kiosk_person_card`` what the card said that JHCIS
could not hold (a name too long for its column, an area name its code tables lack);
``kiosk_visit_guardian`` who brought a child checked in without a card.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

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
    func,
    inspect,
    select,
)
from sqlalchemy.exc import DBAPIError

from integrations.jhcis.errors import OwnTableDuplicates, OwnTableIncomplete
from integrations.jhcis.tables import visit
from integrations.jhcis.types import JhcisDate, JhcisDateTime

log = logging.getLogger(__name__)

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


def _visit_columns() -> list[Column[Any]]:
    """The JHCIS visit a row of ours is about, matched by :func:`belongs_to_visit`."""
    return [
        Column("pcucode", CHAR(5), nullable=False),
        Column("visitno", Integer, nullable=False),
        Column("visitdate", JhcisDate, nullable=False),
        Column("pcucodeperson", CHAR(5), nullable=False),
        Column("pid", Integer, nullable=False),
    ]


kiosk_pending_authen = Table(
    "kiosk_pending_authen",
    own_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_visit_columns(),
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

# What the card said that JHCIS could not hold, for staff: the full name where JHCIS's
# columns were too narrow (fitting.py), the area names its code tables do not know
# (card_record.py). One row a person, written at registration, only when there is some.
kiosk_person_card = Table(
    "kiosk_person_card",
    own_metadata,
    Column("pcucodeperson", CHAR(5), primary_key=True),
    Column("pid", Integer, primary_key=True, autoincrement=False),
    Column("title", String(100)),
    Column("first_name", String(200), nullable=False),
    Column("last_name", String(200)),
    Column("fitted_columns", String(100)),  # e.g. "fname,lname"
    Column("unresolved_area", String(100)),  # e.g. "district,subdistrict"
    Column("birth_year", Integer),  # a year-only birth this server could not store
    Column("recorded_at", JhcisDateTime, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# A person's right and units as they were before NHSO's answer replaced them (the
# clinic's `clinic.update_person_right`, JHCIS's "ปรับปรุงสิทธิ์"): one row a change,
# so that a mistake can be undone by hand.
kiosk_person_right = Table(
    "kiosk_person_right",
    own_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pcucodeperson", CHAR(5), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("changed_at", JhcisDateTime, nullable=False),
    Column("source", String(20), nullable=False),  # kiosk, web, sync
    Column("old_rightcode", String(4)),
    Column("old_hosmain", String(9)),
    Column("old_hossub", String(9)),
    Column("new_rightcode", String(4)),
    Column("new_hosmain", String(9)),
    Column("new_hossub", String(9)),
    Index("kiosk_person_right_person", "pcucodeperson", "pid"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# Who brought a patient who could not check in alone: a child without an ID card on a
# vaccine day, checked in by staff with the child's citizen ID (issue 20, item 7). One
# row a visit, written in the check-in's transaction. The guardian is named as told, and
# is a JHCIS person's key when staff found them by citizen ID: the ID itself is never
# kept. JHCIS's person.mother/father columns are left alone (what a live jhcisdb keeps
# in them is not confirmed).
kiosk_visit_guardian = Table(
    "kiosk_visit_guardian",
    own_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_visit_columns(),
    Column("relation", String(10), nullable=False),  # mother | father | other
    Column("guardian_name", String(200)),
    Column("guardian_pcucodeperson", CHAR(5)),
    Column("guardian_pid", Integer),
    Column("recorded_by", String(35)),  # the staff member's JHCIS account
    Column("recorded_at", JhcisDateTime, nullable=False),
    # Not unique, as kiosk_visit: a row belongs to a visit when person and day match too.
    Index("kiosk_visit_guardian_visit", "pcucode", "visitno"),
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

RUNTIME_TABLES: tuple[Table, ...] = (
    kiosk_visit,
    kiosk_pending_authen,
    kiosk_person_card,
    kiosk_person_right,
    kiosk_visit_guardian,
)


def ensure_own_tables(engine: Engine, *, include_demo_marker: bool = False) -> list[str]:
    """Create or complete the kiosk's ``kiosk_`` tables (see :func:`ensure_kiosk_tables`)."""
    tables = [*RUNTIME_TABLES, *([kiosk_demo] if include_demo_marker else [])]
    return ensure_kiosk_tables(engine, tables)


def ensure_kiosk_tables(engine: Engine, tables: Iterable[Table]) -> list[str]:
    """Create the missing ``kiosk_`` tables and the missing indexes of present ones.

    Every module keeping ``kiosk_`` tables creates them through here. On MySQL and
    MariaDB DDL is not transactional and SQLAlchemy emits each ``Index`` as its own
    ``CREATE INDEX`` after ``CREATE TABLE``: a crash in between leaves a table without
    its (possibly unique) indexes, so a present table is checked, never trusted.
    A missing column or a unique index that duplicates prevent is refused loudly
    (:class:`OwnTableIncomplete`, :class:`OwnTableDuplicates`): we never alter a column
    nor delete a row to repair one. A missing unique index that cannot be created
    stops too (it guards against double submission); a missing non-unique one only
    costs speed, so failing to create it (no INDEX grant) is a logged warning. Safe
    when several kiosks start at once: a table or index another process created in the
    meantime counts as present. Returns the names of the tables this call created.
    """
    created = []
    for table in tables:
        assert table.name.startswith("kiosk_"), table.name
        if not _exists(engine, table.name):
            try:
                with engine.begin() as conn:
                    table.create(conn)
                created.append(table.name)
            except DBAPIError:
                if not _exists(engine, table.name):
                    raise
        _complete(engine, table)
    return created


def _exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).has_table(name))


_Signature = tuple[tuple[str, ...], bool]  # columns, unique


def _present_indexes(engine: Engine, name: str) -> tuple[set[str], dict[str, _Signature]]:
    """Column names and {index name: signature} of a table as the database has it."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        columns = {c["name"] for c in inspector.get_columns(name)}
        indexes: dict[str, _Signature] = {}
        for ix in inspector.get_indexes(name):
            cols = tuple(c for c in ix["column_names"] if c is not None)
            indexes[str(ix["name"])] = (cols, bool(ix["unique"]))
        for uc in inspector.get_unique_constraints(name):
            indexes[str(uc["name"])] = (tuple(uc["column_names"]), True)
    return columns, indexes


def _wanted_indexes(table: Table) -> list[tuple[str, _Signature]]:
    wanted = [
        (str(ix.name), (tuple(c.name for c in ix.columns), bool(ix.unique))) for ix in table.indexes
    ]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            wanted.append((str(constraint.name), (tuple(c.name for c in constraint.columns), True)))
    return wanted


def _has(present: dict[str, _Signature], name: str, signature: _Signature) -> bool:
    cols, unique = signature
    return name in present or any(
        have_cols == cols and (have_unique or not unique)
        for have_cols, have_unique in present.values()
    )


def _complete(engine: Engine, table: Table) -> None:
    columns, present = _present_indexes(engine, table.name)
    missing_columns = [c.name for c in table.columns if c.name not in columns]
    if missing_columns:
        log.error("table %s lacks columns %s", table.name, ", ".join(missing_columns))
        raise OwnTableIncomplete(f"{table.name}: {', '.join(missing_columns)}")
    for name, signature in _wanted_indexes(table):
        if _has(present, name, signature):
            continue
        cols, unique = signature
        # A detached copy: an Index built on `table` itself would join its metadata.
        bare = Table(table.name, MetaData(), *(Column(c, table.c[c].type) for c in cols))
        index = Index(name, *(bare.c[c] for c in cols), unique=unique)
        try:
            with engine.begin() as conn:
                index.create(conn)
            log.warning("index %s of %s was missing and has been created", name, table.name)
        except DBAPIError as exc:
            if _has(_present_indexes(engine, table.name)[1], name, signature):
                continue  # another kiosk created it meanwhile
            if not unique:
                if exc.connection_invalidated:
                    raise  # a lost connection stops startup like any other
                # Only speed is lost (e.g. an account without the INDEX grant): carry on.
                # The driver's message is not logged: it names the database account.
                log.warning(
                    "index %s of %s is missing and could not be created (%s); queries on "
                    "%s stay correct but slower until an administrator creates it",
                    name, table.name, type(exc.orig).__name__, table.name,
                )  # fmt: skip
                continue
            if _has_duplicates(engine, bare, cols):
                log.error("unique index %s of %s: duplicate rows exist", name, table.name)
                raise OwnTableDuplicates(f"{table.name}.{name}") from None
            # A missing unique index guards against double submission: never run without it.
            raise


def _has_duplicates(engine: Engine, bare: Table, cols: tuple[str, ...]) -> bool:
    """Whether rows share a value of `cols` (the values themselves are never read out)."""
    keys = [bare.c[c] for c in cols]
    query = select(func.count()).select_from(bare).group_by(*keys).having(func.count() > 1).limit(1)
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


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
