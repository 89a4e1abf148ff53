"""The check-in ticket's "next appointment" line, for the kiosk.

``ticket_next_appointment(engine, pcucodeperson, pid, today)`` gives a
:class:`hardware.printer.NextAppointment` for the person's next open vaccine
appointment within 30 days, or None. It never fails a check-in: a database error
(for example a kiosk account without SELECT on ``visitepiappoint``, ``visitepi`` and
``cdrug``) is logged without personal data and gives None.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from hardware.printer import NextAppointment
from integrations.jhcis.appointments import NEXT_VACCINE_DAYS, next_vaccine_appointment

log = logging.getLogger(__name__)


def ticket_next_appointment(
    engine: Engine | Connection,
    pcucodeperson: str,
    pid: int,
    today: dt.date,
    *,
    within_days: int = NEXT_VACCINE_DAYS,
) -> NextAppointment | None:
    try:
        found = next_vaccine_appointment(engine, pcucodeperson, pid, today, within_days=within_days)
    except DBAPIError as exc:
        log.warning("next vaccine appointment not read: %s", type(exc.orig).__name__)
        return None
    if found is None:
        return None
    day, vaccine = found
    return NextAppointment(day, f"รับวัคซีน {vaccine}")
