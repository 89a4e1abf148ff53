"""The next vaccine appointment printed on the ticket, read from JHCIS (issue 10.4)."""

from __future__ import annotations

import datetime as dt

from backoffice.reminders.ticket import ticket_next_appointment
from hardware.printer import NextAppointment
from integrations.jhcis import ClinicDatabase
from kiosk.adapters.printer import AppointmentLookup
from kiosk.ports import VisitRef


def appointment_lookup(db: ClinicDatabase) -> AppointmentLookup:
    """A lookup for :class:`TicketPrinterPort`: the visit's person, then their next vaccine."""

    def lookup(visit: VisitRef, today: dt.date) -> NextAppointment | None:
        opened = db.get_visit(visit.pcucode, visit.visitno)
        return ticket_next_appointment(db.engine, opened.pcucodeperson, opened.pid, today)

    return lookup
