"""What a ticket says that only JHCIS knows (issue 20, item 6), on SQLite and MariaDB:
the queue number of a visit opened in JHCIS itself, how many wait ahead, the right."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select

from common.cid import cid_check_digit
from integrations.jhcis import tables as t
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.records import CheckinRequest, Person, Visit, WalkinIdentity
from integrations.jhcis.ticket_facts import ticket_facts

UNIT = "99901"
# A day of its own per database (the synthetic visits end on 2026-01-15).
DAY = dt.date(2027, 5, 3)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("utf8", marks=pytest.mark.integration),
        pytest.param("tis620", marks=pytest.mark.integration),
    ]
)
def clinic(request: pytest.FixtureRequest) -> Iterator[ClinicDatabase]:
    if request.param == "sqlite":
        url = str(request.getfixturevalue("jhcis_sqlite_url"))
    else:
        url = request.getfixturevalue("mariadb_databases").jhcis(request.param)
    db = ClinicDatabase.from_url(url)
    yield db
    db.dispose()


def person(clinic: ClinicDatabase, serial: int) -> Person:
    first12 = f"1770{serial:08d}"
    return clinic.register_walkin(
        WalkinIdentity(
            cid=first12 + str(cid_check_digit(first12)), title="นาง", first_name="ทดสอบคิว",
            last_name=f"ลำดับ{serial}", birth=dt.date(1980, 1, 1), sex="2",
        ),
        at=dt.datetime.combine(DAY, dt.time(7, 0)),
    )  # fmt: skip


def jhcis_opens(
    clinic: ClinicDatabase, who: Person, flag: str, rightcode: str | None = None
) -> Visit:
    """A visit as the JHCIS program opens it: no row of ours, so no kiosk queue number."""
    with clinic.engine.begin() as conn:
        top = conn.execute(select(func.max(t.visit.c.visitno))).scalar_one() or 0
        conn.execute(
            t.visit.insert().values(
                pcucode=UNIT, visitno=top + 1, visitdate=DAY, pcucodeperson=who.pcucodeperson,
                pid=who.pid, flagservice=flag, rightcode=rightcode,
            )
        )  # fmt: skip
    return clinic.get_visit(UNIT, top + 1)


def kiosk_opens(
    clinic: ClinicDatabase, who: Person, key: str, main_inscl: str | None = None
) -> Visit:
    request = CheckinRequest(
        key=key,
        at=dt.datetime.combine(DAY, dt.time(8, 30)),
        person=who.key,
        claim_type="PG0060001",
        main_inscl=main_inscl,
    )
    return clinic.open_checkin_visit(request).visit


def test_queue_numbers_and_who_waits_ahead(clinic: ClinicDatabase) -> None:
    served, waiting, kiosk, late = (person(clinic, n) for n in (1, 2, 3, 4))
    first = jhcis_opens(clinic, served, "03")  # seen already
    second = jhcis_opens(clinic, waiting, "01")
    third = kiosk_opens(clinic, kiosk, "k" * 32)
    fourth = jhcis_opens(clinic, late, "01")
    assert (first.queue_no, second.queue_no, third.queue_no, fourth.queue_no) == (
        None,
        None,
        3,
        None,
    )

    facts = [ticket_facts(clinic, v) for v in (first, second, third, fourth)]
    # Opened in JHCIS: its place in the day, never its visit number.
    assert [f.queue_no for f in facts] == [1, 2, 3, 4]
    assert fourth.visitno != 4
    # Still waiting ahead: earlier visits JHCIS marks '01' (not the one already seen).
    assert [f.waiting for f in facts] == [False, True, True, True]
    assert [f.waiting_ahead for f in facts] == [None, 0, 1, 2]

    # The same person's own earlier visit is not someone ahead of them.
    again = jhcis_opens(clinic, waiting, "01")
    assert ticket_facts(clinic, again).waiting_ahead == 2  # the kiosk's and `late`'s


def test_a_place_the_kiosk_already_gave_away_prints_no_number(clinic: ClinicDatabase) -> None:
    served, kiosk, late = (person(clinic, n) for n in (11, 12, 13))
    first = jhcis_opens(clinic, served, "03")
    second = kiosk_opens(clinic, kiosk, "m" * 32)
    third = jhcis_opens(clinic, late, "01")
    assert (ticket_facts(clinic, second).queue_no, ticket_facts(clinic, third).queue_no) == (2, 3)
    with clinic.engine.begin() as conn:  # staff delete the first visit in JHCIS
        conn.execute(
            delete(t.visit).where(t.visit.c.pcucode == UNIT, t.visit.c.visitno == first.visitno)
        )
    # The third is now second in the day: a number the kiosk printed for someone else.
    assert ticket_facts(clinic, third).queue_no is None
    assert ticket_facts(clinic, second).queue_no == 2  # the kiosk's own number stands


def test_the_right_in_a_patients_words(clinic: ClinicDatabase) -> None:
    ucs, ofc, other = (person(clinic, n) for n in (21, 22, 23))
    # NHSO's main right of the check-in, kept with the visit.
    kept = ticket_facts(clinic, kiosk_opens(clinic, ucs, "r" * 32, main_inscl="UCS"))
    assert kept.right() == "บัตรทอง (UCS)"
    assert kept.right("SSS", "(SSS) สิทธิประกันสังคม") == "ประกันสังคม (SSS)"  # today's wins
    # None kept: JHCIS's right of the visit, by its mapright...
    assert ticket_facts(clinic, jhcis_opens(clinic, ofc, "01", "10")).right() == "ข้าราชการ (OFC)"
    # ...or, when that is no NHSO code, by JHCIS's own name for it.
    with clinic.engine.begin() as conn:
        values = {"rightcode": "98", "rightname": "สิทธิเบิกต้นสังกัดพิเศษ", "mapright": "0199"}
        conn.execute(t.cright.insert().values(**clinic._encoded("cright", values)))
    named = ticket_facts(clinic, jhcis_opens(clinic, other, "01", "98"))
    assert named.right() == "สิทธิเบิกต้นสังกัดพิเศษ"
    assert ticket_facts(clinic, jhcis_opens(clinic, other, "01")).right() == ""
