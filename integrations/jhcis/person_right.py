"""NHSO's answer about a person's right, in JHCIS's own codes (seed §5, "ปรับปรุงสิทธิ์").

The rights check gives NHSO's main right (UCS, OFC, SSS, ...), its sub-type (e.g. 89)
and the person's main and sub unit. JHCIS keeps the right as its own ``cright`` code
(``mapright`` names NHSO's main right) and the units as ``chospital`` codes, both under
foreign keys. So: the right is the ``cright`` row whose code is NHSO's sub-type, else
the one row whose ``mapright`` is NHSO's main right; a unit is NHSO's hcode when
``chospital`` has it. Anything else stays unresolved and is not written, never guessed.

A new walk-in is registered with what resolved. A person JHCIS knows is updated only
where the clinic turned ``clinic.update_person_right`` on, as JHCIS's button does; the
values replaced are kept in ``kiosk_person_right`` so that a mistake can be undone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from integrations.jhcis.own_tables import kiosk_person_right
from integrations.jhcis.records import CheckinRequest, Person
from integrations.jhcis.tables import chospital, cright, person

FIELDS = ("rightcode", "hosmain", "hossub")


@dataclass(frozen=True)
class JhcisRight:
    rightcode: str | None = None
    hosmain: str | None = None
    hossub: str | None = None

    def values(self) -> dict[str, str]:
        """The resolved fields only, by person column."""
        found = {"rightcode": self.rightcode, "hosmain": self.hosmain, "hossub": self.hossub}
        return {k: v for k, v in found.items() if v}


def nhso_right(conn: Connection, request: CheckinRequest) -> JhcisRight:
    """The request's NHSO right and units as JHCIS codes, as far as they resolve."""
    rightcode = None
    if request.sub_inscl:
        rightcode = conn.execute(
            select(cright.c.rightcode).where(cright.c.rightcode == request.sub_inscl)
        ).scalar()
    if rightcode is None and request.main_inscl:
        codes: list[str] = list(
            conn.execute(
                select(cright.c.rightcode).where(cright.c.mapright == request.main_inscl)
            ).scalars()
        )
        rightcode = codes[0] if len(codes) == 1 else None
    return JhcisRight(
        str(rightcode).strip() if rightcode else None,
        _unit(conn, request.nhso_hosmain),
        _unit(conn, request.nhso_hossub),
    )


def _unit(conn: Connection, hcode: str | None) -> str | None:
    code = (hcode or "").strip()
    if not (len(code) == 5 and code.isdigit()):
        return None
    found = conn.execute(select(chospital.c.hoscode).where(chospital.c.hoscode == code)).scalar()
    return code if found is not None else None


def update_person_right(
    conn: Connection, who: Person, right: JhcisRight, moment: dt.datetime, source: str
) -> bool:
    """Set the person's right and units to NHSO's where they differ; the old values go to
    kiosk_person_right first. Whether anything changed."""
    new = right.values()
    old = {"rightcode": who.rightcode, "hosmain": who.hosmain, "hossub": who.hossub}
    changed = {k: v for k, v in new.items() if (old[k] or "").strip() != v}
    if not changed:
        return False
    conn.execute(
        kiosk_person_right.insert().values(
            pcucodeperson=who.pcucodeperson,
            pid=who.pid,
            changed_at=moment,
            source=source,
            **{f"old_{k}": old[k] for k in FIELDS},
            **{f"new_{k}": changed.get(k, old[k]) for k in FIELDS},
        )
    )
    conn.execute(
        update(person)
        .where(person.c.pcucodeperson == who.pcucodeperson, person.c.pid == who.pid)
        .values(**changed, dateupdate=moment)
    )
    return True
