"""Queue tickets: Thai rendered as a raster, ESC/POS output, status, preview, loopback.

The kiosk and the backoffice use only what is exported here.
"""

from hardware.printer.errors import (
    CoverOpen,
    EscposDecodeError,
    PaperOut,
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
    PrintFailed,
)
from hardware.printer.escpos_stream import decode as decode_escpos
from hardware.printer.loopback import (
    LoopbackJob,
    LoopbackPrinter,
    LoopbackState,
    simulator_from_settings,
)
from hardware.printer.output import (
    CupsTicketPrinter,
    EscposTicketPrinter,
    PreviewPrinter,
    PrintResult,
    TicketPrinter,
    build_job,
    printer_from_settings,
    printer_from_uri,
)
from hardware.printer.render import render_ticket, ticket_png
from hardware.printer.status import PaperState, PrinterStatus
from hardware.printer.test_slip import render_test_slip
from hardware.printer.ticket import NextAppointment, TicketData, sample_ticket

__all__ = [
    "CoverOpen",
    "CupsTicketPrinter",
    "EscposDecodeError",
    "EscposTicketPrinter",
    "LoopbackJob",
    "LoopbackPrinter",
    "LoopbackState",
    "NextAppointment",
    "PaperOut",
    "PaperState",
    "PreviewPrinter",
    "PrintFailed",
    "PrintResult",
    "PrinterConfigError",
    "PrinterError",
    "PrinterOffline",
    "PrinterStatus",
    "TicketData",
    "TicketPrinter",
    "build_job",
    "decode_escpos",
    "printer_from_settings",
    "printer_from_uri",
    "render_test_slip",
    "render_ticket",
    "sample_ticket",
    "simulator_from_settings",
    "ticket_png",
]
