"""Decoding ESC/POS bytes made by python-escpos itself back into the original picture."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy
from PIL import Image, ImageChops, ImageDraw

from hardware.printer import EscposDecodeError, decode_escpos, render_ticket, sample_ticket
from hardware.printer.escpos_stream import Kind, images, parse


def same_picture(a: Image.Image, b: Image.Image) -> bool:
    """Same size, same dots (ImageChops alone would compare only the overlap)."""
    diff = ImageChops.difference(a.convert("L"), b.convert("L"))
    return a.size == b.size and diff.getbbox() is None


def pattern(width: int, height: int) -> Image.Image:
    image = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(image)
    draw.ellipse((3, 2, width - 5, height - 3), outline=0, width=3)
    draw.line((0, 0, width - 1, height - 1), fill=0)
    draw.point((width - 1, 0), fill=0)
    return image


@pytest.mark.parametrize("impl", ["bitImageRaster", "bitImageColumn", "graphics"])
def test_python_escpos_images_decode_to_the_same_picture(impl: str) -> None:
    source = pattern(96, 50)
    dummy = Dummy()
    dummy.image(source, impl=impl)
    dummy.cut()
    decoded = decode_escpos(dummy.output)
    assert decoded is not None
    # Column mode pads to whole 24-dot stripes; the padding is white.
    assert decoded.width == 96 and decoded.height >= 50
    assert same_picture(decoded.crop((0, 0, 96, 50)), source)
    if decoded.height > 50:
        assert decoded.crop((0, 50, 96, decoded.height)).convert("L").getextrema() == (255, 255)


def test_column_mode_low_density_uses_8_dot_stripes() -> None:
    source = pattern(40, 16)
    dummy = Dummy()
    dummy.image(source, impl="bitImageColumn", high_density_vertical=False)
    decoded = decode_escpos(dummy.output)
    assert decoded is not None and decoded.size == (40, 16)
    assert same_picture(decoded, source)


def test_a_ticket_split_into_fragments_is_stacked_back_whole() -> None:
    ticket = render_ticket(sample_ticket(), 576)
    dummy = Dummy()
    dummy.image(ticket, fragment_height=300)
    assert len(images(dummy.output)) == -(-ticket.height // 300)
    decoded = decode_escpos(dummy.output)
    assert decoded is not None and same_picture(decoded, ticket)


def test_status_bytes_inside_raster_data_are_data() -> None:
    # A row whose bits are 0x10 0x04 0x01: a naive scanner would see DLE EOT 1.
    row = Image.frombytes("1", (24, 1), bytes([0x10, 0x04, 0x01])).point(lambda p: 255 - p)
    dummy = Dummy()
    dummy.image(row.convert("1"))
    assert b"\x10\x04\x01" in dummy.output
    commands, used = parse(dummy.output)
    assert used == len(dummy.output)
    assert [c.kind for c in commands if c.kind is Kind.STATUS] == []


def test_incremental_parse_waits_for_the_rest_of_a_command() -> None:
    dummy = Dummy()
    dummy.image(pattern(64, 20))
    data = b"\x10\x04\x01" + dummy.output
    commands, used = parse(data[:40], final=False)
    assert [c.kind for c in commands] == [Kind.STATUS]
    assert used == 3
    rest, used_rest = parse(data[used:], final=False)
    assert used_rest == len(data) - 3
    assert any(c.kind is Kind.RASTER for c in rest)


def test_truncated_job_is_an_error_when_final() -> None:
    dummy = Dummy()
    dummy.image(pattern(64, 20))
    with pytest.raises(EscposDecodeError):
        parse(dummy.output[:-5])


def test_text_native_qr_and_cut_are_recognised() -> None:
    dummy = Dummy()
    dummy.text("คิว A001\n")
    dummy.qr("PP1", native=True)
    dummy.set(bold=True, align="center")
    dummy.cut()
    dummy.cut(mode="PART", feed=False)
    commands, used = parse(dummy.output)
    assert used == len(dummy.output)
    kinds = [c.kind for c in commands]
    assert Kind.TEXT in kinds and kinds.count(Kind.CUT) == 2
    assert decode_escpos(dummy.output) is None  # no raster image in this job


def test_transmit_status_and_real_time_status_carry_their_argument() -> None:
    commands, _ = parse(b"\x10\x04\x04\x1dr\x01")
    assert [(c.kind, c.arg) for c in commands] == [(Kind.STATUS, 4), (Kind.TRANSMIT_STATUS, 1)]


def test_gs_8_l_graphics_with_a_four_byte_length() -> None:
    # 10 x 2 dots: first row all ink, second row only the leftmost dot.
    body = bytes([48, 112, 48, 1, 1, 49, 10, 0, 2, 0]) + bytes([0xFF, 0xC0, 0x80, 0x00])
    data = b"\x1d8L" + len(body).to_bytes(4, "little") + body + b"\x1d(L\x02\x00\x30\x32"
    decoded = decode_escpos(data)
    assert decoded is not None and decoded.size == (10, 2)
    assert [decoded.getpixel((x, 0)) for x in range(10)] == [0] * 10
    assert [decoded.getpixel((x, 1)) for x in range(10)] == [0] + [255] * 9
