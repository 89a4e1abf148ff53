"""Every kiosk screen rendered offscreen (Kivy in its own process), in Thai and English.

Screenshots land in var/test/screens/. The assertions read the driver's report: which
screen showed, what each label said, whether any text overflowed its box, and what the
touches posted to the flow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiosk import flow as f
from kiosk.testing import sample_identity
from tests.ui.conftest import run_offscreen

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("ui_driver.py")
SCREENS = ROOT / "var" / "test" / "screens"
FONT = Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf")
IDENTITY = sample_identity(7)
THAI = range(0x0E00, 0x0E80)


def drive(tmp: Path, width: int, height: int, *extra: str) -> dict[str, Any]:
    if not FONT.exists():
        pytest.fail("fonts-thai-tlwg is not installed (scripts/install-system-deps.sh)")
    report = tmp / f"report-{width}x{height}.json"
    size = ["--width", str(width), "--height", str(height)]
    args = [str(DRIVER), *size, "--out", str(SCREENS), "--report", str(report), *extra]
    run_offscreen(args, tmp / "kivy")
    data: dict[str, Any] = json.loads(report.read_text())
    assert data["error"] is None, data["error"]
    return data


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return drive(tmp_path_factory.mktemp("ui"), 800, 480)


@pytest.fixture(scope="module", params=[(480, 800), (1920, 1080)], ids=["portrait", "fullhd"])
def other_size(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    width, height = request.param
    return drive(tmp_path_factory.mktemp("ui"), width, height, "--quick")


def renders(report: dict[str, Any], name: str, lang: str) -> dict[str, Any]:
    for render in report["renders"]:
        if render["name"] == name and render["lang"] == lang:
            return render
    raise AssertionError(f"no render {name}/{lang}")


def test_every_step_has_a_screen_in_both_languages(landscape: dict[str, Any]) -> None:
    assert landscape["font_registered"]
    seen = {(r["step"], r["lang"]) for r in landscape["renders"]}
    assert seen == {(step.value, lang) for step in f.Step for lang in ("th", "en")}
    for render in landscape["renders"]:
        assert render["current"] == render["step"]
        shot = Path(render["screenshot"])
        assert shot.exists() and shot.parent == SCREENS
        with Image.open(shot) as image:
            assert image.size == (800, 480)
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
            assert colours is None or len(colours) > 20, f"{shot.name} looks blank"


def test_nothing_overflows(landscape: dict[str, Any], other_size: dict[str, Any]) -> None:
    for report in (landscape, other_size):
        overflowing = {(r["name"], r["lang"]): r["overflow"] for r in report["renders"]}
        assert {k: v for k, v in overflowing.items() if v} == {}


def test_text_is_big_enough_at_arms_length(landscape: dict[str, Any]) -> None:
    # At 800x480 (the smallest panel) nothing is smaller than 14 px and each screen
    # has a headline of at least 28 px.
    for render in landscape["renders"]:
        sizes = render["font_sizes"]
        assert min(sizes) >= 14, render["name"]
        assert max(sizes) >= 28, render["name"]


def test_thai_by_default_and_english_on_toggle(landscape: dict[str, Any]) -> None:
    idle_th = renders(landscape, "idle", "th")["texts"]
    idle_en = renders(landscape, "idle", "en")["texts"]
    assert "กรุณาเสียบบัตรประชาชน" in idle_th and "English" in idle_th
    assert "Please insert your Thai ID card" in idle_en and "ภาษาไทย" in idle_en
    body_en = [t for t in idle_en if t not in ("ภาษาไทย", "รพ.สต. ทดสอบ")]
    assert not any(ord(ch) in THAI for text in body_en for ch in text)
    assert any("2569" in t for t in idle_th)  # Buddhist era on screen
    assert any("2026" in t for t in idle_en)


def test_screens_say_what_to_do_next(landscape: dict[str, Any]) -> None:
    done = renders(landscape, "done", "th")["texts"]
    assert "คิวที่ 17" in done and any("ดึงบัตรประชาชนออก" in t for t in done)
    local = renders(landscape, "done-local-pending", "en")["texts"]
    assert "Queue L003" in local
    assert any("temporary number" in t for t in local)
    assert any("claim code will be requested later" in t for t in local)
    assert any("printed again" in t for t in renders(landscape, "done-reprint", "en")["texts"])
    for reason, words in (
        ("no_rights", "No usable health right"),
        ("refused", "NHSO did not confirm"),
        ("database", "could not be saved"),
    ):
        texts = renders(landscape, f"go_to_counter-{reason}", "en")["texts"]
        assert "Please see the staff at the counter" in texts
        assert any(words in t for t in texts)
    # A deceased or discharged record: a neutral word, no queue number, nothing of why.
    registration = renders(landscape, "go_to_counter-registration", "th")["texts"]
    assert any("ตรวจสอบข้อมูลทะเบียน" in t for t in registration)
    assert not any("คิวที่" in t for t in registration)
    assert any("นำบัตรไปติดต่อเจ้าหน้าที่" in t for t in registration)
    assert not any("เสียชีวิต" in t or "จำหน่าย" in t for t in registration)
    printer = renders(landscape, "go_to_counter", "th")["texts"]
    assert any("เครื่องพิมพ์" in t for t in printer) and "คิวที่ 17" in printer
    invalid = renders(landscape, "claim_type_chosen-invalid", "th")["texts"]
    assert any("ขึ้นต้นด้วย 0" in t for t in invalid)
    new = renders(landscape, "claim_type_chosen-new-nhso-down", "en")["texts"]
    assert any("New out-of-area patient" in t for t in new)
    assert any("NHSO cannot be reached" in t for t in new)


def test_one_touch_confirm_shows_the_number_masked(landscape: dict[str, Any]) -> None:
    texts = renders(landscape, "claim_type_chosen", "th")["texts"]
    assert "08x-xxx-5678" in texts and "ยืนยัน" in texts and "แก้ไขเบอร์" in texts
    assert landscape["checks"]["one_touch_number"] == "08x-xxx-5678"


def test_no_personal_data_beyond_the_masked_name(landscape: dict[str, Any]) -> None:
    secrets = (IDENTITY.cid, "0812345678", IDENTITY.last_th, IDENTITY.last_en, "99 หมู่")
    for render in landscape["renders"]:
        for text in render["texts"]:
            assert not any(s in text for s in secrets), (render["name"], text)
    assert "นาย สมชาย ใ•••" in renders(landscape, "card_read", "th")["texts"]


def test_touches_post_the_right_events(landscape: dict[str, Any]) -> None:
    checks = landscape["checks"]
    events = checks["events"]
    assert events[:3] == ["ClaimTypeChosen:PG0140001", "MobileConfirmed", "MobileEditRequested"]
    assert events.count("PatientActive") == 10  # every keypad digit restarts the timer
    assert "MobileEntered:0891112222" in events
    assert checks["keypad_display"] == "089-111-2222"
    assert events[-3:] == ["MobileEditCancelled", "LanguageToggled", "StaffGesture"]
    assert checks["pins"] == ["2468"]
    assert checks["pin_display"] == "••••" and checks["pin_display_after"].strip() == ""
    assert checks["short_tap_gestures"] == 0


def test_checkin_by_touch_with_the_real_controller(landscape: dict[str, Any]) -> None:
    checks = landscape["checks"]
    assert "คิวที่ 1" in checks["done_texts"]
    assert checks["printed"] == ["1"]
    # The card comes out: personal data leaves every screen within a second.
    assert checks["removal_to_idle_s"] < 1.0, checks["removal_to_idle_s"]
    after = checks["texts_after_removal"]
    assert "กรุณาเสียบบัตรประชาชน" in after
    assert not any("สมชาย" in t or "Somchai" in t or "คิวที่" in t for t in after)


def test_other_sizes_render(other_size: dict[str, Any]) -> None:
    names = {r["name"] for r in other_size["renders"]}
    assert {"idle", "claim_type_chosen-keypad", "done"} <= names
    for render in other_size["renders"]:
        assert render["current"] == render["step"]


def test_every_character_shown_exists_in_the_thai_font(landscape: dict[str, Any]) -> None:
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(FONT)).getBestCmap()
    shown = {ch for r in landscape["renders"] for t in r["texts"] for ch in t if not ch.isspace()}
    shown |= {ch for t in landscape["checks"]["done_texts"] for ch in t if not ch.isspace()}
    missing = sorted(ch for ch in shown if ord(ch) not in cmap)
    assert missing == [], f"would render as boxes: {missing}"
