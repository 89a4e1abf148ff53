"""3 writer processes, 300 visits and 100 walk-ins: no duplicate, no lost row.

Duplicates would be impossible to *store* (primary keys), so the test also requires
that no writer ever had to retry after a duplicate-key error: among our own writers
the lock alone must prevent collisions. Queue numbers of the day must be exactly
1..300, which only holds if every allocation saw the previous writer's commit.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from integrations.jhcis import tables as t
from integrations.jhcis.engine import open_engine
from integrations.jhcis.own_tables import kiosk_visit
from integrations.jhcis.stress import WriterResult, run_writers, split

DAY = dt.date(2027, 6, 1)  # no synthetic visit on this day
WRITERS, VISITS_PER_WRITER, PERSONS = 3, 100, 100


def check(url: str, results: list[WriterResult], max_pid_before: int) -> None:
    visits = [v for r in results for v in r.visits]
    assert len(visits) == WRITERS * VISITS_PER_WRITER
    visitnos = [visitno for _key, visitno, _q in visits]
    assert len(set(visitnos)) == len(visitnos)
    assert sorted(q for _k, _v, q in visits) == list(range(1, len(visits) + 1))
    pids = [pid for r in results for pid in r.pids]
    assert len(pids) == PERSONS and len(set(pids)) == PERSONS
    assert sorted(pids) == list(range(max_pid_before + 1, max_pid_before + PERSONS + 1))
    assert [r.collisions for r in results] == [0] * WRITERS
    assert all(r.replays_matched == 4 for r in results)
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            stored = set(
                conn.execute(select(t.visit.c.visitno).where(t.visit.c.visitdate == DAY)).scalars()
            )
            own = conn.execute(
                select(func.count()).select_from(kiosk_visit).where(kiosk_visit.c.visitdate == DAY)
            ).scalar_one()
            stored_pids = set(
                conn.execute(
                    select(t.person.c.pid).where(t.person.c.pid > max_pid_before)
                ).scalars()
            )
    finally:
        engine.dispose()
    assert stored == set(visitnos)  # nothing lost, nothing extra
    assert own == len(visits)
    assert stored_pids == set(pids)


def max_pid(url: str) -> int:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.max(t.person.c.pid))).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_three_writers_sqlite(jhcis_sqlite_url: str) -> None:
    before = max_pid(jhcis_sqlite_url)
    results = run_writers(
        jhcis_sqlite_url, writers=WRITERS, visits=VISITS_PER_WRITER, persons=PERSONS, day=DAY
    )
    check(jhcis_sqlite_url, results, before)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("charset", ["utf8", "tis620"])
def test_three_writers_mariadb(mariadb_databases, charset: str) -> None:  # type: ignore[no-untyped-def]
    url = mariadb_databases.jhcis(charset)
    before = max_pid(url)
    results = run_writers(url, writers=WRITERS, visits=VISITS_PER_WRITER, persons=PERSONS, day=DAY)
    check(url, results, before)


def test_split() -> None:
    assert split(100, 3) == [34, 33, 33]
    assert sum(split(7, 3)) == 7
