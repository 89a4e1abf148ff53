"""SSOP session numbers (SESSNO): one per batch and unit, never reused.

สกส. takes a batch's SESSNO from its header and its zip's name
(``{hcode}_SSOPBIL_{SESSNO}_01_{date-time}``, reference §8, "SSOP 0.93 in production")
and expects a new one for each submission. We keep them in ``kiosk_ssop_session``:
the next number is the unit's highest plus one, and the unique key (hcode, sessno)
makes two batches started at once (two staff, one double-click) take two numbers.
A batch that fails after taking its number leaves a gap; a gap is harmless, a
repeated number is what สกส. refuses. Dry runs take none: they show the number the
next batch will take.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError

from backoffice.exports.errors import SessionsContended, SessionsExhausted
from integrations.jhcis.ledger import now
from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.types import JhcisDateTime

MAX_SESSNO = 9999  # four digits in the header and the zip's name
_ATTEMPTS = 20

ssop_metadata = MetaData()
kiosk_ssop_session = Table(
    "kiosk_ssop_session",
    ssop_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hcode", CHAR(5), nullable=False),
    Column("sessno", Integer, nullable=False),
    Column("period", String(40), nullable=False),  # the batch's dates, YYYYMMDD-YYYYMMDD
    Column("created_by", String(64)),
    Column("created_at", JhcisDateTime, nullable=False),
    UniqueConstraint("hcode", "sessno", name="kiosk_ssop_session_number"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)
SSOP_TABLES: tuple[Table, ...] = (kiosk_ssop_session,)


def ensure_ssop_tables(engine: Engine) -> list[str]:
    """Create or complete the tables of this module (never touches any other table)."""
    return ensure_kiosk_tables(engine, SSOP_TABLES)


def next_session(engine: Engine, hcode: str) -> int:
    """The number the unit's next batch will take (nothing is recorded).

    1 where no batch was ever recorded, even before the table exists (a dry run on a
    read-only connection)."""
    table = kiosk_ssop_session
    with engine.connect() as conn:
        if not inspect(conn).has_table(table.name):
            return 1
        last = conn.execute(select(func.max(table.c.sessno)).where(table.c.hcode == hcode)).scalar()
    return int(last or 0) + 1


def take_session(engine: Engine, hcode: str, period: str, created_by: str = "") -> int:
    """Record and return a new session number for the unit's batch of `period`."""
    for _ in range(_ATTEMPTS):
        number = next_session(engine, hcode)
        if number > MAX_SESSNO:
            raise SessionsExhausted()
        row = {
            "hcode": hcode, "sessno": number, "period": period[:40],
            "created_by": created_by[:64], "created_at": now(),
        }  # fmt: skip
        try:
            with engine.begin() as conn:
                conn.execute(kiosk_ssop_session.insert().values(**row))
        except IntegrityError:
            continue  # another batch took this number first: take the next
        return number
    raise SessionsContended(f"{_ATTEMPTS} attempts")


def session_for_batch(
    engine: Engine, hcode: str, period: str, *, dry_run: bool, created_by: str = ""
) -> int:
    """A real batch's new, recorded number; a dry run's look at the next one."""
    if dry_run:
        return next_session(engine, hcode)
    ensure_ssop_tables(engine)
    return take_session(engine, hcode, period, created_by)
