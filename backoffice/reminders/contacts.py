"""Where to find the person an appointment is for: house number and หมู่, and for a child
the guardian's name. Read-only; the phone is the appointment's own (mobile first).

The guardian, first found wins:

1. ours: the guardian staff recorded (``kiosk_visit_guardian``, issue 20) at the child's
   latest visit that has one, still matching its JHCIS visit;
2. the mother, then 3. the father, as JHCIS keeps them in ``person.mother`` /
   ``person.father`` (names as typed; seen as first names in a public JHCIS sync, FFC's
   ``n_1.js``). Not every jhcisdb has those columns: without them, only ours.

A JHCIS parent is shown only for a child (under :data:`CHILD_AGE` on the appointment's
date, the check-in page's rule; birth unknown or a zero date: for a vaccine only); a
guardian staff recorded is shown whenever there is one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    inspect,
    or_,
    select,
)

from backoffice.checkin.web import CHILD_AGE
from common.logs import register_sensitive
from common.thaidate import PartialDate, age_on
from integrations.jhcis import tables as t
from integrations.jhcis.appointments import IN_BATCH, Appointment
from integrations.jhcis.own_tables import belongs_to_visit, kiosk_visit_guardian
from integrations.jhcis.profile import detect_profile

PARENT_COLUMNS = ("mother", "father")  # the order they are preferred in
# Only the columns this module reads; they exist on some jhcisdb builds, not all.
_parents = Table(
    "person",
    MetaData(),
    Column("pcucodeperson", String(5)),
    Column("pid", Integer),
    *(Column(name, String(100)) for name in PARENT_COLUMNS),
)
OUT_OF_AREA_MOO = "00"  # the pseudo-village of people from outside the area


@dataclass(frozen=True)
class Name:
    """A name in parts, so that the masking helper can keep the first and hide the rest."""

    first: str
    last: str = ""
    title: str = ""

    @classmethod
    def typed(cls, text: str) -> Name | None:
        """A name as staff typed it in one field: the first word, then the rest."""
        first, _, last = " ".join(text.split()).partition(" ")
        return cls(first, last) if first else None

    def __str__(self) -> str:
        return f"{self.title}{self.first} {self.last}".strip()


@dataclass(frozen=True)
class Contact:
    """One person's address and guardians. Personal data: never log it."""

    house_no: str = ""
    moo: str = ""
    birth: dt.date | PartialDate | None = None
    recorded_guardian: Name | None = None
    parents: tuple[Name, ...] = ()  # mother before father, those JHCIS has

    def guardian_for(self, day: dt.date, *, vaccine: bool) -> Name | None:
        """The guardian to print for an appointment on `day` (module docstring's order)."""
        if self.recorded_guardian is not None:
            return self.recorded_guardian
        if not self.parents:
            return None
        if self.birth is None:  # unknown or a zero date: a vaccine is most likely a child's
            return self.parents[0] if vaccine else None
        return self.parents[0] if age_on(self.birth, day) < CHILD_AGE else None


def contacts_of(
    engine: Engine | Connection, appointments: Iterable[Appointment]
) -> dict[tuple[str, int], Contact]:
    """Each listed person's :class:`Contact` (persons JHCIS no longer has are left out)."""
    people = sorted({a.person for a in appointments})
    if not people:
        return {}
    if isinstance(engine, Connection):
        return _read(engine, people)
    with engine.connect() as conn:
        return _read(conn, people)


def _read(conn: Connection, people: list[tuple[str, int]]) -> dict[tuple[str, int], Contact]:
    homes = _homes(conn, people)
    recorded = _recorded_guardians(conn, people)
    parents = _parents_of(conn, people)
    out = {
        key: Contact(
            house_no=house_no,
            moo=moo,
            birth=birth,
            recorded_guardian=recorded.get(key),
            parents=parents.get(key, ()),
        )
        for key, (house_no, moo, birth) in homes.items()
    }
    register_sensitive(
        text
        for c in out.values()
        for name in (c.recorded_guardian, *c.parents)
        if name is not None
        for text in (name.first, name.last)
    )
    return out


def _chunks(people: Sequence[tuple[str, int]]) -> Iterable[Sequence[tuple[str, int]]]:
    for i in range(0, len(people), IN_BATCH):
        yield people[i : i + IN_BATCH]


def _of_people(
    unit_col: ColumnElement[Any], pid_col: ColumnElement[Any], chunk: Sequence[tuple[str, int]]
) -> ColumnElement[bool]:
    """Exactly these persons: one IN list of pids per unit."""
    pids: dict[str, list[int]] = defaultdict(list)
    for unit, pid in chunk:
        pids[unit].append(pid)
    return or_(*(and_(unit_col == unit, pid_col.in_(ps)) for unit, ps in sorted(pids.items())))


def _homes(
    conn: Connection, people: list[tuple[str, int]]
) -> dict[tuple[str, int], tuple[str, str, dt.date | PartialDate | None]]:
    """House number and หมู่ (the house's, else the registered address's) and birth."""
    p, h, vl = t.person, t.house, t.village
    out = {}
    for chunk in _chunks(people):
        query = (
            select(
                p.c.pcucodeperson,
                p.c.pid,
                p.c.birth,
                p.c.hnomoi,
                p.c.mumoi,
                h.c.hno,
                h.c.villcode,
                vl.c.villno,
            )
            .select_from(
                p.outerjoin(
                    h, and_(h.c.pcucode == p.c.pcucodeperson, h.c.hcode == p.c.hcode)
                ).outerjoin(vl, and_(vl.c.pcucode == h.c.pcucode, vl.c.villcode == h.c.villcode))
            )
            .where(_of_people(p.c.pcucodeperson, p.c.pid, chunk))
        )
        for row in conn.execute(query):
            house_no = _text(row.hno) or _text(row.hnomoi)
            moo = _text(row.villno) or _text(row.villcode)[-2:] or _text(row.mumoi)
            moo = moo.lstrip("0") if moo != OUT_OF_AREA_MOO else ""
            out[(row.pcucodeperson, int(row.pid))] = (house_no, moo, row.birth)
    return out


def _recorded_guardians(
    conn: Connection, people: list[tuple[str, int]]
) -> dict[tuple[str, int], Name]:
    """Ours: the guardian of each child's latest visit that has one recorded."""
    if not inspect(conn).has_table(kiosk_visit_guardian.name):
        return {}  # created on the first staff check-in of a child: none recorded yet
    g, p, ti = kiosk_visit_guardian, t.person, t.ctitle
    out: dict[tuple[str, int], Name] = {}
    for chunk in _chunks(people):
        query = (
            select(
                g.c.pcucodeperson,
                g.c.pid,
                g.c.guardian_name,
                p.c.prename,
                p.c.fname,
                p.c.lname,
                ti.c.titlename,
            )
            .select_from(
                g.join(t.visit, belongs_to_visit(g))
                .outerjoin(
                    p,
                    and_(
                        p.c.pcucodeperson == g.c.guardian_pcucodeperson,
                        p.c.pid == g.c.guardian_pid,
                    ),
                )
                .outerjoin(ti, ti.c.titlecode == p.c.prename)
            )
            .where(_of_people(g.c.pcucodeperson, g.c.pid, chunk))
            .order_by(g.c.visitdate.desc(), g.c.id.desc())
        )
        for row in conn.execute(query):
            key = (row.pcucodeperson, int(row.pid))
            if key in out:
                continue  # an older visit's guardian
            # The JHCIS person staff picked, in parts; else the name as told.
            if _text(row.fname):
                title = _text(row.titlename) or _text(row.prename)
                name: Name | None = Name(_text(row.fname), _text(row.lname), title)
            else:
                name = Name.typed(_text(row.guardian_name))
            if name is not None:
                out[key] = name
    return out


def _parents_of(
    conn: Connection, people: list[tuple[str, int]]
) -> dict[tuple[str, int], tuple[Name, ...]]:
    """JHCIS's mother and father names, where this jhcisdb has the columns."""
    profile = detect_profile(conn, ["person"])
    present = [name for name in PARENT_COLUMNS if profile.has_column("person", name)]
    if not present:
        return {}
    pp = _parents
    out: dict[tuple[str, int], tuple[Name, ...]] = {}
    for chunk in _chunks(people):
        query = select(pp.c.pcucodeperson, pp.c.pid, *(pp.c[n] for n in present)).where(
            _of_people(pp.c.pcucodeperson, pp.c.pid, chunk)
        )
        for row in conn.execute(query):
            names = (Name.typed(_text(row._mapping[n])) for n in present)
            found = tuple(n for n in names if n is not None)
            if found:
                out[(row.pcucodeperson, int(row.pid))] = found
    return out


def _text(value: object) -> str:
    return str(value or "").strip()
