"""Known cases added to a *synthetic* JHCIS database, for the tests, the demo and benches.

Staff accounts with known passwords (the web sign-in tests) and appointments whose
reminder outcome is known (the reminder tests). They live here because only this room
writes JHCIS tables. The synthetic generator's own appointments end about three
months after its last visit; every appointment here lies in March 2027, after them,
so each case's expected outcome is known exactly. Both writers refuse a database
without the demo marker (:mod:`integrations.jhcis.demo_marker`, what create-demo and the
test fixtures write), so they can never run against a clinic's database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, update

from integrations.jhcis import tables as t
from integrations.jhcis.demo_marker import require_demo
from integrations.jhcis.profile import detect_profile
from integrations.jhcis.synth import DEMO_PROVIDER


@dataclass(frozen=True)
class StaffAccount:
    password: str
    officertype: str  # JHCIS user.officertype
    deleted: bool = False  # user.markdelete
    idcard: str | None = None


def add_staff_accounts(engine: Engine, unit: str, accounts: Mapping[str, StaffAccount]) -> None:
    """(Re)create staff accounts in a synthetic database's ``user`` table."""
    require_demo(engine)
    with engine.begin() as conn:
        conn.execute(delete(t.user).where(t.user.c.username.in_(list(accounts))))
        for name, account in accounts.items():
            conn.execute(
                insert(t.user).values(
                    username=name,
                    password=account.password,
                    pcucode=unit,
                    markdelete="1" if account.deleted else None,
                    officertype=account.officertype,
                    idcard=account.idcard,
                    prename="น.ส.",
                    fname="ทดสอบ",
                    lname=name.removeprefix("t_"),
                )
            )


# -- appointments with known reminder outcomes ----------------------------------------

TODAY = dt.date(2027, 3, 1)
BOOKED = dt.date(2027, 2, 1)
FIRST_VISITNO = 900_001
UNIT = "99901"


@dataclass(frozen=True)
class KnownCase:
    pid: int
    kind: str  # epi | diag
    code: str
    date: dt.date
    expect: str  # due | missed | kept | given_while_open


# pid -> mobile written to person (None = no number at all)
MOBILES: dict[int, str | None] = {
    1: "0812345671",
    2: "0812345672",
    3: "0812345673",
    4: None,
    5: "0812345675",
    6: "0812345676",
    7: None,
    8: "0812345678",
}

CASES: tuple[KnownCase, ...] = (
    KnownCase(1, "epi", "BCG", dt.date(2027, 3, 2), "due"),  # tomorrow
    KnownCase(2, "epi", "MMR1", dt.date(2027, 3, 10), "due"),
    KnownCase(3, "epi", "OPV1", dt.date(2027, 2, 20), "missed"),
    KnownCase(4, "epi", "OPV1", dt.date(2027, 2, 22), "kept"),  # came that day
    KnownCase(5, "epi", "HBV1", dt.date(2027, 3, 5), "due"),  # booked twice ...
    KnownCase(5, "epi", "HBV1", dt.date(2027, 3, 19), "due"),  # ... on another date
    KnownCase(6, "epi", "DTP-HB1", dt.date(2027, 3, 15), "given_while_open"),
    KnownCase(7, "diag", "I10", dt.date(2027, 3, 2), "due"),  # tomorrow, no phone
    KnownCase(8, "diag", "E11.9", dt.date(2027, 2, 25), "missed"),
)
GIVEN: dict[int, tuple[str, dt.date]] = {
    4: ("OPV1", dt.date(2027, 2, 22)),
    6: ("DTP-HB1", dt.date(2027, 2, 15)),
}


def seed_known_appointments(engine: Engine) -> dict[str, KnownCase]:
    """Insert the cases (booking visits, appointments, vaccinations); returns key -> case."""
    require_demo(engine)
    keys: dict[str, KnownCase] = {}
    with engine.begin() as conn:
        has_mobile = detect_profile(conn, ["person"]).has_column("person", "mobile")
        for pid, mobile in MOBILES.items():
            values: dict[str, object] = {"telephoneperson": None}
            if has_mobile:
                values["mobile"] = mobile
            else:
                values["telephoneperson"] = mobile
            conn.execute(
                update(t.person)
                .where(t.person.c.pcucodeperson == UNIT, t.person.c.pid == pid)
                .values(**values)
            )
        visitno = FIRST_VISITNO
        for case in CASES:
            conn.execute(insert(t.visit).values(**_visit(visitno, case.pid, BOOKED)))
            if case.kind == "epi":
                conn.execute(
                    insert(t.visitepiappoint).values(
                        pcucode=UNIT,
                        visitno=visitno,
                        pcucodeperson=UNIT,
                        pid=case.pid,
                        vaccinecode=case.code,
                        dateappoint=case.date,
                        hoscodeappoint=UNIT,
                    )
                )
            else:
                conn.execute(
                    insert(t.visitdiagappoint).values(
                        pcucode=UNIT,
                        visitno=visitno,
                        diagcode=case.code,
                        appodate=case.date,
                        appotime=dt.time(9, 0),
                        appotype="1",
                        comment="รับยาต่อเนื่อง",
                    )
                )
            keys[f"{case.kind}:{UNIT}:{visitno}:{case.code}:{case.date.isoformat()}"] = case
            visitno += 1
        for pid, (code, day) in GIVEN.items():
            conn.execute(insert(t.visit).values(**_visit(visitno, pid, day)))
            conn.execute(
                insert(t.visitepi).values(
                    pcucode=UNIT,
                    visitno=visitno,
                    pcucodeperson=UNIT,
                    pid=pid,
                    vaccinecode=code,
                    dateepi=day,
                    hosservice=UNIT,
                    lotno="L1",
                )
            )
            visitno += 1
    return keys


def _visit(visitno: int, pid: int, day: dt.date) -> dict[str, object]:
    return {
        "pcucode": UNIT,
        "visitno": visitno,
        "visitdate": day,
        "pcucodeperson": UNIT,
        "pid": pid,
        "timestart": dt.time(9, 0),
        "flagservice": "03",
        "username": DEMO_PROVIDER,  # an account of the synthetic unit (visit -> user)
        "dateupdate": dt.datetime.combine(day, dt.time(9, 0)),
    }


def keys_expecting(keys: dict[str, KnownCase], expect: str) -> set[str]:
    return {k for k, c in keys.items() if c.expect == expect}
