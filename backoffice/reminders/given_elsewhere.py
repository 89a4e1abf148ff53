"""Vaccine appointments whose dose MOPH IC shows was already given at another unit.

A vaccine appointment (``visitepiappoint``) names JHCIS's own vaccine code; MOPH IC
names a dose by its standard code. The two meet through ``cdrug.files18epi``, the
43-file VACCINETYPE code JHCIS exports (reference §1.6); that MOPH IC's
``vaccine_code`` for a child's EPI dose is that code is our reading of the public
sources, not confirmed (``README.md``, "Vaccine history"). An appointment whose vaccine
has no export code is never matched.

A dose of the same code, from a unit other than this one, given **on or after the day
the appointment was booked**, keeps the appointment the way JHCIS's own rule keeps it
with a ``visitepi`` row: the appointment is dropped from the due lists (and no reminder
goes). A dose of that code given *before* the booking is only a warning for staff to
check (a yearly vaccine repeats under one code). Doses of this unit are JHCIS's own
rows and already count through ``visitepi``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select

from backoffice.reminders.ic_tables import cached_histories
from integrations.jhcis import appointments as q
from integrations.jhcis import tables as t
from integrations.moph.ic import IcDose


@dataclass(frozen=True)
class Elsewhere:
    appointment: q.Appointment
    dose: IcDose
    after_booking: bool  # True: kept elsewhere, dropped from the due list; False: check

    @property
    def code43(self) -> str:
        return self.dose.vaccine_code


def export_codes(engine: Engine, local_codes: Iterable[str]) -> dict[str, str]:
    """JHCIS vaccine code -> its 43-file export code (``cdrug.files18epi``), where set."""
    wanted = sorted(set(local_codes))
    if not wanted:
        return {}
    d = t.cdrug
    query = select(d.c.drugcode, d.c.files18epi).where(d.c.drugcode.in_(wanted))
    with engine.connect() as conn:
        return {
            str(r.drugcode): str(r.files18epi).strip()
            for r in conn.execute(query)
            if r.files18epi and str(r.files18epi).strip()
        }


def match(
    appointment: q.Appointment, doses: Sequence[IcDose], code43: str, own_hcode: str
) -> Elsewhere | None:
    """The dose elsewhere that answers this appointment, the one after booking first."""
    if appointment.kind != "epi" or not code43:
        return None
    booked = appointment.booked_on or dt.date.min
    found = [
        d
        for d in doses
        if d.vaccine_code == code43 and d.given_on is not None and d.hospital_code != own_hcode
    ]
    after = [d for d in found if d.given_on is not None and d.given_on >= booked]
    if after:
        return Elsewhere(appointment, after[0], True)
    return Elsewhere(appointment, found[-1], False) if found else None


def split(
    engine: Engine, items: Sequence[q.Appointment], own_hcode: str
) -> tuple[list[q.Appointment], list[Elsewhere]]:
    """(still due, matched elsewhere) using what MOPH IC last said (no network call).

    The matched list holds both kinds; only ``after_booking`` ones leave the due list.
    """
    epi = [a for a in items if a.kind == "epi"]
    histories = cached_histories(engine, {a.person for a in epi})
    codes = export_codes(engine, {a.code for a in epi})
    due: list[q.Appointment] = []
    found: list[Elsewhere] = []
    for a in items:
        hit = None
        if a.person in histories:
            hit = match(a, histories[a.person][1], codes.get(a.code, ""), own_hcode)
        if hit is not None:
            found.append(hit)
        if hit is None or not hit.after_booking:
            due.append(a)
    return due, found


def due(
    engine: Engine,
    start: dt.date,
    days: int,
    *,
    kinds: Iterable[q.Kind] = ("epi", "diag"),
    own_hcode: str,
) -> tuple[list[q.Appointment], list[Elsewhere]]:
    """:func:`integrations.jhcis.appointments.due` without those given elsewhere."""
    return split(engine, q.due(engine, start, days, kinds=kinds), own_hcode)
