"""Appointments read from JHCIS: due, missed, double-booked, given while still open.

Two kinds, both read-only (reference §5):

* vaccine appointments, ``visitepiappoint(pcucode, visitno, pcucodeperson, pid,
  vaccinecode, dateappoint)``, named through ``cdrug.drugname``;
* general appointments, ``visitdiagappoint(pcucode, visitno, diagcode, appodate,
  appotime, appotype)``, whose person is the booking visit's.

An appointment is *kept* when the person came for it after it was booked:

* vaccine: a ``visitepi`` row of the same person and ``vaccinecode`` dated after the
  booking visit's date (JHCIS's own "in month" report excludes rows already in
  ``visitepi`` the same way). A vaccination before the appointment's date is also a
  *given-while-open* warning: JHCIS keeps listing that appointment as open.
* general: any later visit of the person on or after ``appodate - KEEP_EARLY_DAYS``.

Dates are CE. Queries use only SELECT with plain joins and IN lists (MySQL 5.6,
MariaDB, SQLite); vaccinations and visits are fetched for the listed persons only,
because JHCIS has no index on ``visitepi(pcucodeperson, pid)``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy import Connection, Engine, and_, select

from common.logs import register_sensitive
from integrations.jhcis import tables as t
from integrations.jhcis.profile import detect_profile

Kind = Literal["epi", "diag"]
KEEP_EARLY_DAYS = 7  # a general appointment counts as kept by a visit up to a week early
NEXT_VACCINE_DAYS = 30  # the ticket shows vaccine appointments this close
IN_BATCH = 500

# visitdiagappoint.appotype (JHCIS appointment.jrxml, reference §1.4).
APPOTYPE_TH: dict[str, str] = {
    "1": "รับยา",
    "2": "ฟังผล/ติดตามอาการ",
    "3": "ทำแผล",
    "4": "เจาะเลือด",
    "5": "ตรวจน้ำตาล",
    "6": "วัดความดัน",
    "7": "แพทย์แผนไทย",
    "9": "ทันตกรรม",
    "10": "วางแผนครอบครัว",
    "49": "อื่น ๆ",
}


@dataclass(frozen=True)
class Appointment:
    """One appointment with what a reminder needs. Holds personal data: never log it."""

    kind: Kind
    pcucode: str
    visitno: int
    code: str  # vaccinecode or diagcode
    date: dt.date
    pcucodeperson: str
    pid: int
    booked_on: dt.date | None
    what: str  # vaccine name or appointment type, Thai
    time: dt.time | None = None
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    cid: str = ""
    phone: str = ""
    villcode: str = ""
    village: str = ""
    kept_on: dt.date | None = None  # first vaccination / visit that kept it

    @property
    def key(self) -> str:
        """Stable identity of the appointment (the reminder log's key); no personal data."""
        return f"{self.kind}:{self.pcucode}:{self.visitno}:{self.code}:{self.date.isoformat()}"

    @property
    def person(self) -> tuple[str, int]:
        return (self.pcucodeperson, self.pid)

    @property
    def full_name(self) -> str:
        return f"{self.title}{self.first_name} {self.last_name}".strip()

    @property
    def kept(self) -> bool:
        return self.kept_on is not None

    @property
    def given_while_open(self) -> bool:
        """A vaccine given after booking but before the appointment's date."""
        return self.kind == "epi" and self.kept_on is not None and self.kept_on < self.date

    def as_dict(self, *, with_contact: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind,
            "date": self.date.isoformat(),
            "time": self.time.strftime("%H:%M") if self.time else None,
            "code": self.code,
            "what": self.what,
            "pcucodeperson": self.pcucodeperson,
            "pid": self.pid,
            "name": self.full_name,
            "villcode": self.villcode,
            "village": self.village,
            "booked_on": self.booked_on.isoformat() if self.booked_on else None,
            "kept_on": self.kept_on.isoformat() if self.kept_on else None,
        }
        if with_contact:
            data["phone"] = self.phone
        return data


@dataclass(frozen=True)
class DoubleBooking:
    """The same vaccine booked on more than one date for one person (seed §14.2)."""

    pcucodeperson: str
    pid: int
    code: str
    what: str
    appointments: tuple[Appointment, ...] = field(default=())

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(sorted({a.date for a in self.appointments}))

    def as_dict(self) -> dict[str, Any]:
        first = self.appointments[0]
        return {
            "pcucodeperson": self.pcucodeperson,
            "pid": self.pid,
            "name": first.full_name,
            "village": first.village,
            "code": self.code,
            "what": self.what,
            "dates": [d.isoformat() for d in self.dates],
            "keys": [a.key for a in self.appointments],
        }


# --- reading ------------------------------------------------------------------------------


def appointments_between(
    engine: Engine | Connection,
    start: dt.date,
    end: dt.date,
    *,
    kinds: Iterable[Kind] = ("epi", "diag"),
    unit: str | None = None,
) -> list[Appointment]:
    """Every appointment dated ``start..end`` (inclusive), kept or not, sorted by date."""
    if isinstance(engine, Connection):
        return _between(engine, start, end, tuple(kinds), unit)
    with engine.connect() as conn:
        return _between(conn, start, end, tuple(kinds), unit)


def _between(
    conn: Connection, start: dt.date, end: dt.date, kinds: tuple[Kind, ...], unit: str | None
) -> list[Appointment]:
    found: list[Appointment] = []
    if "epi" in kinds:
        found += _epi(conn, start, end, unit)
    if "diag" in kinds:
        found += _diag(conn, start, end, unit)
    found = _with_people(conn, found)
    found = _with_kept(conn, found)
    found.sort(key=lambda a: (a.date, a.village, a.what, a.pid, a.key))
    return found


def _epi(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    unit: str | None,
    *,
    person: tuple[str, int] | None = None,
) -> list[Appointment]:
    a, v, d = t.visitepiappoint, t.visit, t.cdrug
    query = (
        select(
            a.c.pcucode,
            a.c.visitno,
            a.c.vaccinecode,
            a.c.dateappoint,
            a.c.pcucodeperson,
            a.c.pid,
            v.c.visitdate,
            d.c.drugname,
        )
        .select_from(
            a.outerjoin(v, and_(v.c.pcucode == a.c.pcucode, v.c.visitno == a.c.visitno)).outerjoin(
                d, d.c.drugcode == a.c.vaccinecode
            )
        )
        .where(a.c.dateappoint >= start, a.c.dateappoint <= end)
    )
    if unit:
        query = query.where(a.c.pcucode == unit)
    if person:
        query = query.where(a.c.pcucodeperson == person[0], a.c.pid == person[1])
    out = []
    for row in conn.execute(query):
        if row.dateappoint is None:
            continue
        out.append(
            Appointment(
                kind="epi",
                pcucode=row.pcucode,
                visitno=int(row.visitno),
                code=str(row.vaccinecode),
                date=row.dateappoint,
                pcucodeperson=row.pcucodeperson,
                pid=int(row.pid),
                booked_on=row.visitdate,
                what=str(row.drugname or row.vaccinecode),
            )
        )
    return out


def _diag(conn: Connection, start: dt.date, end: dt.date, unit: str | None) -> list[Appointment]:
    a, v = t.visitdiagappoint, t.visit
    query = (
        select(
            a.c.pcucode,
            a.c.visitno,
            a.c.diagcode,
            a.c.appodate,
            a.c.appotime,
            a.c.appotype,
            a.c.comment,
            v.c.pcucodeperson,
            v.c.pid,
            v.c.visitdate,
        )
        .select_from(a.join(v, and_(v.c.pcucode == a.c.pcucode, v.c.visitno == a.c.visitno)))
        .where(a.c.appodate >= start, a.c.appodate <= end)
    )
    if unit:
        query = query.where(a.c.pcucode == unit)
    out = []
    for row in conn.execute(query):
        if row.appodate is None:
            continue
        kind_th = APPOTYPE_TH.get(str(row.appotype or "").lstrip("0"), "ตามนัด")
        comment = str(row.comment or "").strip()
        out.append(
            Appointment(
                kind="diag",
                pcucode=row.pcucode,
                visitno=int(row.visitno),
                code=str(row.diagcode),
                date=row.appodate,
                pcucodeperson=row.pcucodeperson,
                pid=int(row.pid),
                booked_on=row.visitdate,
                what=f"{kind_th} ({comment})" if comment and comment != kind_th else kind_th,
                time=row.appotime if isinstance(row.appotime, dt.time) else None,
            )
        )
    return out


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), IN_BATCH):
        yield items[i : i + IN_BATCH]


def _person_filter(columns: Any, people: Sequence[tuple[str, int]]) -> Any:
    units = sorted({u for u, _ in people})
    pids = sorted({p for _, p in people})
    return and_(columns.pcucodeperson.in_(units), columns.pid.in_(pids))


def _with_people(conn: Connection, found: list[Appointment]) -> list[Appointment]:
    """Names, citizen ID, phone and village of each appointment's person."""
    people = sorted({a.person for a in found})
    if not people:
        return found
    p, h, vl, ti = t.person, t.house, t.village, t.ctitle
    profile = detect_profile(conn, ["person"])
    phone_cols = [p.c.telephoneperson] + (
        [p.c.mobile] if profile.has_column("person", "mobile") else []
    )
    info: dict[tuple[str, int], dict[str, Any]] = {}
    for chunk in _chunks(people):
        query = (
            select(
                p.c.pcucodeperson,
                p.c.pid,
                p.c.prename,
                p.c.fname,
                p.c.lname,
                p.c.idcard,
                ti.c.titlename,
                *phone_cols,
                h.c.villcode,
                vl.c.villname,
            )
            .select_from(
                p.outerjoin(h, and_(h.c.pcucode == p.c.pcucodeperson, h.c.hcode == p.c.hcode))
                .outerjoin(vl, and_(vl.c.pcucode == h.c.pcucode, vl.c.villcode == h.c.villcode))
                .outerjoin(ti, ti.c.titlecode == p.c.prename)
            )
            .where(_person_filter(p.c, chunk))
        )
        for row in conn.execute(query):
            mapping = row._mapping
            mobile = str(mapping.get("mobile") or "").strip()
            phone = mobile or str(row.telephoneperson or "").strip()
            info[(row.pcucodeperson, int(row.pid))] = {
                "title": str(row.titlename or row.prename or "").strip(),
                "first_name": str(row.fname or "").strip(),
                "last_name": str(row.lname or "").strip(),
                "cid": str(row.idcard or "").strip(),
                "phone": phone,
                "villcode": str(row.villcode or ""),
                "village": str(row.villname or ""),
            }
    register_sensitive(
        v for d in info.values() for k, v in d.items() if k in {"first_name", "last_name", "phone"}
    )
    return [replace(a, **info[a.person]) if a.person in info else a for a in found]


def _with_kept(conn: Connection, found: list[Appointment]) -> list[Appointment]:
    epi_people = sorted({a.person for a in found if a.kind == "epi"})
    diag_people = sorted({a.person for a in found if a.kind == "diag"})
    given: dict[tuple[str, int, str], list[dt.date]] = defaultdict(list)
    for chunk in _chunks(epi_people):
        e = t.visitepi
        rows = conn.execute(
            select(e.c.pcucodeperson, e.c.pid, e.c.vaccinecode, e.c.dateepi).where(
                _person_filter(e.c, chunk)
            )
        )
        for row in rows:
            if row.dateepi is not None:
                given[(row.pcucodeperson, int(row.pid), str(row.vaccinecode))].append(row.dateepi)
    visits: dict[tuple[str, int], list[dt.date]] = defaultdict(list)
    for chunk in _chunks(diag_people):
        v = t.visit
        for row in conn.execute(
            select(v.c.pcucodeperson, v.c.pid, v.c.visitdate).where(_person_filter(v.c, chunk))
        ):
            if row.visitdate is not None:
                visits[(row.pcucodeperson, int(row.pid))].append(row.visitdate)
    out = []
    for a in found:
        after = a.booked_on or dt.date.min
        if a.kind == "epi":
            dates = [d for d in given.get((*a.person, a.code), ()) if d > after]
        else:
            early = a.date - dt.timedelta(days=KEEP_EARLY_DAYS)
            dates = [d for d in visits.get(a.person, ()) if d > after and d >= early]
        out.append(replace(a, kept_on=min(dates)) if dates else a)
    return out


# --- what staff ask for ----------------------------------------------------------------------


def due(
    engine: Engine | Connection,
    start: dt.date,
    days: int = 1,
    *,
    kinds: Iterable[Kind] = ("epi", "diag"),
    unit: str | None = None,
) -> list[Appointment]:
    """Open appointments dated ``start`` .. ``start + days - 1`` (days >= 1)."""
    end = start + dt.timedelta(days=max(1, days) - 1)
    return [
        a for a in appointments_between(engine, start, end, kinds=kinds, unit=unit) if not a.kept
    ]


def missed(
    engine: Engine | Connection,
    today: dt.date,
    *,
    lookback_days: int = 90,
    kinds: Iterable[Kind] = ("epi", "diag"),
    unit: str | None = None,
) -> list[Appointment]:
    """Appointments dated in the ``lookback_days`` before ``today`` that nobody came for."""
    start = today - dt.timedelta(days=lookback_days)
    end = today - dt.timedelta(days=1)
    return [
        a for a in appointments_between(engine, start, end, kinds=kinds, unit=unit) if not a.kept
    ]


def double_bookings(
    engine: Engine | Connection,
    today: dt.date,
    *,
    horizon_days: int = 366,
    lookback_days: int = 90,
    unit: str | None = None,
) -> list[DoubleBooking]:
    """Open vaccine appointments: the same vaccine on more than one date for one person."""
    start = today - dt.timedelta(days=lookback_days)
    end = today + dt.timedelta(days=horizon_days)
    groups: dict[tuple[str, int, str], list[Appointment]] = defaultdict(list)
    for a in appointments_between(engine, start, end, kinds=("epi",), unit=unit):
        if not a.kept:
            groups[(*a.person, a.code)].append(a)
    return [
        DoubleBooking(unit_, pid, code, items[0].what, tuple(items))
        for (unit_, pid, code), items in sorted(groups.items())
        if len({a.date for a in items}) > 1
    ]


def given_while_open(
    engine: Engine | Connection,
    today: dt.date,
    *,
    horizon_days: int = 366,
    unit: str | None = None,
) -> list[Appointment]:
    """Vaccine appointments from today on whose vaccine was already given after booking."""
    end = today + dt.timedelta(days=horizon_days)
    found = appointments_between(engine, today, end, kinds=("epi",), unit=unit)
    return [a for a in found if a.given_while_open]


def next_vaccine_appointment(
    engine: Engine | Connection,
    pcucodeperson: str,
    pid: int,
    today: dt.date,
    *,
    within_days: int = NEXT_VACCINE_DAYS,
) -> tuple[dt.date, str] | None:
    """For the check-in ticket: (date, vaccine name) of the person's next open vaccine
    appointment from ``today`` to ``today + within_days``, or None."""
    end = today + dt.timedelta(days=within_days)

    def run(conn: Connection) -> tuple[dt.date, str] | None:
        found = _with_kept(conn, _epi(conn, today, end, None, person=(pcucodeperson, pid)))
        open_ = sorted((a for a in found if not a.kept), key=lambda a: (a.date, a.code))
        return (open_[0].date, open_[0].what) if open_ else None

    if isinstance(engine, Connection):
        return run(engine)
    with engine.connect() as conn:
        return run(conn)


def by_village(items: Iterable[Appointment]) -> dict[str, list[Appointment]]:
    """Grouped by village name ("" when the house or village is unknown), in order."""
    out: dict[str, list[Appointment]] = defaultdict(list)
    for a in sorted(items, key=lambda x: (x.village, x.date, x.what, x.pid)):
        out[a.village].append(a)
    return dict(out)


def by_vaccine(items: Iterable[Appointment]) -> dict[str, list[Appointment]]:
    out: dict[str, list[Appointment]] = defaultdict(list)
    for a in sorted(items, key=lambda x: (x.what, x.date, x.village, x.pid)):
        out[a.what].append(a)
    return dict(out)
