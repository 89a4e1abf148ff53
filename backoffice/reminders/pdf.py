"""Printable A4 lists of appointments, in Thai, grouped by village.

fpdf2 with a TLWG font and HarfBuzz text shaping (``uharfbuzz``), so above/below
vowels and tone marks sit where Thai readers expect them instead of colliding.
Dates are Buddhist era. The list carries full names: it is for staff and village
health volunteers (อสม.) and is printed, not sent anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backoffice.reminders.errors import PdfFolderMissing
from common.private_files import write_private
from common.thaidate import format_date_th
from hardware.printer.render import resolve_font
from integrations.jhcis.appointments import Appointment, by_village

FONT_NAME = "thai"
DEFAULT_PDF_FONT = "/usr/share/fonts/truetype/tlwg/Garuda.ttf"
COLUMNS = (("ที่", 10), ("วันนัด", 30), ("ชื่อ - สกุล", 60), ("วัคซีน / เรื่องที่นัด", 68), ("หมายเหตุ", 22))


class _ListPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_NAME, size=9)
        self.cell(0, 6, f"{self.footer_text}  หน้า {self.page_no()}/{{nb}}", align="C")


def appointments_pdf(
    appointments: Sequence[Appointment],
    *,
    title: str,
    clinic_name: str,
    printed_at: dt.datetime,
    font_path: str | None = None,
    note_of: dict[str, str] | None = None,
) -> bytes:
    """The list as PDF bytes: one section per village, one row per appointment."""
    regular = resolve_font(font_path or DEFAULT_PDF_FONT)
    bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
    pdf = _ListPdf(orientation="P", unit="mm", format="A4")
    pdf.footer_text = (
        f"{clinic_name} พิมพ์เมื่อ {format_date_th(printed_at.date())} {printed_at:%H:%M} น."
    )
    pdf.add_font(FONT_NAME, "", str(regular))
    pdf.add_font(FONT_NAME, "B", str(bold if bold.is_file() else regular))
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(10, 12, 10)
    pdf.add_page()
    pdf.set_font(FONT_NAME, "B", 16)
    pdf.cell(0, 9, clinic_name, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_NAME, "B", 13)
    pdf.cell(0, 8, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_NAME, "", 11)
    pdf.cell(
        0, 7, f"รวม {len(appointments)} รายการ", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    if not appointments:
        pdf.ln(6)
        pdf.cell(0, 8, "ไม่มีรายการนัด", align="C")
    notes = note_of or {}
    for village, items in by_village(appointments).items():
        pdf.ln(4)
        pdf.set_font(FONT_NAME, "B", 12)
        heading = village or "ไม่ทราบหมู่บ้าน"
        pdf.cell(0, 8, f"{heading} ({len(items)} ราย)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT_NAME, "", 10)
        with pdf.table(
            col_widths=tuple(w for _, w in COLUMNS),
            text_align=("CENTER", "LEFT", "LEFT", "LEFT", "LEFT"),
            line_height=6.5,
            first_row_as_headings=True,
        ) as table:
            table.row([name for name, _ in COLUMNS])
            for number, a in enumerate(items, start=1):
                when = format_date_th(a.date)
                if a.time:
                    when += f" {a.time:%H:%M}"
                table.row([str(number), when, a.full_name, a.what, notes.get(a.key, "")])
    return bytes(pdf.output())


def write_pdf(path: Path, data: bytes) -> Path:
    """Write the list (names and phones: owner-only) into an existing folder: a typo in
    --out must not create folders anywhere the service user may write."""
    if not path.parent.is_dir():
        raise PdfFolderMissing(f"{type(path).__name__} parent")
    write_private(path, data)
    return path
