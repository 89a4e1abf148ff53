"""Read an ESC/POS byte stream back: split it into commands and rebuild its images.

The loopback printer uses the tokenizer to answer status requests at command
boundaries (a DLE EOT byte pair inside raster data is data, not a request), and
`decode` turns a recorded job into a picture for tests, the demo and staff.

Images understood: GS v 0 (raster), ESC * (column, 8 or 24 dots) and GS ( L fn 112
(graphics store). They are decoded at their own dot resolution, without the
stretching a printer applies in low-density modes, and stacked top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from PIL import Image, ImageChops

from hardware.printer.errors import EscposDecodeError

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
_CONTROL = frozenset({0x09, 0x0A, 0x0C, 0x0D, DLE, ESC, FS, GS})
# ESC commands by their parameter byte count (after ESC and the letter).
_ESC_PARAMS = {
    **dict.fromkeys(b"@2<ijmRU", 0),
    **dict.fromkeys(b"!-3aEGJMrSTtVd{ cegJKLnvwxy=", 1),
    **dict.fromkeys(b"$\\", 2),
    **dict.fromkeys(b"p", 3),
}
_GS_PARAMS = {
    **dict.fromkeys(b"!BHIabfhrwTEjg", 1),
    **dict.fromkeys(b"LWP^Z\\", 2),
}
_FS_PARAMS = {**dict.fromkeys(b".&", 0), **dict.fromkeys(b"!-SWC", 1), **dict.fromkeys(b"p", 2)}


class Kind(StrEnum):
    TEXT = "text"
    CONTROL = "control"  # LF, CR, HT, FF
    STATUS = "status"  # DLE EOT n: real-time status request
    TRANSMIT_STATUS = "transmit_status"  # GS r n: answered after preceding data is printed
    RASTER = "raster"  # GS v 0
    COLUMN = "column"  # ESC *
    GRAPHICS = "graphics"  # GS ( L / GS 8 L
    CUT = "cut"  # GS V, ESC i, ESC m
    OTHER = "other"


@dataclass(frozen=True)
class Command:
    kind: Kind
    raw: bytes
    arg: int = 0  # n of DLE EOT n / GS r n
    image: Image.Image | None = field(default=None, compare=False)


def _u16(data: bytes, at: int) -> int:
    return data[at] | data[at + 1] << 8


def _bits_to_image(width_bytes: int, height: int, packed: bytes) -> Image.Image:
    """Printer bits (1 = dot, MSB leftmost) as a mode "1" image (black = dot)."""
    image = Image.frombytes("1", (width_bytes * 8, height), packed)
    return ImageChops.invert(image)


def _column_image(mode: int, width: int, packed: bytes) -> Image.Image:
    """ESC * data: one byte (8 dots) or three (24 dots) per column, top bit first."""
    depth = 3 if mode in (32, 33) else 1
    # Each column's bytes are one row of the transposed image; transpose back.
    transposed = Image.frombytes("1", (depth * 8, width), packed)
    return ImageChops.invert(transposed.transpose(Image.Transpose.TRANSPOSE))


def _length(data: bytes, at: int) -> int | None:
    """Length of the command starting at `at`, or None when more bytes are needed."""
    size = len(data) - at
    first = data[at]
    if first not in _CONTROL:
        end = at
        while end < len(data) and data[end] not in _CONTROL:
            end += 1
        return end - at
    if first in (0x09, 0x0A, 0x0C, 0x0D):
        return 1
    if size < 2:
        return None
    second = data[at + 1]
    if first == DLE:
        return {0x04: 3, 0x05: 3, 0x14: 5}.get(second, 2) if size >= 3 else None
    if first == ESC:
        if second == ord("*"):
            if size < 5:
                return None
            depth = 3 if data[at + 2] in (32, 33) else 1
            return 5 + depth * _u16(data, at + 3)
        if second == ord("D"):  # tab stops, NUL-terminated
            end = data.find(b"\x00", at + 2)
            return None if end < 0 else end - at + 1
        return 2 + _ESC_PARAMS.get(second, 0)
    if first == FS:
        if second == ord("("):
            return None if size < 5 else 5 + _u16(data, at + 3)
        return 2 + _FS_PARAMS.get(second, 0)
    # GS
    if second == ord("v"):
        if size < 8:
            return None
        return 8 + _u16(data, at + 4) * _u16(data, at + 6)
    if second == ord("("):
        return None if size < 5 else 5 + _u16(data, at + 3)
    if second == ord("8"):
        if size < 7:
            return None
        return 7 + int.from_bytes(data[at + 3 : at + 7], "little")
    if second == ord("V"):
        if size < 3:
            return None
        return 4 if data[at + 2] in (65, 66, 97, 98, 103, 104) else 3
    if second == ord("k"):
        if size < 3:
            return None
        if data[at + 2] <= 6:  # NUL-terminated data
            end = data.find(b"\x00", at + 3)
            return None if end < 0 else end - at + 1
        return None if size < 4 else 4 + data[at + 3]
    return 2 + _GS_PARAMS.get(second, 0)


def _graphics_image(raw: bytes) -> Image.Image | None:
    """GS ( L / GS 8 L function 112: store a raster graphic (monochrome)."""
    body = raw[5:] if raw[1] == ord("(") else raw[7:]
    # body: m fn a bx by c xL xH yL yH data
    if len(body) < 10 or body[1] != 112 or body[2] != 48:
        return None
    width, height = _u16(body, 6), _u16(body, 8)
    width_bytes = (width + 7) // 8
    packed = body[10 : 10 + width_bytes * height]
    if len(packed) < width_bytes * height:
        return None
    return _bits_to_image(width_bytes, height, packed).crop((0, 0, width, height))


def _classify(raw: bytes) -> Command:
    first = raw[0]
    if first not in _CONTROL:
        return Command(Kind.TEXT, raw)
    if len(raw) == 1:
        return Command(Kind.CONTROL, raw)
    second = raw[1]
    if first == DLE and second == 0x04:
        return Command(Kind.STATUS, raw, raw[2])
    if first == GS and second == ord("r"):
        return Command(Kind.TRANSMIT_STATUS, raw, raw[2])
    if first == GS and second == ord("v"):
        return Command(Kind.RASTER, raw, image=_bits_to_image(_u16(raw, 4), _u16(raw, 6), raw[8:]))
    if first == ESC and second == ord("*"):
        return Command(Kind.COLUMN, raw, image=_column_image(raw[2], _u16(raw, 3), raw[5:]))
    if first == GS and second in (ord("("), ord("8")) and raw[2] == ord("L"):
        return Command(Kind.GRAPHICS, raw, image=_graphics_image(raw))
    if (first == GS and second == ord("V")) or (first == ESC and second in b"im"):
        return Command(Kind.CUT, raw)
    return Command(Kind.OTHER, raw)


def parse(data: bytes, *, final: bool = True) -> tuple[list[Command], int]:
    """Commands in `data` and how many bytes they used.

    With final=False an incomplete command at the end is left for the next call (the
    loopback printer feeds the stream as it arrives); with final=True it is an error.
    """
    commands: list[Command] = []
    at = 0
    while at < len(data):
        length = _length(data, at)
        if length is None or at + length > len(data):
            if final:
                raise EscposDecodeError(f"truncated ESC/POS command at byte {at}")
            break
        commands.append(_classify(bytes(data[at : at + length])))
        at += length
    return commands, at


def images(data: bytes) -> list[Image.Image]:
    """Every image in the stream, in order."""
    commands, _ = parse(data)
    return [c.image for c in commands if c.image is not None]


def stack(parts: list[Image.Image], width: int | None = None) -> Image.Image | None:
    """Pictures one under the other, left-aligned on white paper at least `width` wide."""
    if not parts:
        return None
    page_width = max([p.width for p in parts] + [width or 0])
    page = Image.new("1", (page_width, sum(p.height for p in parts)), 1)
    y = 0
    for part in parts:
        page.paste(part, (0, y))
        y += part.height
    return page


def decode(data: bytes, width: int | None = None) -> Image.Image | None:
    """The job's images stacked into one picture, or None if it carries no image."""
    return stack(images(data), width)
