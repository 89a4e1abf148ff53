"""The printer port over ``hardware.printer``'s :class:`TicketPrinter`.

Turns the flow's :class:`~kiosk.ports.TicketRequest` into the printer's
:class:`~hardware.printer.TicketData` (masked name only; the right in a patient's words
and the service chosen; how many wait ahead and the clinic's "where next" while the visit
waits; the claim code as a QR, or the "code pending" wording; the next vaccine
appointment the clinic port read with the patient; "SANDBOX" when the code came from the
NHSO sandbox) and maps the printer's failures to ``PrinterFailure`` kinds the flow and the
backoffice know.
"""

from __future__ import annotations

import datetime as dt
import threading

from hardware.printer import (
    CoverOpen,
    NextAppointment,
    PaperOut,
    PaperState,
    PrinterError,
    PrinterOffline,
    PrinterStatus,
    PrintResult,
    TicketData,
    TicketPrinter,
    render_test_slip,
)
from integrations.nhso.main_rights import right_words
from kiosk.ports import PrinterFailure, TicketRequest

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


def readiness_of(status: PrinterStatus) -> str:
    """One word for what the printer said: ok | near_end | paper_out | cover_open |
    offline (also a printer error) | unknown (it cannot or did not answer)."""
    if not status.reachable:
        return "offline"
    if status.cover_open:
        return "cover_open"
    if status.paper is PaperState.OUT:
        return "paper_out"
    if status.online is False or status.error:
        return "offline"
    if not status.answered:
        return "unknown"
    return "near_end" if status.near_end else "ok"


def ticket_data(
    ticket: TicketRequest,
    *,
    clinic_name: str,
    footer: str = "",
    sandbox: bool = False,
    next_step: str = "",
) -> TicketData:
    pending_message = None
    if ticket.counter_reason is not None:
        pending_message = f"{COUNTER_TH}\n{COUNTER_EN}"
    upcoming = ticket.next_appointment
    visit = ticket.visit
    # Where to go and how many wait ahead: only for a visit still waiting in the line
    # (not one sent to the counter, nor a reprint of one already seen).
    waiting = visit.waiting and ticket.counter_reason is None
    right = right_words(ticket.right_code, ticket.right_name) if ticket.right_code else visit.right
    return TicketData(
        clinic_name=clinic_name,
        queue_no=ticket.queue_label,
        issued_at=ticket.issued_at,
        masked_name=ticket.masked_name,
        right_name=right or None,
        service_name=ticket.service_name or None,
        waiting_ahead=visit.waiting_ahead if waiting else None,
        next_step=next_step if waiting else "",
        claim_code=ticket.claim_code,
        visitno=None if ticket.local else visit.visitno,
        footer=" · ".join(p for p in (REPRINT if ticket.reprint else "", footer) if p),
        pending_message=pending_message,
        local_queue=ticket.local,
        sandbox=sandbox,
        # The next vaccine appointment JHCIS holds, read with the patient (issue 10.4).
        next_appointment=(
            NextAppointment(upcoming.day, f"รับวัคซีน {upcoming.vaccine}") if upcoming else None
        ),
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
        next_step: str = "",
    ) -> None:
        self.printer = printer
        self.clinic_name = clinic_name
        self.footer = footer
        self.sandbox = sandbox
        self.next_step = next_step
        self.last: PrintResult | None = None
        self.last_ticket: TicketData | None = None
        # A ticket and a status look never share the printer: many network printers
        # serve one connection at a time, and a reply must reach the one who asked.
        self._lock = threading.Lock()

    def print_ticket(self, ticket: TicketRequest) -> None:
        data = ticket_data(
            ticket,
            clinic_name=self.clinic_name,
            footer=self.footer,
            sandbox=self.sandbox,
            next_step=self.next_step,
        )
        try:
            with self._lock:
                self.last = self.printer.print_ticket(data)
        except PrinterError as exc:
            raise PrinterFailure(exc.code, kind=failure_kind(exc)) from None
        self.last_ticket = data

    def print_test_slip(self) -> None:
        """The same slip as the backoffice's test print: it shows the paper, the Thai
        font and the cutter work, with nothing about a patient on it."""
        slip = render_test_slip(
            self.clinic_name, dt.datetime.now(), self.printer.width_dots, self.printer.font_path
        )
        try:
            with self._lock:
                self.last = self.printer.print_image(slip, label="test")
        except PrinterError as exc:
            raise PrinterFailure(exc.code, kind=failure_kind(exc)) from None

    def readiness(self) -> str:
        """Asks the printer how it is (DLE EOT on ESC/POS printers); prints nothing.
        Never raises: see :func:`readiness_of` for the words."""
        with self._lock:
            return readiness_of(self.printer.status())
