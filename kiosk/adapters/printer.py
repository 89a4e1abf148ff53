"""The printer port over ``hardware.printer``'s :class:`TicketPrinter`.

Turns the flow's :class:`~kiosk.ports.TicketRequest` into the printer's
:class:`~hardware.printer.TicketData` (masked name only; the claim code as a QR, or the
"code pending" wording; the next vaccine appointment the clinic port read with the
patient; "SANDBOX" when the code came from the NHSO sandbox) and maps
the printer's failures to ``PrinterFailure`` kinds the flow and the backoffice know.
"""

from __future__ import annotations

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


def ticket_data(
    ticket: TicketRequest, *, clinic_name: str, footer: str = "", sandbox: bool = False
) -> TicketData:
    pending_message = None
    if ticket.counter_reason is not None:
        pending_message = f"{COUNTER_TH}\n{COUNTER_EN}"
    upcoming = ticket.next_appointment
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
    ) -> None:
        self.printer = printer
        self.clinic_name = clinic_name
        self.footer = footer
        self.sandbox = sandbox
        self.last: PrintResult | None = None
        self.last_ticket: TicketData | None = None

    def print_ticket(self, ticket: TicketRequest) -> None:
        data = ticket_data(
            ticket, clinic_name=self.clinic_name, footer=self.footer, sandbox=self.sandbox
        )
        try:
            self.last = self.printer.print_ticket(data)
        except PrinterError as exc:
            raise PrinterFailure(exc.code, kind=failure_kind(exc)) from None
        self.last_ticket = data
