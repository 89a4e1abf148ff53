"""An appointment slip for the ticket printer (80 or 58 mm), drawn like the queue ticket.

Uses the printer room's canvas so Thai is shaped by raqm and wrapped between
clusters exactly as on the ticket. The slip names the person (it is handed to them
or their parent) with a masked surname, the same privacy as the queue ticket.
"""

from __future__ import annotations

from PIL import Image

from common.cid import mask_name
from common.thaidate import format_date_th
from hardware.printer.render import DEFAULT_FONT, Canvas, bold_sibling, resolve_font
from integrations.jhcis.appointments import Appointment


def render_slip(
    a: Appointment,
    clinic_name: str,
    *,
    width_dots: int = 576,
    phone: str = "",
    font_path: str | None = None,
) -> Image.Image:
    """The slip as a mode "1" image, `width_dots` wide (rounded down to 8)."""
    width = width_dots - width_dots % 8
    regular = resolve_font(font_path or DEFAULT_FONT)
    page = Canvas(width, regular, bold_sibling(regular))
    page.text(clinic_name, 30, bold=True)
    page.text("ใบนัดรับวัคซีน" if a.kind == "epi" else "ใบนัด", 34, bold=True)
    page.rule()
    name = mask_name(a.first_name, a.last_name, a.title)
    if name:
        page.text(name, 30, bold=True)
    if a.village:
        page.text(a.village, 24)
    page.gap(6)
    page.text(f"วันนัด: {format_date_th(a.date, long=True)}", 32, bold=True)
    if a.time:
        page.text(f"เวลา {a.time:%H:%M} น.", 28)
    page.text(f"{'วัคซีน' if a.kind == 'epi' else 'เรื่อง'}: {a.what}", 28)
    page.rule()
    page.text("กรุณานำสมุดสุขภาพ/บัตรประชาชนมาด้วย", 24)
    if phone:
        page.text(f"สอบถามหรือเลื่อนนัด โทร {phone}", 24)
    return page.finish()
