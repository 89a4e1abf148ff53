"""The printer port over ``hardware.printer``'s :class:`TicketPrinter`.

Turns the flow's :class:`~kiosk.ports.TicketRequest` into the printer's
:class:`~hardware.printer.TicketData` (masked name only; the claim code as a QR, or the
"code pending" wording; "SANDBOX" when the code came from the NHSO sandbox) and maps
the printer's failures to ``PrinterFailure`` kinds the flow and the backoffice know.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from hardware.printer import (
    CoverOpen,
    NextAppointment,
    PaperOut,
    PrinterError,
    PrinterOffline,
    PrintResult,
    TicketData,
    TicketPrinter,
)
from kiosk.ports import PrinterFailure, TicketRequest, VisitRef

log = logging.getLogger(__name__)

# The patient's next vaccine appointment for a visit, if one is due soon (issue 10.4).
AppointmentLookup = Callable[[VisitRef, dt.date], NextAppointment | None]

COUNTER_TH = "กรุณายื่นบัตรคิวนี้ที่เคาน์เตอร์ เจ้าหน้าที่จะดำเนินการต่อให้"
COUNTER_EN = "Please hand this ticket in at the counter; the staff will finish your check-in."
REPRINT = "พิมพ์ซ้ำ / REPRINT"


def failure_kind(error: PrinterError) -> str:
    if isinstance(error, PaperOut):
        return "paper_out"
    if isinstance(error, CoverOpen):
        return "cover_open"
    if isinstance(error, PrinterOffline):
        return "offline"
    return "error"


def ticket_data(
    ticket: TicketRequest, *, clinic_name: str, footer: str = "", sandbox: bool = False
) -> TicketData:
    pending_message = None
    if ticket.counter_reason is not None:
        pending_message = f"{COUNTER_TH}\n{COUNTER_EN}"
    return TicketData(
        clinic_name=clinic_name,
        queue_no=ticket.queue_label,
        issued_at=ticket.issued_at,
        masked_name=ticket.masked_name,
        claim_type_name=ticket.claim_type_name or None,
        claim_code=ticket.claim_code,
        visitno=None if ticket.local else ticket.visit.visitno,
        footer=" · ".join(p for p in (REPRINT if ticket.reprint else "", footer) if p),
        pending_message=pending_message,
        local_queue=ticket.local,
        sandbox=sandbox,
    )


class TicketPrinterPort:
    """PrinterPort: renders and prints one ticket; `last` keeps the latest result."""

    def __init__(
        self,
        printer: TicketPrinter,
        *,
        clinic_name: str,
        footer: str = "",
        sandbox: bool = False,
        appointment: AppointmentLookup | None = None,
    ) -> None:
        self.printer = printer
        self.appointment = appointment
        self.clinic_name = clinic_name
        self.footer = footer
        self.sandbox = sandbox
        self.last: PrintResult | None = None
        self.last_ticket: TicketData | None = None

    def print_ticket(self, ticket: TicketRequest) -> None:
        data = ticket_data(
            ticket, clinic_name=self.clinic_name, footer=self.footer, sandbox=self.sandbox
        )
        upcoming = self._next_appointment(ticket)
        if upcoming is not None:
            data = dataclasses.replace(data, next_appointment=upcoming)
        try:
            self.last = self.printer.print_ticket(data)
        except PrinterError as exc:
            raise PrinterFailure(exc.code, kind=failure_kind(exc)) from None
        self.last_ticket = data

    def _next_appointment(self, ticket: TicketRequest) -> NextAppointment | None:
        # A ticket with a local queue number has no JHCIS visit to look the person up by.
        if self.appointment is None or ticket.local:
            return None
        try:
            return self.appointment(ticket.visit, ticket.issued_at.date())
        except Exception as exc:  # the reminder line is a courtesy; the ticket must print
            log.warning("next appointment not read: %s", type(exc).__name__)
            return None
