"""The idle screen says, in Thai and English, that the reader is not connected; and
stops saying it when the reader is back (Kivy offscreen, in its own process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.i18n import MESSAGES
from tests.ui.conftest import last_json_line, run_offscreen

pytestmark = pytest.mark.ui

SCRIPT = """
import json, sys
from dataclasses import replace
from common.config import load_settings
from kiosk import flow as f
from kiosk.app import configure_kivy
settings = load_settings(overrides={"kiosk.width": 800, "kiosk.height": 480})
configure_kivy(settings)
from kiosk.ui.fonts import register_thai_font
from kiosk.ui.root import KioskRoot
from kiosk.ui.screens import UiContext
register_thai_font(settings.kiosk.font_path)
notes = [("reader_missing",)]
root = KioskRoot(UiContext(post=lambda e: None, submit_pin=lambda p: None,
                           device_notes=lambda: notes[-1]), "clinic")
idle = f.FlowState(language="th")
shown = []
for lang, current in (("th", ("reader_missing",)), ("en", ("reader_missing",)), ("th", ())):
    notes.append(current)
    root.render(replace(idle, language=lang))
    shown.append(root.screens[f.Step.IDLE].devices.text)
print(json.dumps(shown, ensure_ascii=False))
"""


def test_reader_not_connected_note_comes_and_goes(tmp_path: Path) -> None:
    done = run_offscreen(["-c", SCRIPT], tmp_path / "kivy")
    thai, english, after = last_json_line(done)
    assert thai == MESSAGES["reader_missing"][0] and "เครื่องอ่านบัตร" in thai
    assert english == MESSAGES["reader_missing"][1] and "not connected" in english
    assert after == ""
