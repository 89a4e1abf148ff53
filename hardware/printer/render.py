"""Draw a ticket as a 1-bit image at the printer's dot width.

Thai is drawn by Pillow with a TLWG font and, when the wheel has it, raqm (HarfBuzz)
shaping, so tone marks and vowels stack correctly whatever code pages the printer has.
Lines break only between words, Thai ones found by ICU's dictionary (common.line_breaks).
Sizes are designed for 576 dots (80 mm) and scaled for other widths (58 mm = 384).
"""

from __future__ import annotations

import functools
import io
import logging
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont, features

from common.line_breaks import wrap_lines
from common.thaidate import format_date_th, format_datetime_th
from hardware.printer.errors import PrinterConfigError
from hardware.printer.ticket import (
    LOCAL_QUEUE_EN,
    LOCAL_QUEUE_TH,
    NO_QUEUE_NUMBER_EN,
    NO_QUEUE_NUMBER_TH,
    SANDBOX_BANNER,
    SANDBOX_NOTE,
    TicketData,
)

log = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
DEFAULT_FONT = FONT_DIR / "Waree.ttf"
# Tried in order when the configured font is missing; all are in fonts-thai-tlwg.
FALLBACK_FONTS = ("Waree.ttf", "Garuda.ttf", "Loma.ttf", "Umpush.ttf")
DESIGN_WIDTH = 576
THRESHOLD = 140  # grey level under which an anti-aliased pixel becomes a printed dot


def raqm_available() -> bool:
    return bool(features.check("raqm"))


def resolve_font(font_path: str | Path | None) -> Path:
    """The font to use: the configured one, else the first TLWG font installed."""
    candidates = [Path(font_path)] if font_path else []
    candidates += [FONT_DIR / name for name in FALLBACK_FONTS]
    for path in candidates:
        if path.is_file():
            if font_path and path != Path(font_path):
                log.warning("ticket font %s not found; using %s", font_path, path)
            return path
    raise PrinterConfigError(
        f"no Thai font found (tried {font_path or DEFAULT_FONT}); install fonts-thai-tlwg",
        th="ไม่พบฟอนต์ภาษาไทยสำหรับพิมพ์บัตรคิว กรุณาแจ้งผู้ดูแลระบบ (fonts-thai-tlwg)",
        en="No Thai font for the ticket. Please ask the administrator (fonts-thai-tlwg).",
    )


def bold_sibling(path: Path) -> Path:
    """The font's bold face beside it (Garuda-Bold.ttf beside Garuda.ttf), else the font."""
    bold = path.with_name(f"{path.stem}-Bold{path.suffix}")
    return bold if bold.is_file() else path


@functools.lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if raqm_available():
        return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)
    log.warning("Pillow has no raqm: Thai is laid out without shaping")
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Lines no wider than `max_width` dots, broken between words (Thai by dictionary)."""
    return wrap_lines(text, font.getlength, max_width)


class Canvas:
    """A tall greyscale page we write down line by line, then crop and threshold."""

    def __init__(self, width: int, regular: Path, bold: Path) -> None:
        self.width = width
        self.scale = width / DESIGN_WIDTH
        self.margin = round(10 * self.scale)
        self.image = Image.new("L", (width, 6000), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = self.margin
        self._regular = str(regular)
        self._bold = str(bold)

    def font(self, size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _font(self._bold if bold else self._regular, max(8, round(size * self.scale)))

    @property
    def inner(self) -> int:
        return self.width - 2 * self.margin

    def gap(self, design_px: int) -> None:
        self.y += round(design_px * self.scale)

    def text(
        self,
        text: str,
        size: int,
        *,
        bold: bool = False,
        center: bool = True,
        invert: bool = False,
        inset: int = 0,
    ) -> None:
        font = self.font(size, bold=bold)
        ascent, descent = font.getmetrics()
        height = ascent + descent
        for line in wrap(text, font, self.inner - 2 * inset):
            if invert:
                self.draw.rectangle((0, self.y, self.width - 1, self.y + height), fill=0)
            length = font.getlength(line)
            x = (self.width - length) / 2 if center else self.margin
            self.draw.text((x, self.y), line, font=font, fill=255 if invert else 0)
            self.y += height + (1 if invert else 0)

    def fitted(self, text: str, size: int, *, bold: bool = True) -> None:
        """One line, shrunk until it fits: the queue number must never wrap."""
        pixels = max(8, round(size * self.scale))
        path = self._bold if bold else self._regular
        font = _font(path, pixels)
        while font.getlength(text) > self.inner and pixels > 12:
            pixels = int(pixels * 0.9)
            font = _font(path, pixels)
        left, top, right, bottom = font.getbbox(text)
        x = (self.width - (right - left)) / 2 - left
        self.draw.text((x, self.y - top), text, font=font, fill=0)
        self.y += round(bottom - top)

    def rule(self) -> None:
        self.gap(8)
        thickness = max(1, round(2 * self.scale))
        self.draw.rectangle((self.margin, self.y, self.width - self.margin, self.y + thickness), 0)
        self.y += thickness
        self.gap(8)

    def boxed(self, lines: tuple[str, ...], size: int) -> None:
        top = self.y
        self.gap(8)
        for line in lines:
            self.text(line, size, inset=round(10 * self.scale))
            self.gap(4)
        self.gap(4)
        border = max(2, round(3 * self.scale))
        self.draw.rectangle(
            (self.margin, top, self.width - self.margin, self.y), outline=0, width=border
        )
        self.y += border

    def paste_center(self, picture: Image.Image) -> None:
        x = (self.width - picture.width) // 2
        self.image.paste(picture.convert("L"), (x, self.y))
        self.y += picture.height

    def finish(self) -> Image.Image:
        self.y += self.margin
        cropped = self.image.crop((0, 0, self.width, self.y))
        return cropped.point(lambda p: 255 if p >= THRESHOLD else 0).convert("1")


def qr_image(content: str, box_size: int) -> Image.Image:
    """The claim code as a QR (error correction M, quiet zone of 2 modules)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2
    )
    code.add_data(content)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image


def blank_page(width_dots: int, font_path: str | Path | None = None) -> Canvas:
    """A page `width_dots` wide (rounded down to 8) in the ticket's font, to write down."""
    width = width_dots - width_dots % 8
    if width < 200:
        raise PrinterConfigError(f"width_dots {width_dots} is too narrow for a ticket")
    regular = resolve_font(font_path or DEFAULT_FONT)
    return Canvas(width, regular, bold_sibling(regular))


def render_ticket(
    data: TicketData, width_dots: int = 576, font_path: str | Path | None = None
) -> Image.Image:
    """The ticket as a mode "1" image exactly `width_dots` wide (rounded down to 8)."""
    page = blank_page(width_dots, font_path)
    if data.sandbox:
        page.text(SANDBOX_BANNER, 30, bold=True, invert=True)
        page.gap(6)
    page.text(data.clinic_name, 32, bold=True)
    page.rule()
    if data.queue_no.strip():
        page.text("หมายเลขคิว / Queue No.", 26)
        page.gap(6)
        page.fitted(data.queue_no, 170)
        page.gap(14)
    else:  # never a visit number where a queue number is looked for
        page.gap(6)
        page.boxed((NO_QUEUE_NUMBER_TH, NO_QUEUE_NUMBER_EN), 26)
        page.gap(8)
    page.text(format_datetime_th(data.issued_at), 28)
    if data.local_queue:
        page.gap(6)
        page.boxed((LOCAL_QUEUE_TH, LOCAL_QUEUE_EN), 22)
    if data.waiting_text:
        page.gap(8)
        thai, english = data.waiting_text
        page.text(thai, 30, bold=True)
        page.text(english, 22)
    if data.next_step:
        page.gap(8)
        page.text(data.next_step, 34, bold=True, invert=True)
    page.rule()
    if data.masked_name:
        page.text(data.masked_name, 32, bold=True)
    ids = [f"HN {data.hn}" if data.hn else "", f"VN {data.visitno}" if data.visitno else ""]
    if any(ids):
        page.text("   ".join(part for part in ids if part), 28)
    if data.right_name:
        page.text(f"สิทธิ: {data.right_name}", 26)
    if data.service_name:
        page.text(f"บริการ: {data.service_name}", 26)
    page.gap(8)
    if data.claim_code_pending:
        page.boxed(data.pending_text, 24)
    else:
        code = (data.claim_code or "").strip()
        page.text("รหัสยืนยันสิทธิ / Authen Code", 24)
        page.text(code, 34, bold=True)
        page.gap(4)
        page.paste_center(qr_image(code, max(3, round(8 * page.scale))))
        if data.sandbox:
            page.text(SANDBOX_NOTE, 20)
    if data.next_appointment:
        page.rule()
        appointment = data.next_appointment
        line = f"นัดครั้งถัดไป: {format_date_th(appointment.date)}"
        page.text(f"{line} {appointment.description}".strip(), 26, bold=True)
    if data.footer:
        page.rule()
        page.text(data.footer, 24)
    return page.finish()


def ticket_png(
    data: TicketData, width_dots: int = 576, font_path: str | Path | None = None
) -> bytes:
    """The same ticket as PNG bytes (demo, backoffice reprint preview)."""
    buffer = io.BytesIO()
    render_ticket(data, width_dots, font_path).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
