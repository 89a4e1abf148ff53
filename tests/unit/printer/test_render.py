"""The ticket picture: size, Thai layout, the QR, the no-claim-code wording, goldens."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageFilter, ImageFont, features

from hardware.printer import TicketData, render_ticket, sample_ticket, ticket_png
from hardware.printer import render as render_module
from hardware.printer.render import _font, qr_image, raqm_available, resolve_font, wrap
from hardware.printer.ticket import (
    NO_QUEUE_NUMBER_EN,
    NO_QUEUE_NUMBER_TH,
    PENDING_EN,
    PENDING_TH,
)

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "golden" / "printer"
# Regenerate with: UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/printer/test_render.py
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
# Elsewhere (other FreeType/HarfBuzz/font builds) glyph edges move; a changed word or
# number still shows (one queue digit ~0.5%, whole-ticket 1-dot shift ~0.01%).
MAX_DIFF_FRACTION = 0.001


def qr_texts(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def black_fraction(image: Image.Image) -> float:
    grey = image.convert("L")
    return sum(1 for p in grey.getdata() if p < 128) / (grey.width * grey.height)


def pending_ticket() -> TicketData:
    # Journaled while the database was down: nobody knows how many wait ahead.
    return dataclasses.replace(
        sample_ticket(), claim_code=None, sandbox=False, local_queue=True, waiting_ahead=None
    )


def no_number_ticket() -> TicketData:
    """A visit opened in JHCIS whose place in the day the kiosk had given away."""
    return dataclasses.replace(sample_ticket(), queue_no="", sandbox=False, waiting_ahead=0)


@pytest.mark.parametrize(("width", "expected"), [(576, 576), (512, 512), (384, 384), (580, 576)])
def test_width_is_the_printer_dot_width_in_whole_bytes(width: int, expected: int) -> None:
    image = render_ticket(sample_ticket(), width)
    assert image.mode == "1"
    assert image.width == expected
    assert 600 < image.height < 2000


def test_raqm_shaping_is_available() -> None:
    # Without raqm, Thai marks are placed naively; the Pillow wheel ships raqm.
    assert raqm_available()


def test_claim_code_qr_decodes_to_the_claim_code() -> None:
    data = dataclasses.replace(sample_ticket(), claim_code="PP0987654321")
    for width in (576, 384):
        assert qr_texts(render_ticket(data, width)) == ["PP0987654321"]


def test_ticket_without_claim_code_has_no_qr_and_the_pending_box() -> None:
    data = pending_ticket()
    assert data.claim_code_pending
    assert data.pending_text == (PENDING_TH, PENDING_EN)
    assert "ไม่ต้องทำรายการใหม่" in PENDING_TH and "staff will request it" in PENDING_EN
    assert qr_texts(render_ticket(data)) == []


def test_custom_pending_message_replaces_the_standard_wording() -> None:
    data = dataclasses.replace(pending_ticket(), pending_message="ติดต่อห้องบัตร")
    assert data.pending_text == ("ติดต่อห้องบัตร",)
    assert render_ticket(data).height < render_ticket(pending_ticket()).height


def test_blank_claim_code_counts_as_pending() -> None:
    assert dataclasses.replace(sample_ticket(), claim_code="  ").claim_code_pending


def test_sandbox_banner_is_an_inverted_band_at_the_top() -> None:
    sandbox = render_ticket(sample_ticket())
    real = render_ticket(dataclasses.replace(sample_ticket(), sandbox=False))
    band = (0, 12, sandbox.width, 24)
    assert black_fraction(sandbox.crop(band)) > 0.6
    assert black_fraction(real.crop(band)) < 0.3


def test_long_queue_number_shrinks_to_one_line() -> None:
    short = render_ticket(dataclasses.replace(sample_ticket(), queue_no="1"), 384)
    long = render_ticket(dataclasses.replace(sample_ticket(), queue_no="ABCDEFGHIJ-999"), 384)
    # Shrunk to fit the width, a long number takes less height, never an extra line.
    assert long.height <= short.height


def test_optional_lines_are_left_out_when_empty() -> None:
    bare = TicketData(
        clinic_name="รพ.สต.", queue_no="7", issued_at=sample_ticket().issued_at, claim_code="X1"
    )
    assert render_ticket(bare).height < render_ticket(sample_ticket()).height
    assert qr_texts(render_ticket(bare)) == ["X1"]


def drawn(data: TicketData, width: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the ticket lays out, in order (the queue number as "#<number>")."""
    seen: list[str] = []
    wrap_text, fit = render_module.wrap, render_module.Canvas.fitted

    def recording_wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
        seen.append(text)
        return wrap_text(text, font, max_width)

    def recording_fitted(page: render_module.Canvas, text: str, size: int, **kw: bool) -> None:
        seen.append(f"#{text}")
        fit(page, text, size, **kw)

    monkeypatch.setattr(render_module, "wrap", recording_wrap)
    monkeypatch.setattr(render_module.Canvas, "fitted", recording_fitted)
    render_ticket(data, width)
    return seen


@pytest.mark.parametrize("width", [384, 576], ids=["58mm", "80mm"])
def test_right_service_waiting_and_next_step_are_printed(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = drawn(sample_ticket(), width, monkeypatch)
    assert "สิทธิ: บัตรทอง (UCS)" in texts and "บริการ: ตรวจรักษาทั่วไป" in texts
    assert texts.index("#A012") < texts.index("รอก่อนหน้าท่าน 3 คน")
    assert texts.index("3 waiting ahead of you") < texts.index("ไปที่จุดซักประวัติ")
    assert not any("ผู้ป่วยนอก" in t for t in texts)  # the claim type is not the right


def test_waiting_count_in_words() -> None:
    assert dataclasses.replace(sample_ticket(), waiting_ahead=None).waiting_text is None
    assert dataclasses.replace(sample_ticket(), waiting_ahead=0).waiting_text == (
        "ไม่มีผู้รอก่อนหน้าท่าน",
        "No one waiting ahead of you",
    )
    assert sample_ticket().waiting_text == ("รอก่อนหน้าท่าน 3 คน", "3 waiting ahead of you")


def test_without_a_queue_number_the_ticket_says_so_and_shows_no_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = drawn(no_number_ticket(), 384, monkeypatch)
    assert NO_QUEUE_NUMBER_TH in texts and NO_QUEUE_NUMBER_EN in texts
    assert "หมายเลขคิว / Queue No." not in texts
    assert not [t for t in texts if t.startswith("#")]  # nothing drawn as the big number
    assert "HN 000123   VN 4567" in texts  # the visit number only as what it is


def test_optional_new_lines_are_left_out_when_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    bare = dataclasses.replace(
        sample_ticket(), right_name=None, service_name=None, waiting_ahead=None, next_step=""
    )
    texts = drawn(bare, 576, monkeypatch)
    assert not [t for t in texts if t.startswith(("สิทธิ", "บริการ", "รอก่อน", "ไปที่"))]


def test_wrap_never_separates_thai_marks_from_their_letter() -> None:
    font = _font(str(resolve_font(None)), 28)
    word = "ผู้ป่วยนอกทั่วไปที่มีสิทธิ์หลักประกันสุขภาพแห่งชาติ" * 2
    lines = wrap(word, font, 200)
    assert len(lines) > 2
    assert "".join(lines) == word
    attached = {chr(c) for c in [0x0E30, 0x0E31, *range(0x0E32, 0x0E3B), *range(0x0E45, 0x0E4F)]}
    for line in lines:
        assert font.getlength(line) <= 200
        assert line[0] not in attached  # no mark or following vowel starts a line
        assert not "\u0e40" <= line[-1] <= "\u0e44"  # no leading vowel ends one


def test_wrap_breaks_at_spaces_first() -> None:
    font = _font(str(resolve_font(None)), 28)
    assert wrap("สวัสดี ครับ", font, 2000) == ["สวัสดี ครับ"]
    assert wrap("สวัสดี ครับ", font, math.ceil(font.getlength("สวัสดี"))) == ["สวัสดี", "ครับ"]


def test_missing_font_falls_back_to_an_installed_thai_font(tmp_path: Path) -> None:
    assert resolve_font(tmp_path / "nope.ttf").is_file()


def test_png_bytes_are_the_same_picture() -> None:
    image = Image.open(io.BytesIO(ticket_png(sample_ticket(), 384)))
    assert (
        ImageChops.difference(
            image.convert("L"), render_ticket(sample_ticket(), 384).convert("L")
        ).getbbox()
        is None
    )


def test_qr_image_has_a_quiet_zone() -> None:
    image = qr_image("PP1", 4)
    assert image.getpixel((0, 0)) == 255 and image.getpixel((4, 4)) == 255


def render_environment() -> dict[str, str]:
    """What decides every dot: the font files and the text engine versions."""
    regular = resolve_font(None)
    bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
    env = {name: str(features.version(name)) for name in ("freetype2", "raqm", "harfbuzz")}
    for path in (regular, bold):
        env[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return env


def compare_with_golden(name: str, image: Image.Image) -> None:
    """Exact where the goldens were made (same fonts and engines), tolerant elsewhere."""
    path = GOLDEN_DIR / name
    env_path = GOLDEN_DIR / "environment.json"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        env_path.write_text(json.dumps(render_environment(), indent=2) + "\n")
        return
    if not path.exists():
        pytest.fail(f"golden {path} missing; create it with UPDATE_GOLDEN=1")
    golden = Image.open(path).convert("1")
    same_environment = json.loads(env_path.read_text()) == render_environment()
    assert image.width == golden.width
    if same_environment:
        assert image.height == golden.height, f"{name}: height changed"
    else:
        # Other font engine versions may move a line by a pixel or two.
        assert abs(image.height - golden.height) <= golden.height * 0.02
    height = min(image.height, golden.height)
    ours, theirs = (i.crop((0, 0, i.width, height)).convert("L") for i in (image, golden))
    if same_environment:
        changed = sum(1 for p in ImageChops.difference(ours, theirs).getdata() if p)
        assert changed == 0, f"{name}: {changed} dots differ from the golden"
        return
    # Blurred, a glyph drawn a pixel off barely differs; a changed word still does.
    blur = ImageFilter.GaussianBlur(2)
    diff = ImageChops.difference(ours.filter(blur), theirs.filter(blur))
    fraction = sum(1 for p in diff.getdata() if p > 100) / (image.width * height)
    assert fraction <= MAX_DIFF_FRACTION, f"{name}: {fraction:.3%} of the ticket differs"


def test_golden_environment_is_recorded() -> None:
    recorded = json.loads((GOLDEN_DIR / "environment.json").read_text())
    assert set(recorded) == set(render_environment())


def test_golden_sample_ticket_576() -> None:
    compare_with_golden("sample-576.png", render_ticket(sample_ticket(), 576))


def test_golden_pending_ticket_384() -> None:
    compare_with_golden("pending-local-384.png", render_ticket(pending_ticket(), 384))


def test_golden_ticket_without_a_queue_number_384() -> None:
    compare_with_golden("no-queue-number-384.png", render_ticket(no_number_ticket(), 384))


@pytest.mark.skipif(UPDATE, reason="goldens are being regenerated")
def test_golden_comparison_detects_a_different_ticket() -> None:
    other = render_ticket(
        dataclasses.replace(sample_ticket(), queue_no="B999", masked_name="นาง สมศรี ม•••")
    )
    with pytest.raises(AssertionError):
        compare_with_golden("sample-576.png", other)


def test_tolerant_comparison_away_from_the_golden_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(globals(), "render_environment", lambda: {"freetype2": "other"})
    golden = Image.open(GOLDEN_DIR / "sample-576.png").convert("1")
    shifted = Image.new("1", golden.size, 1)
    shifted.paste(golden, (1, 1))
    compare_with_golden("sample-576.png", shifted)  # a dot off everywhere: accepted
    other = dataclasses.replace(sample_ticket(), queue_no="A013")
    with pytest.raises(AssertionError):
        compare_with_golden("sample-576.png", render_ticket(other))


def test_exact_comparison_catches_a_missing_tone_mark() -> None:
    recorded = json.loads((GOLDEN_DIR / "environment.json").read_text())
    if recorded != render_environment():
        pytest.skip("goldens were made with other fonts or engines: only the tolerant check")
    # ตรวจรักษาทั่วไป without its mai ek: a few dozen dots.
    marks_lost = dataclasses.replace(sample_ticket(), service_name="ตรวจรักษาทัวไป")
    with pytest.raises(AssertionError):
        compare_with_golden("sample-576.png", render_ticket(marks_lost))
