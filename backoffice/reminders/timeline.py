"""One person's vaccine history: the clinic's ``visitepi`` rows and MOPH IC's, on one line.

A clinic dose and a MOPH IC dose are the same dose when they carry the same 43-file
code (``cdrug.files18epi``) and dates at most a day apart (MOPH IC keeps a time, JHCIS a
day); the entry then shows both sources. Every other MOPH IC dose is a dose given
elsewhere, shown with the unit MOPH IC names. The person's open vaccine appointments
are listed with what :func:`backoffice.reminders.given_elsewhere.match` finds: a dose
already given elsewhere (the appointment is no longer due) or one to check. Each clinic
dose also shows its MOPH IC push status (``kiosk_ic_push``).

Holds names and a citizen ID only for the page that shows them; nothing here logs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, select

from backoffice.reminders.given_elsewhere import Elsewhere, export_codes, match
from backoffice.reminders.ic_tables import push_ledger
from common.logs import register_sensitive
from common.thaidate import parse_db_date
from integrations.jhcis import appointments as q
from integrations.jhcis import tables as t
from integrations.jhcis import visit_ledger as vl
from integrations.moph.ic import IcDose

CLINIC, MOPH_IC = "clinic", "moph_ic"
APPOINTMENT_LOOKBACK_DAYS = 90
APPOINTMENT_HORIZON_DAYS = 366


@dataclass(frozen=True)
class PersonRef:
    pcucodeperson: str
    pid: int
    name: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.pcucodeperson, self.pid)


@dataclass
class Entry:
    given_on: dt.date | None
    code43: str
    name: str
    sources: list[str]
    place: str
    lot: str = ""
    visitno: int | None = None  # the clinic dose's visit
    pushed: str = ""  # the MOPH IC push status of that visit


@dataclass
class Timeline:
    person: PersonRef | None
    entries: list[Entry] = field(default_factory=list)
    appointments: list[tuple[q.Appointment, Elsewhere | None]] = field(default_factory=list)

    @property
    def given_elsewhere(self) -> list[Elsewhere]:
        return [hit for _, hit in self.appointments if hit is not None]


def find_person(engine: Engine, cid: str, own_hcode: str) -> PersonRef | None:
    """The JHCIS person with this citizen ID (this unit's registration first)."""
    p, ti = t.person, t.ctitle
    query = (
        select(p.c.pcucodeperson, p.c.pid, p.c.fname, p.c.lname, ti.c.titlename)
        .select_from(p.outerjoin(ti, ti.c.titlecode == p.c.prename))
        .where(p.c.idcard == cid)
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query))
    if not rows:
        return None
    row = next((r for r in rows if r.pcucodeperson == own_hcode), rows[0])
    first, last = str(row.fname or "").strip(), str(row.lname or "").strip()
    register_sensitive([first, last])
    name = f"{str(row.titlename or '').strip()}{first} {last}".strip()
    return PersonRef(row.pcucodeperson, int(row.pid), name)


def cid_of(engine: Engine, person: tuple[str, int]) -> str:
    """The citizen ID JHCIS keeps for a person ("" when none)."""
    p = t.person
    query = select(p.c.idcard).where(p.c.pcucodeperson == person[0], p.c.pid == person[1])
    with engine.connect() as conn:
        return str(conn.execute(query).scalar() or "").strip()


def clinic_doses(engine: Engine, person: PersonRef, clinic_name: str) -> list[Entry]:
    e, d = t.visitepi, t.cdrug
    query = (
        select(e.c.visitno, e.c.vaccinecode, e.c.dateepi, e.c.lotno, d.c.files18epi, d.c.drugname)
        .select_from(e.outerjoin(d, d.c.drugcode == e.c.vaccinecode))
        .where(e.c.pcucodeperson == person.pcucodeperson, e.c.pid == person.pid)
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query))
    return [
        Entry(
            parse_db_date(r.dateepi), str(r.files18epi or "").strip(),
            str(r.drugname or r.vaccinecode), [CLINIC], clinic_name, str(r.lotno or ""),
            int(r.visitno),
        )
        for r in rows
    ]  # fmt: skip


def _same(entry: Entry, dose: IcDose) -> bool:
    if not entry.code43 or entry.code43 != dose.vaccine_code:
        return False
    if entry.given_on is None or dose.given_on is None:
        return False
    return abs((entry.given_on - dose.given_on).days) <= 1


def merge(clinic: list[Entry], ic: list[IcDose]) -> list[Entry]:
    entries = list(clinic)
    for dose in ic:
        twin = next((x for x in entries if CLINIC in x.sources and _same(x, dose)), None)
        if twin is not None:
            if MOPH_IC not in twin.sources:
                twin.sources.append(MOPH_IC)
            continue
        entries.append(
            Entry(dose.given_on, dose.vaccine_code, dose.vaccine_name or dose.vaccine_code,
                  [MOPH_IC], dose.hospital_name or dose.hospital_code, dose.lot)
        )  # fmt: skip
    return sorted(entries, key=lambda x: (x.given_on or dt.date.min, x.code43, x.name))


def open_appointments(engine: Engine, person: PersonRef, today: dt.date) -> list[q.Appointment]:
    """The person's vaccine appointments around today that no clinic dose kept."""
    a, v, d, e = t.visitepiappoint, t.visit, t.cdrug, t.visitepi
    start = today - dt.timedelta(days=APPOINTMENT_LOOKBACK_DAYS)
    end = today + dt.timedelta(days=APPOINTMENT_HORIZON_DAYS)
    query = (
        select(a.c.pcucode, a.c.visitno, a.c.vaccinecode, a.c.dateappoint, v.c.visitdate,
               d.c.drugname)
        .select_from(
            a.outerjoin(v, and_(v.c.pcucode == a.c.pcucode, v.c.visitno == a.c.visitno))
            .outerjoin(d, d.c.drugcode == a.c.vaccinecode)
        )
        .where(a.c.pcucodeperson == person.pcucodeperson, a.c.pid == person.pid,
               a.c.dateappoint >= start, a.c.dateappoint <= end)
    )  # fmt: skip
    given = select(e.c.vaccinecode, e.c.dateepi).where(
        e.c.pcucodeperson == person.pcucodeperson, e.c.pid == person.pid
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query))
        doses = [(str(r.vaccinecode), parse_db_date(r.dateepi)) for r in conn.execute(given)]
    found = []
    for r in rows:
        day, booked = parse_db_date(r.dateappoint), parse_db_date(r.visitdate)
        if day is None:
            continue
        after = booked or dt.date.min
        if any(code == r.vaccinecode and x is not None and x > after for code, x in doses):
            continue  # kept here (JHCIS's own rule)
        found.append(
            q.Appointment(
                kind="epi", pcucode=r.pcucode, visitno=int(r.visitno), code=str(r.vaccinecode),
                date=day, pcucodeperson=person.pcucodeperson, pid=person.pid,
                booked_on=booked, what=str(r.drugname or r.vaccinecode),
            )
        )  # fmt: skip
    return sorted(found, key=lambda x: (x.date, x.code))


def build_timeline(
    engine: Engine,
    person: PersonRef | None,
    ic: list[IcDose],
    *,
    own_hcode: str,
    clinic_name: str,
    today: dt.date,
) -> Timeline:
    if person is None:
        return Timeline(None, merge([], ic))
    clinic = clinic_doses(engine, person, clinic_name)
    timeline = Timeline(person, merge(clinic, ic))
    now = dt.datetime.combine(today, dt.time(23, 59))
    visits = {x.visitno for x in clinic if x.visitno is not None}
    pushed = {
        visitno: vl.effective_status(row, now)
        for visitno, row in push_ledger(engine).last_rows(own_hcode, visits).items()
    }
    for entry in timeline.entries:
        if entry.visitno is not None:
            entry.pushed = pushed.get(entry.visitno, "")
    appointments = open_appointments(engine, person, today)
    code43 = export_codes(engine, {x.code for x in appointments})
    timeline.appointments = [
        (x, match(x, ic, code43.get(x.code, ""), own_hcode)) for x in appointments
    ]
    return timeline
