"""A short test slip: does the printer print, and is Thai legible on it?

Staff print it from the backoffice after loading paper or plugging the printer back
in. It says plainly that it is not a queue ticket, so nobody queues with it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image

from common.thaidate import format_datetime_th
from hardware.printer.render import blank_page

TITLE = ("ทดสอบเครื่องพิมพ์", "PRINTER TEST")
NOT_A_TICKET = ("ไม่ใช่บัตรคิว", "Not a queue ticket")
READABLE = (
    "ถ้าอ่านข้อความนี้ได้ชัดเจน เครื่องพิมพ์บัตรคิวพร้อมใช้งาน",
    "If you can read this clearly, the ticket printer works.",
)


def render_test_slip(
    clinic_name: str,
    at: dt.datetime,
    width_dots: int = 576,
    font_path: str | Path | None = None,
) -> Image.Image:
    """The slip as a mode "1" image `width_dots` wide (rounded down to 8)."""
    page = blank_page(width_dots, font_path)
    page.text(clinic_name, 32, bold=True)
    page.rule()
    for line in TITLE:
        page.text(line, 34, bold=True, invert=True)
    page.gap(8)
    page.text(format_datetime_th(at), 28)
    page.gap(8)
    for line in READABLE:
        page.text(line, 26)
    page.gap(8)
    page.boxed(NOT_A_TICKET, 26)
    return page.finish()
