"""Our two MOPH IC tables (``kiosk_`` prefixed, in the clinic database).

* ``kiosk_ic_history`` — what MOPH IC's ``ImmunizationTarget`` said a person received,
  as of ``fetched_at``: the doses (vaccine code and name, date, unit, dose number,
  lot) as JSON, keyed by the JHCIS person. No citizen ID or name is stored. The due
  lists read it (no network call while a page or a reminder run lists people); a
  lookup on the page or ``backoffice reminders ic-refresh`` fills it.
* ``kiosk_ic_push`` — the ledger of ``UpdateImmunization`` pushes, one row per attempt
  to send one visit's doses (:mod:`integrations.jhcis.visit_ledger`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlalchemy import (
    CHAR,
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.types import JhcisDateTime
from integrations.jhcis.visit_ledger import VisitLedger, visit_send_table
from integrations.moph.ic import IcDose

ic_metadata = MetaData()

kiosk_ic_history = Table(
    "kiosk_ic_history",
    ic_metadata,
    Column("pcucodeperson", CHAR(5), primary_key=True),
    Column("pid", Integer, primary_key=True, autoincrement=False),
    Column("fetched_at", JhcisDateTime, nullable=False),
    Column("doses", Text, nullable=False),  # JSON list of IcDose.as_dict()
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)
kiosk_ic_push = visit_send_table("kiosk_ic_push", ic_metadata)
IC_TABLES = (kiosk_ic_history, kiosk_ic_push)

Person = tuple[str, int]


def ensure_ic_tables(engine: Engine) -> None:
    ensure_kiosk_tables(engine, IC_TABLES)


def push_ledger(engine: Engine) -> VisitLedger:
    ensure_ic_tables(engine)
    return VisitLedger(engine, kiosk_ic_push)


def store_history(engine: Engine, person: Person, doses: list[IcDose], now: dt.datetime) -> None:
    """Keep what MOPH IC said about `person` (replacing what it said before)."""
    h = kiosk_ic_history
    text = json.dumps([d.as_dict() for d in doses], ensure_ascii=False)
    values = {"fetched_at": now.replace(microsecond=0), "doses": text}
    try:
        with engine.begin() as conn:
            conn.execute(insert(h).values(pcucodeperson=person[0], pid=person[1], **values))
    except IntegrityError:
        with engine.begin() as conn:
            conn.execute(
                update(h)
                .where(h.c.pcucodeperson == person[0], h.c.pid == person[1])
                .values(**values)
            )


def cached_histories(
    engine: Engine, people: Iterable[Person]
) -> dict[Person, tuple[dt.datetime, list[IcDose]]]:
    """What MOPH IC last said about each of `people` (those never looked up are absent)."""
    wanted = sorted(set(people))
    h = kiosk_ic_history
    found: dict[Person, tuple[dt.datetime, list[IcDose]]] = {}
    with engine.connect() as conn:
        if not wanted or not inspect(conn).has_table(h.name):
            return found
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        keys = set(chunk)
        query = select(h).where(
            h.c.pcucodeperson.in_(sorted({u for u, _ in chunk})),
            h.c.pid.in_(sorted({p for _, p in chunk})),
        )
        with engine.connect() as conn:
            for row in conn.execute(query):
                key = (row.pcucodeperson, int(row.pid))
                if key in keys:
                    doses = [IcDose.from_dict(d) for d in json.loads(row.doses or "[]")]
                    found[key] = (row.fetched_at, doses)
    return found
