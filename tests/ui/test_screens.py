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
from kiosk.i18n import MESSAGES
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


# The panels the kiosk ships with: what an elderly patient must be able to read and hit.
PANELS = [(1280, 800), (1024, 600), (800, 1280)]


@pytest.fixture(scope="module", params=PANELS, ids=[f"{w}x{h}" for w, h in PANELS])
def panel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    width, height = request.param
    return drive(tmp_path_factory.mktemp("ui"), width, height)


def patient_renders(report: dict[str, Any]) -> list[dict[str, Any]]:
    staff = {f.Step.STAFF_PIN.value, f.Step.STAFF_MENU.value}
    return [r for r in report["renders"] if r["step"] not in staff]


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
        warning = render["name"] == "still_there"  # shown over the step's own screen
        assert render["current"] == ("still_there" if warning else render["step"])
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


def test_every_patient_message_is_40px_on_the_shipped_panels(panel: dict[str, Any]) -> None:
    # Only the clinic's name and the clock in the header (role "small") are exempt.
    small = {
        (render["name"], render["lang"], label["text"][:30]): label["font"]
        for render in patient_renders(panel)
        for label in render["labels"]
        if label["font"] < 40 and label["role"] != "small"
    }
    assert small == {}
    overflowing = {(r["name"], r["lang"]): r["overflow"] for r in panel["renders"]}
    assert {k: v for k, v in overflowing.items() if v} == {}


def gap(a: dict[str, float], b: dict[str, float]) -> float:
    """Distance between two boxes (negative when they overlap)."""
    across = max(b["x"] - (a["x"] + a["w"]), a["x"] - (b["x"] + b["w"]))
    along = max(b["y"] - (a["y"] + a["h"]), a["y"] - (b["y"] + b["h"]))
    return max(across, along)


def test_touch_targets_are_96px_and_24px_apart_on_the_shipped_panels(
    panel: dict[str, Any],
) -> None:
    short, close = {}, {}
    for render in patient_renders(panel):
        targets = render["targets"]
        assert targets, render["name"]  # at least the language button
        for i, a in enumerate(targets):
            if a["h"] < 96:
                short[(render["name"], a["text"])] = a["h"]
            for b in targets[i + 1 :]:
                if gap(a, b) < 24 - 0.5:
                    close[(render["name"], a["text"], b["text"])] = gap(a, b)
    assert short == {} and close == {}


def test_the_claim_type_screens_on_the_shipped_panels(panel: dict[str, Any]) -> None:
    first = renders(panel, "rights_checked", "en")
    assert {t["text"] for t in first["targets"]} == {
        "ภาษาไทย",
        "General treatment",
        "Other services",
        "Cancel",
    }
    others = [t["text"] for t in renders(panel, "rights_checked-others", "th")["targets"]]
    # In the clinic's order (the Bangkok-only check-up NHSO also returned is not offered).
    assert [t for t in others if t not in ("English", "ยกเลิก")] == [
        "เจ็บป่วยเล็กน้อย",
        "ผู้ป่วยในที่บ้าน",
        "ฟอกไต",
        "โควิดอาการหนัก",
        "แยกกักตัวที่บ้าน",
        "ย้อนกลับ",
    ]
    assert "ยกเลิก" in others
    # NHSO's own words never reach the patient (they go on the visit and the ticket).
    for render in patient_renders(panel):
        assert not any("Self Isolation" in t or "UCEP" in t for t in render["texts"])


def test_idle_says_what_is_wrong_and_what_still_works_on_the_shipped_panels(
    panel: dict[str, Any],
) -> None:
    """Paper out and NHSO unreachable, said before the card goes in, at 40 px or more."""
    for index, lang in enumerate(("th", "en")):
        for name, keys in (
            ("idle-printer_paper_out", ["printer_paper_out"]),
            ("idle-nhso_down", ["nhso_down"]),
            ("idle-printer_nhso", ["printer_paper_out", "nhso_down"]),
        ):
            render = renders(panel, name, lang)
            wanted = "\n".join(MESSAGES[key][index] for key in keys)
            (warning,) = [label for label in render["labels"] if label["text"] == wanted]
            assert warning["font"] >= 40, (name, lang, warning["font"])
            assert render["texts"][-2] == MESSAGES["idle_title"][index]  # still asked for
            assert MESSAGES["idle_hint"][index] not in render["texts"]  # gave way
            assert Path(render["screenshot"]).exists()
    thai = renders(panel, "idle-printer_paper_out", "th")["texts"]
    assert any("กระดาษหมด" in t and "ยังลงทะเบียนได้" in t for t in thai)
    assert any("รับบัตรคิวที่เคาน์เตอร์" in t for t in thai)
    english = renders(panel, "idle-nhso_down", "en")["texts"]
    assert any("you can still check in" in t and "Authen Code" in t for t in english)
    # JHCIS down with the printer: "a ticket as usual" is not promised.
    both = renders(panel, "idle-database_printer", "th")["texts"][-1]
    assert both.startswith(MESSAGES["offline_note"][0]) and "ตามปกติ" not in both


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


def test_idle_says_a_child_without_a_card_sees_the_staff(landscape: dict[str, Any]) -> None:
    # Before a card goes in (issue 20, item 7): a parent's card cannot stand for a child.
    idle_th = renders(landscape, "idle", "th")["texts"]
    idle_en = renders(landscape, "idle", "en")["texts"]
    assert any("เด็กที่ไม่มีบัตรประชาชน กรุณาติดต่อเจ้าหน้าที่" in t for t in idle_th)
    assert any("A child without an ID card: please see the staff" in t for t in idle_en)
    # Not when a card is still in: then the screen only asks for it out.
    left = renders(landscape, "idle-card-in", "th")["texts"]
    assert not any("เด็ก" in t for t in left)


def test_screens_say_what_to_do_next(landscape: dict[str, Any]) -> None:
    done = renders(landscape, "done", "th")["texts"]
    assert "คิวที่ 17" in done and any("ดึงบัตรประชาชนออก" in t for t in done)
    local = renders(landscape, "done-local-pending", "th")["texts"]
    assert "คิวที่ L003" in local
    assert any("ระบบของ รพ.สต. ขัดข้องชั่วคราว" in t for t in local)
    assert any("ยังยืนยันสิทธิไม่สำเร็จ เจ้าหน้าที่จะดำเนินการให้" in t for t in local)
    new = renders(landscape, "done-new-pending", "th")["texts"]
    assert any("ท่านยังไม่มีประวัติที่นี่ ระบบลงทะเบียนให้แล้ว" in t for t in new)
    reprint = renders(landscape, "done-reprint", "en")["texts"]
    assert any("the same ticket again" in t for t in reprint)
    for reason, words in (
        ("no_rights", "No right you can use here today"),
        ("refused", "NHSO did not confirm"),
        ("database", "could not be recorded"),
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


def test_a_cancelled_checkin_says_so(landscape: dict[str, Any]) -> None:
    pulled = renders(landscape, "cancelled-card_removed", "th")["texts"]
    assert "ยกเลิกแล้ว" in pulled and "บัตรถูกดึงออกก่อนเสร็จ" in pulled
    assert "ถ้าจะลงทะเบียน กรุณาเสียบบัตรใหม่" in pulled
    timed_out = renders(landscape, "cancelled-timeout", "en")["texts"]
    assert "Cancelled" in timed_out and "Please take out your ID card" in timed_out
    touched = renders(landscape, "cancelled-cancelled", "th")["texts"]
    assert "กรุณาดึงบัตรประชาชนออก" in touched
    # A card left in after the end: never "insert your card".
    left = renders(landscape, "idle-card-in", "th")["texts"]
    assert "กรุณาดึงบัตรประชาชนออก" in left and "กรุณาเสียบบัตรประชาชน" not in left
    for render in landscape["renders"]:
        if render["name"].startswith("cancelled") or render["name"] == "idle-card-in":
            assert not any("สมชาย" in t or "Somchai" in t for t in render["texts"])


def test_the_warning_counts_down_and_a_touch_goes_on(landscape: dict[str, Any]) -> None:
    texts = renders(landscape, "still_there", "th")["texts"]
    assert "ยังทำต่ออยู่ไหม" in texts and "10" in texts
    assert "ถ้าไม่แตะหน้าจอ จะยกเลิกใน 10 วินาที" in texts and "แตะเพื่อทำต่อ" in texts
    checks = landscape["checks"]
    assert checks["still_there_current"] == "still_there"
    assert checks["still_there_events"] == ["PatientActive"]


def test_one_touch_confirm_shows_the_number_masked(landscape: dict[str, Any]) -> None:
    texts = renders(landscape, "claim_type_chosen", "th")["texts"]
    assert "08x-xxx-5678" in texts and "เบอร์นี้ใช่ของท่านไหม" in texts
    assert "ใช่ เบอร์นี้" in texts and "เปลี่ยนเบอร์" in texts and "ยกเลิก" in texts
    # The confirm stands for the claim choice too: it names the service, others a touch away.
    assert "บริการ: ตรวจรักษาทั่วไป" in texts and "บริการอื่น" in texts
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
    assert events[:9] == [
        "ClaimTypeChosen:PG0060001",
        "OtherServicesRequested",
        "CancelTouched",
        "ClaimTypeChosen:PG0140001",
        "OtherServicesClosed",
        "MobileConfirmed",
        "OtherServicesRequested",
        "MobileEditRequested",
        "PatientActive",
    ]
    # every keypad digit restarts the timer, and so does a touch on the countdown
    assert events.count("PatientActive") == 10 + 1
    assert "MobileEntered:0891112222" in events
    assert checks["keypad_display"] == "089-111-2222"
    assert events[-4:] == [
        "MobileEditCancelled",
        "PatientActive",
        "LanguageToggled",
        "StaffGesture",
    ]
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


# Golden pictures of every state the shipped panels show, in both languages (issue 20);
# how they are kept and compared: tests/pictures.py.
GOLDEN = ROOT / "tests" / "golden" / "kiosk"


def test_every_screen_matches_its_golden_picture(panel: dict[str, Any]) -> None:
    import os

    from tests.pictures import compare

    update = os.environ.get("UPDATE_GOLDEN") == "1"
    differing: dict[str, float] = {}
    for render in panel["renders"]:
        shot = Path(render["screenshot"])
        with Image.open(shot) as image:
            size = f"{image.width}x{image.height}"
        golden = GOLDEN / f"{size}-{render['name']}-{render['lang']}.png"
        share = compare(shot, golden, update=update)
        if share is not None:
            differing[golden.name] = share
    assert differing == {}, (
        f"screens differ from tests/golden/kiosk (look at var/test/screens): {differing}"
    )
