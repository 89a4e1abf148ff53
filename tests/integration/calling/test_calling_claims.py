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
        line.finish(engine, first.id, line.Shown.of(first), username="a", now=NOW)
        with pytest.raises(line.LineChanged):
            line.recall(
                engine, first.id, line.Shown.of(first), username="b", now=NOW
            )  # finished meanwhile
        with pytest.raises(line.LineChanged):
            line.skip(engine, calling, first.id, line.Shown.of(first), username="b", now=NOW)
    finally:
        engine.dispose()


STALE = 150


def test_a_stale_page_never_sends_on_or_finishes_whom_a_colleague_just_called(
    mariadb_databases: object,
) -> None:
    """Desk 1 calls the line while desk 2, looking at the waiting line as it was, presses
    *done*, *send to* or a lane on each of the same patients at the same moment. Each
    patient ends with exactly one of them: either desk 1 called them (and desk 2's press
    changed nothing) or desk 2's press won (and desk 1 never called them)."""
    url = mariadb_databases.empty("utf8")  # type: ignore[attr-defined]
    engine = open_engine(url, pool_size=4)
    try:
        ensure_calling_tables(engine)
        fill(engine, STALE)
        calling = CallingSettings(
            points=[
                ServicePoint(code="exam", th="ตรวจรักษา", en="Examination", counters=2),
                ServicePoint(code="pharmacy", th="จ่ายยา", en="Pharmacy"),
            ],
            priority_kinds=["elderly", "monk"],
        )
        shown = {e.id: line.Shown.of(e) for e in line.entries(engine, DAY, "exam")}
        assert {s.status for s in shown.values()} == {"waiting"}
        start = threading.Barrier(2)
        errors: list[BaseException] = []
        stale_won: list[int] = []

        def desk_one() -> None:
            try:
                start.wait()
                while line.call_next(
                    engine, calling, day=DAY, point="exam", counter=1, username="desk1", now=NOW
                ):
                    pass
            except BaseException as exc:
                errors.append(exc)

        def desk_two() -> None:
            try:
                start.wait()
                # From the back of the line: the two desks meet in its middle.
                for n, (entry_id, was) in enumerate(reversed(shown.items())):
                    try:
                        if n % 3 == 0:
                            line.finish(engine, entry_id, was, username="desk2", now=NOW)
                        elif n % 3 == 1:
                            line.send_to(
                                engine, calling, entry_id, "pharmacy", was, username="desk2",
                                now=NOW,
                            )  # fmt: skip
                        else:
                            line.set_priority(
                                engine, calling, entry_id, "monk", was, username="desk2",
                                now=NOW,
                            )  # fmt: skip
                        stale_won.append(entry_id)
                    except line.LineChanged:
                        pass
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=desk_one), threading.Thread(target=desk_two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert errors == []
        with engine.connect() as conn:
            events = conn.execute(
                select(
                    call_event.c.id, call_event.c.entry_id, call_event.c.action,
                    call_event.c.username,
                )
            ).all()  # fmt: skip
            rows = {
                r.id: r
                for r in conn.execute(
                    select(call_entry.c.id, call_entry.c.status, call_entry.c.priority)
                )
            }
        called = {e.entry_id: e.id for e in events if e.action == "call"}
        pressed = {e.entry_id: e.id for e in events if e.username == "desk2"}
        assert set(pressed) == set(stale_won)
        # A stale press never moved a patient desk 1 had already called: where both
        # happened, the press came first (a lane keeps the patient waiting, to be called).
        for entry_id in set(called) & set(pressed):
            assert pressed[entry_id] < called[entry_id]
            assert rows[entry_id].priority == "monk"
        # Nobody lost: called by desk 1, or finished or sent on by desk 2.
        for entry_id, row in rows.items():
            if entry_id in called:
                assert row.status == "called"
            else:
                assert entry_id in pressed and row.status in ("done", "waiting"), row
        # The race really happened: some presses won, some found the patient called.
        assert 0 < len(stale_won) < STALE
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


def test_the_line_takes_in_only_waiting_visits_numbered_as_their_tickets(
    mariadb_databases: object,
) -> None:
    """One numbering rule for the ticket and the line (integrations' day_numbers): JHCIS's
    excluded visit keeps its place in the day, as in the kiosk's own count; a visit JHCIS
    already finished, or excluded, never enters the line."""
    from sqlalchemy import func as sql_func

    from common.cid import cid_check_digit
    from integrations.jhcis import tables as t

    day = dt.date(2027, 6, 1)
    clinic = ClinicDatabase.from_url(mariadb_databases.jhcis("utf8"))  # type: ignore[attr-defined]
    try:
        ensure_calling_tables(clinic.engine)

        def someone(serial: int) -> object:
            first12 = f"1771{serial:08d}"
            return clinic.register_walkin(
                WalkinIdentity(
                    cid=first12 + str(cid_check_digit(first12)), title="นาย",
                    first_name="ทดสอบเรียก", last_name=f"ลำดับ{serial}",
                    birth=dt.date(1985, 1, 1), sex="1",
                ),
                at=dt.datetime.combine(day, dt.time(7, 0)),
            )  # fmt: skip

        def jhcis_opens(who: object, flag: str) -> int:
            with clinic.engine.begin() as conn:
                top = conn.execute(select(sql_func.max(t.visit.c.visitno))).scalar_one() or 0
                conn.execute(
                    t.visit.insert().values(
                        pcucode="99901", visitno=top + 1, visitdate=day,
                        pcucodeperson=who.pcucodeperson, pid=who.pid,  # type: ignore[attr-defined]
                        flagservice=flag, timestart=dt.time(7, 30),
                    )
                )  # fmt: skip
            return int(top + 1)

        excluded = jhcis_opens(someone(1), "99")
        finished = jhcis_opens(someone(2), "03")
        kiosk = clinic.open_checkin_visit(
            CheckinRequest(
                key="calling-numbers-" + "k" * 16, at=dt.datetime.combine(day, dt.time(8, 0)),
                person=someone(3).key, claim_type="PG0060001",  # type: ignore[attr-defined]
            )
        ).visit  # fmt: skip
        waiting = jhcis_opens(someone(4), "01")
        take_in_arrivals(clinic, CallingSettings(), day, dt.datetime.combine(day, dt.time(9)))
        entries = {e.visitno: e for e in line.entries(clinic.engine, day)}
        assert set(entries) == {kiosk.visitno, waiting}
        assert excluded not in entries and finished not in entries
        waiting_visit = clinic.get_visit("99901", waiting)
        assert waiting_visit is not None
        printed = ticket_facts(clinic, waiting_visit).queue_no
        assert printed == 4  # the fourth visit of the day, the excluded one counted
        assert entries[waiting].queue_no == printed
        assert entries[kiosk.visitno].queue_no == kiosk.queue_no == 3
    finally:
        clinic.dispose()


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
        line.skip(
            deps.clinic.engine,
            calling,
            called.id,
            line.Shown.of(called),
            username="t_staff",
            now=now,
        )
        assert ticket_facts(ticket_db, last).waiting_ahead == before
        again = line.call_next(
            deps.clinic.engine, calling, day=day, point=first_point, counter=1,
            username="t_staff", now=now,
        )  # fmt: skip
        assert again is not None
        line.send_to(
            deps.clinic.engine,
            calling,
            again.id,
            "exam",
            line.Shown.of(again),
            username="t",
            now=now,
        )
        assert ticket_facts(ticket_db, last).waiting_ahead == before - 1
    finally:
        if ticket_db is not None:
            ticket_db.dispose()
        deps.clinic.dispose()
