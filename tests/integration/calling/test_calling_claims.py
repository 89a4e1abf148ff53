"""Calling the queue on MariaDB: concurrent callers never call one patient twice or lose one;
the day's JHCIS visits enter the first line once, also when two readers race."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from backoffice.calling import line
from backoffice.calling.arrivals import take_in_arrivals
from backoffice.calling.tables import call_entry, call_event, ensure_calling_tables
from backoffice.testing import checkin, make_deps, seed_day, walkin_cid
from common.config import CallingSettings, ServicePoint
from common.thaidate import age_on
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.engine import open_engine
from integrations.jhcis.records import CheckinRequest, WalkinIdentity
from integrations.jhcis.tables import person
from integrations.jhcis.ticket_facts import ticket_facts

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 1, 15)
NOW = dt.datetime(2026, 1, 15, 9, 0)
CALLERS = 4
CALLS_EACH = 200


def four_counters() -> CallingSettings:
    return CallingSettings(
        points=[ServicePoint(code="exam", th="ตรวจรักษา", en="Examination", counters=CALLERS)],
        priority_kinds=["elderly", "monk"],
        regular_per_priority=2,
    )


def fill(engine: Engine, count: int) -> None:
    rows = [
        {
            "pcucode": "99901", "visitno": i, "visitdate": DAY, "pcucodeperson": "99901",
            "pid": i, "queue_no": i, "masked_name": "ท*** ท***",
            "priority": "elderly" if i % 5 == 0 else ("monk" if i % 17 == 0 else None),
            "first_point": "exam", "point": "exam", "status": "waiting", "calls": 0,
            "enqueued_at": NOW + dt.timedelta(seconds=i), "updated_at": NOW,
        }
        for i in range(1, count + 1)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(call_entry.insert(), rows)


def test_four_callers_200_calls_each_call_nobody_twice_and_lose_nobody(
    mariadb_databases: object,
) -> None:
    url = mariadb_databases.empty("utf8")  # type: ignore[attr-defined]
    engine = open_engine(url, pool_size=CALLERS + 2)
    try:
        ensure_calling_tables(engine)
        fill(engine, CALLERS * CALLS_EACH)
        calling = four_counters()
        got: dict[int, list[int]] = {c: [] for c in range(1, CALLERS + 1)}
        errors: list[BaseException] = []
        start = threading.Barrier(CALLERS)

        def caller(counter: int) -> None:
            try:
                start.wait()
                for _ in range(CALLS_EACH):
                    called = line.call_next(
                        engine, calling, day=DAY, point="exam", counter=counter,
                        username=f"nurse{counter}", now=NOW,
                    )  # fmt: skip
                    assert called is not None
                    got[counter].append(called.id)
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=caller, args=(c,)) for c in got]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert errors == []
        every = [entry_id for ids in got.values() for entry_id in ids]
        assert len(every) == CALLERS * CALLS_EACH
        twice = [entry_id for entry_id, n in Counter(every).items() if n > 1]
        assert twice == [], f"{len(twice)} patients called twice"
        with engine.connect() as conn:
            statuses = dict(
                conn.execute(
                    select(call_entry.c.status, func.count()).group_by(call_entry.c.status)
                ).all()
            )
            events = conn.execute(select(call_event.c.entry_id, call_event.c.username)).all()
            max_calls = conn.execute(select(func.max(call_entry.c.calls))).scalar()
        assert statuses == {"called": CALLERS * CALLS_EACH}  # 0 lost, 0 left waiting
        assert max_calls == 1
        assert sorted(e[0] for e in events) == sorted(every)  # one event a call
        # Each entry's counter is the caller that claimed it.
        by_counter = {entry_id: c for c, ids in got.items() for entry_id in ids}
        with engine.connect() as conn:
            for entry_id, counter in conn.execute(select(call_entry.c.id, call_entry.c.counter)):
                assert by_counter[entry_id] == counter
        # Nobody ran dry early: every caller got calls (the claim is not a global lock).
        assert all(len(ids) == CALLS_EACH for ids in got.values())
        # The next press finds nobody.
        assert (
            line.call_next(engine, calling, day=DAY, point="exam", counter=1, username="x", now=NOW)
            is None
        )
    finally:
        engine.dispose()


def test_a_second_press_on_a_changed_entry_changes_nothing(mariadb_databases: object) -> None:
    url = mariadb_databases.empty("utf8")  # type: ignore[attr-defined]
    engine = open_engine(url)
    try:
        ensure_calling_tables(engine)
        fill(engine, 3)
        calling = four_counters()
        first = line.call_next(
            engine, calling, day=DAY, point="exam", counter=1, username="a", now=NOW
        )
        assert first is not None and first.queue_no == 1
        line.finish(engine, first.id, username="a", now=NOW)
        with pytest.raises(line.LineChanged):
            line.recall(engine, first.id, username="b", now=NOW)  # finished meanwhile
        with pytest.raises(line.LineChanged):
            line.skip(engine, calling, first.id, username="b", now=NOW)
    finally:
        engine.dispose()


def test_todays_visits_enter_the_first_line_once_even_from_racing_readers(
    jhcis_mariadb_utf8_url: str, tmp_path: Path
) -> None:
    deps = make_deps(jhcis_mariadb_utf8_url, tmp_path)
    try:
        day = seed_day(deps.clinic, NOW.replace(hour=8))
        grandmother = WalkinIdentity(
            cid=walkin_cid(606060), title="นาง", first_name="ทดสอบ", last_name="สูงวัย",
            birth=dt.date(1950, 3, 1), sex="2",
        )  # fmt: skip
        elderly = checkin(
            deps.clinic, CheckinRequest(key="calling-elderly", at=NOW, identity=grandmother)
        )
        visits = [v for kind in day.values() for v in kind] + [elderly]
        calling = deps.settings.calling
        made: list[int] = []
        barrier = threading.Barrier(3)

        def reader() -> None:
            barrier.wait()
            made.append(take_in_arrivals(deps.clinic, calling, DAY, NOW))

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(made) == len(visits)
        entries = line.entries(deps.clinic.engine, DAY)
        assert sorted(e.visitno for e in entries) == sorted(v.visitno for v in visits)
        assert {e.point for e in entries} == {calling.points[0].code}
        assert {e.status for e in entries} == {"waiting"}
        # The queue numbers are the ones the check-in gave (the ticket's number).
        assert sorted(e.queue_no for e in entries if e.queue_no is not None) == sorted(
            v.queue_no for v in visits if v.queue_no is not None
        )
        # The elderly lane comes from the birth date the check-in wrote (JHCIS person.birth).
        with deps.clinic.engine.connect() as conn:
            lanes = conn.execute(
                select(person.c.birth, call_entry.c.priority).join(
                    person,
                    (person.c.pcucodeperson == call_entry.c.pcucodeperson)
                    & (person.c.pid == call_entry.c.pid),
                )
            ).all()
        assert len(lanes) == len(visits)
        for birth, lane in lanes:
            elderly = birth is not None and age_on(birth, DAY) >= calling.elderly_age
            assert (lane == "elderly") == elderly, (birth, lane)
        assert sum(1 for _, lane in lanes if lane == "elderly") == 1
        # Calling walks the line in check-in order (no one in the priority lane here
        # unless the synthetic person is 60 or older: then they come after two regulars).
        first = line.call_next(
            deps.clinic.engine, calling, day=DAY, point=calling.points[0].code, counter=1,
            username="t_staff", now=NOW,
        )  # fmt: skip
        assert first is not None
        assert take_in_arrivals(deps.clinic, calling, DAY, NOW) == 0
    finally:
        deps.clinic.dispose()


def test_the_ticket_counts_only_those_still_waiting_for_the_first_point(
    jhcis_mariadb_utf8_url: str, tmp_path: Path
) -> None:
    deps = make_deps(jhcis_mariadb_utf8_url, tmp_path)
    day = NOW.date() + dt.timedelta(days=1)  # a day of its own in the module's database
    ticket_db = None
    try:
        seeded = seed_day(deps.clinic, dt.datetime.combine(day, dt.time(8, 0)))
        visits = sorted((v for kind in seeded.values() for v in kind), key=lambda v: v.visitno)
        last = visits[-1]
        calling = deps.settings.calling
        take_in_arrivals(deps.clinic, calling, day, NOW)
        # A fresh connection reads the profile with our table in it (as a kiosk started
        # after the backoffice does).
        ticket_db = ClinicDatabase.from_url(jhcis_mariadb_utf8_url)
        before = ticket_facts(ticket_db, last).waiting_ahead
        assert before == len(visits) - 1
        first_point = calling.points[0].code
        now = dt.datetime.combine(day, dt.time(9, 0))
        called = line.call_next(
            deps.clinic.engine, calling, day=day, point=first_point, counter=1,
            username="t_staff", now=now,
        )  # fmt: skip
        assert called is not None
        assert ticket_facts(ticket_db, last).waiting_ahead == before - 1
        # Not there: back in the first line, so ahead again.
        line.skip(deps.clinic.engine, calling, called.id, username="t_staff", now=now)
        assert ticket_facts(ticket_db, last).waiting_ahead == before
        again = line.call_next(
            deps.clinic.engine, calling, day=day, point=first_point, counter=1,
            username="t_staff", now=now,
        )  # fmt: skip
        assert again is not None
        line.send_to(deps.clinic.engine, calling, again.id, "exam", username="t", now=now)
        assert ticket_facts(ticket_db, last).waiting_ahead == before - 1
    finally:
        if ticket_db is not None:
            ticket_db.dispose()
        deps.clinic.dispose()
