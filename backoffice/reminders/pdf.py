"""Printable A4 lists of appointments, in Thai (or English), grouped by village.

fpdf2 with a TLWG font and HarfBuzz text shaping (``uharfbuzz``), so above/below
vowels and tone marks sit where Thai readers expect them instead of colliding. Cells
are broken into lines by :mod:`common.line_breaks` (between Thai words, as ICU finds
them), not by fpdf2, which knows no Thai words. Dates are Buddhist era.

Each row carries what a reminder at the door needs: house number and หมู่, phone and,
for a child, the guardian (:mod:`.contacts`). Two copies: the staff copy shows them;
the village health volunteer's (อสม.) copy masks house number, phone (last four digits
kept) and the guardian's name (``common.cid.mask_name``) unless the setting
``[reminders] mask_contact_details`` is false. Neither is sent anywhere: it is printed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backoffice.reminders.contacts import Contact
from backoffice.reminders.errors import PdfFolderMissing
from common.cid import mask_name, mask_phone
from common.line_breaks import wrap_lines
from common.private_files import write_private
from common.thaidate import format_date_th
from hardware.printer.render import resolve_font
from integrations.jhcis.appointments import Appointment, by_village

FONT_NAME = "thai"
DEFAULT_PDF_FONT = "/usr/share/fonts/truetype/tlwg/Garuda.ttf"
Copy = Literal["staff", "volunteer"]
COPIES: tuple[Copy, ...] = ("staff", "volunteer")
Lang = Literal["th", "en"]
MISSING = "-"
HIDDEN = "•••"  # the masking helper's mark for what a stranger must not read
PADDING = 1.0  # mm inside each cell
LABELS: dict[str, tuple[str, str]] = {
    "no": ("ที่", "No."),
    "date": ("วันนัด", "Date"),
    "name": ("ชื่อ - สกุล", "Name"),
    "house": ("บ้านเลขที่", "House no."),
    "moo": ("หมู่", "Moo"),
    "phone": ("โทรศัพท์", "Phone"),
    "guardian": ("ผู้ปกครอง", "Guardian"),
    "what": ("วัคซีน / เรื่องที่นัด", "Vaccine / reason"),
    "note": ("หมายเหตุ", "Note"),
    "total": ("รวม {n} รายการ", "{n} appointments"),
    "none": ("ไม่มีรายการนัด", "No appointments"),
    "no_village": ("ไม่ทราบหมู่บ้าน", "Village unknown"),
    "in_village": ("{n} ราย", "{n}"),
    "printed": ("พิมพ์เมื่อ", "printed"),
    "page": ("หน้า", "page"),
    "volunteer": ("สำเนาสำหรับ อสม.", "Village health volunteer's copy"),
    "masked": (
        "ปิดบังบ้านเลขที่ โทรศัพท์ และชื่อผู้ปกครองไว้",
        "house number, phone and guardian's name masked",
    ),
}
# (label, width in mm): 277 mm, the width of landscape A4 inside 10 mm margins.
COLUMNS = (
    ("no", 9), ("date", 27), ("name", 44), ("house", 20), ("moo", 11), ("phone", 27),
    ("guardian", 44), ("what", 65), ("note", 30),
)  # fmt: skip


@dataclass(frozen=True)
class ListRow:
    """One printed row, every cell as text ("-" where JHCIS has nothing)."""

    date: str
    name: str
    house_no: str
    moo: str
    phone: str
    guardian: str
    what: str
    note: str

    def cells(self, number: int) -> list[str]:
        return [str(number), self.date, self.name, self.house_no, self.moo, self.phone,
                self.guardian, self.what, self.note]  # fmt: skip


def masks(copy: Copy, mask_contact_details: bool) -> bool:
    """Whether a copy hides contact details: the volunteer's, unless turned off."""
    return copy == "volunteer" and mask_contact_details


def masked_phone(phone: str) -> str:
    """Only the last four digits: 0812345678 -> xxx-xxx-5678 (the shared mask, minus the
    two leading digits it keeps for the owner's own screen)."""
    return re.sub(r"^\d\d", "xx", mask_phone(phone))


def list_row(a: Appointment, contact: Contact | None, *, masked: bool, note: str = "") -> ListRow:
    """The row of `a`, contact details masked when `masked`."""
    contact = contact or Contact()
    guardian = contact.guardian_for(a.date, vaccine=a.kind == "epi")
    when = format_date_th(a.date) + (f" {a.time:%H:%M}" if a.time else "")
    if masked:
        house_no = HIDDEN if contact.house_no else ""
        phone = masked_phone(a.phone) if a.phone else ""
        guardian_text = mask_name(guardian.first, guardian.last, guardian.title) if guardian else ""
    else:
        house_no, phone, guardian_text = contact.house_no, a.phone, str(guardian or "")
    return ListRow(
        date=when,
        name=a.full_name or MISSING,
        house_no=house_no or MISSING,
        moo=contact.moo or MISSING,
        phone=phone or MISSING,
        guardian=guardian_text or MISSING,
        what=a.what or MISSING,
        note=note,
    )


class _ListPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_NAME, size=9)
        self.cell(0, 6, self.footer_text.format(page=self.page_no()) + "/{nb}", align="C")


def _wrapped(pdf: FPDF, text: str, width: float) -> str:
    """`text` broken between words to fit a cell `width` mm wide (lines joined by \\n)."""
    room = width - 2 * PADDING - 0.5  # a little slack for fpdf2's own rounding
    return "\n".join(wrap_lines(text, pdf.get_string_width, room)) if text else text


def appointments_pdf(
    appointments: Sequence[Appointment],
    *,
    title: str,
    clinic_name: str,
    printed_at: dt.datetime,
    font_path: str | None = None,
    note_of: dict[str, str] | None = None,
    contacts: Mapping[tuple[str, int], Contact] | None = None,
    copy: Copy = "staff",
    mask_contact_details: bool = True,
    lang: Lang = "th",
) -> bytes:
    """The list as PDF bytes: one section per village, one row per appointment."""
    i = 0 if lang == "th" else 1
    label = {key: pair[i] for key, pair in LABELS.items()}
    masked = masks(copy, mask_contact_details)
    regular = resolve_font(font_path or DEFAULT_PDF_FONT)
    bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
    pdf = _ListPdf(orientation="L", unit="mm", format="A4")
    printed = f"{format_date_th(printed_at.date())} {printed_at:%H:%M}"
    pdf.footer_text = f"{clinic_name} {label['printed']} {printed}  {label['page']} {{page}}"
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
    if copy == "volunteer":
        which = label["volunteer"] + (f" ({label['masked']})" if masked else "")
        pdf.cell(0, 7, which, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    total = label["total"].format(n=len(appointments))
    pdf.cell(0, 7, total, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not appointments:
        pdf.ln(6)
        pdf.cell(0, 8, label["none"], align="C")
    notes, people = note_of or {}, contacts or {}
    widths = tuple(w for _, w in COLUMNS)
    for village, items in by_village(appointments).items():
        pdf.ln(4)
        pdf.set_font(FONT_NAME, "B", 12)
        heading = f"{village or label['no_village']} ({label['in_village'].format(n=len(items))})"
        pdf.cell(0, 8, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT_NAME, "B", 10)
        headings = [_wrapped(pdf, label[key], w) for key, w in COLUMNS]
        pdf.set_font(FONT_NAME, "", 10)
        with pdf.table(
            col_widths=widths,
            text_align=("CENTER",) + ("LEFT",) * (len(COLUMNS) - 1),
            line_height=6,
            padding=PADDING,
            first_row_as_headings=True,
        ) as table:
            table.row(headings)
            for number, a in enumerate(items, start=1):
                row = list_row(a, people.get(a.person), masked=masked, note=notes.get(a.key, ""))
                cells = zip(row.cells(number), widths, strict=True)
                table.row([_wrapped(pdf, text, width) for text, width in cells])
    return bytes(pdf.output())


def write_pdf(path: Path, data: bytes) -> Path:
    """Write the list (names and phones: owner-only) into an existing folder: a typo in
    --out must not create folders anywhere the service user may write."""
    if not path.parent.is_dir():
        raise PdfFolderMissing(f"{type(path).__name__} parent")
    write_private(path, data)
    return path
