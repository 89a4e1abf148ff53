"""The day's visits enter the first service point's line: made from JHCIS, not a second write.

The kiosk's check-in is one call in one transaction (``ClinicDatabase.open_checkin_visit``).
Rather than add a write of ours to it, or a second write path beside it, the line is
derived from what it already wrote: every visit of the day that JHCIS still marks new
and waiting (``flagservice`` '01', the ticket's rule) and that has no
``kiosk_call_entry`` yet gets one, waiting at the first point, in visit-number order. A
visit JHCIS already finished or excluded is nobody's to call. The same rule takes in a
visit staff opened in JHCIS itself, numbered as its ticket is
(:func:`integrations.jhcis.ticket_facts.day_numbers`). Entries are made whenever
the line is read (the caller page, the board's watcher), so a patient is in the line
within one poll of the check-in; the unique key on the visit makes two readers' inserts
of the same arrival harmless (the second one fails and is ignored).

The lane: elderly from the card's birth date (JHCIS ``person.birth``, written by the
check-in from the card), when the clinic's rule lists it; other lanes staff set.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from backoffice.calling.tables import call_entry
from backoffice.reports.visits import VisitRow, visits_between
from common.config import CallingSettings
from common.thaidate import age_on
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.tables import person
from integrations.jhcis.ticket_facts import day_numbers, waits_for_service

log = logging.getLogger(__name__)


def take_in_arrivals(
    clinic: ClinicDatabase, calling: CallingSettings, day: dt.date, now: dt.datetime
) -> int:
    """Make the missing entries of `day`'s visits; returns how many were made."""
    rows = [r for r in visits_between(clinic, day, day) if waits_for_service(r.flagservice)]
    if not rows:
        return 0
    engine = clinic.engine
    with engine.connect() as conn:
        have = {
            (r.pcucode, r.visitno)
            for r in conn.execute(
                select(call_entry.c.pcucode, call_entry.c.visitno).where(
                    call_entry.c.visitdate == day
                )
            )
        }
    new = [r for r in rows if (r.pcucode, r.visitno) not in have]
    if not new:
        return 0
    with engine.connect() as conn:
        numbers = {
            (unit, visitno): number
            for unit in {r.pcucode for r in new}
            for visitno, number in day_numbers(conn, unit, day).items()
        }
    elderly = _elderly(clinic, calling, new, day) if "elderly" in calling.priority_kinds else set()
    first = calling.points[0].code
    made = 0
    for row in new:
        values = {
            "pcucode": row.pcucode,
            "visitno": row.visitno,
            "visitdate": day,
            "pcucodeperson": row.pcucodeperson,
            "pid": row.pid,
            "queue_no": numbers.get((row.pcucode, row.visitno)),
            "masked_name": row.masked_name[:100],
            "priority": "elderly" if (row.pcucodeperson, row.pid) in elderly else None,
            "first_point": first,
            "point": first,
            "status": "waiting",
            "calls": 0,
            # In the line from the moment of the check-in, not from when we noticed it.
            "enqueued_at": dt.datetime.combine(day, row.timestart) if row.timestart else now,
            "updated_at": now,
        }
        try:
            with engine.begin() as conn:
                conn.execute(call_entry.insert().values(**values))
            made += 1
        except IntegrityError:
            pass  # another reader made it a moment ago
    return made


def _elderly(
    clinic: ClinicDatabase, calling: CallingSettings, rows: Sequence[VisitRow], day: dt.date
) -> set[tuple[str, int]]:
    keys = {(r.pcucodeperson, r.pid) for r in rows}
    match = or_(*(and_(person.c.pcucodeperson == u, person.c.pid == p) for u, p in keys))
    old: set[tuple[str, int]] = set()
    with clinic.engine.connect() as conn:
        for m in conn.execute(
            select(person.c.pcucodeperson, person.c.pid, person.c.birth).where(match)
        ).mappings():
            birth = m["birth"]
            if birth is not None and age_on(birth, day) >= calling.elderly_age:
                old.add((str(m["pcucodeperson"]), int(m["pid"])))
    return old
