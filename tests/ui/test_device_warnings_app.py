"""The kiosk app itself warns before the card goes in: its device watcher asks the loopback
printer (out of paper) and NHSO (nothing listening), and the idle screen says what is
wrong and what still works, in Thai and English, until the paper is back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kiosk.i18n import MESSAGES
from tests.ui.conftest import last_json_line, run_offscreen

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "var" / "test" / "screens"
DRIVER = Path(__file__).with_name("device_warnings_driver.py")


def test_paper_out_and_nhso_down_on_the_idle_screen_of_the_running_app(tmp_path: Path) -> None:
    args = [str(DRIVER), str(tmp_path / "data"), str(SCREENS), "1024", "600"]
    seen = last_json_line(run_offscreen(args, tmp_path / "kivy"))
    assert "error" not in seen, seen
    for lang, index in (("th", 0), ("en", 1)):
        wanted = [MESSAGES["printer_paper_out"][index], MESSAGES["nhso_down"][index]]
        assert seen[lang] == "\n".join(wanted)
        assert seen[f"{lang}_font"] >= 40
    assert seen["after_refill"] == MESSAGES["nhso_down"][1]  # still in English
    assert seen["jobs"] == 0  # the printer was asked, never printed on
    assert seen["health"]["printer"]["status"] == "ok"  # after the refill
    assert seen["health"]["nhso"]["status"] == "down"
    for shot in seen["shots"]:
        with Image.open(shot) as image:
            assert image.size == (1024, 600)
