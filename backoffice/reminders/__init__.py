"""Vaccine and other appointments from JHCIS, and reminders that reach people.

* :mod:`.queries` — due / missed / double-booked / given-while-open appointments and
  :func:`~integrations.jhcis.appointments.next_vaccine_appointment` for the check-in ticket;
* :mod:`.ledger` — ``kiosk_reminder_log`` (at most once per appointment and channel,
  crash-safe claim-send-confirm) and ``kiosk_reminder_optout``;
* :mod:`.channels` — SMS gateway, หมอพร้อม push (MOPH IC SendMessageTarget), slips;
* :mod:`.sender` — one run with quiet hours, opt-out and dry-run;
* :mod:`.pdf` / :mod:`.slips` — A4 Thai lists and printer slips;
* :mod:`.sandbox` — a local SMS gateway + MOPH IC for the demo and tests;
* :mod:`.commands` — ``backoffice reminders ...``; :mod:`.web` — staff pages.
"""

from integrations.jhcis.appointments import (
    Appointment,
    DoubleBooking,
    double_bookings,
    due,
    given_while_open,
    missed,
    next_vaccine_appointment,
)

__all__ = [
    "Appointment",
    "DoubleBooking",
    "double_bookings",
    "due",
    "given_while_open",
    "missed",
    "next_vaccine_appointment",
]
