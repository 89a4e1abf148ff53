"""Lays every kiosk message out in the kiosk's own label widgets at one window size.

Run as a script in its own process (Kivy's window size is fixed at start):
SDL_VIDEODRIVER=offscreen, KIVY_NO_ARGS=1, KIVY_HOME in a temporary directory.
tests/ui/test_word_breaks.py starts it once per kiosk size and checks, in the report,
that no line Kivy drew ends inside a word.
"""

from __future__ import annotations

import argparse
import json
import os
import string
from pathlib import Path
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

FONT = "/usr/share/fonts/truetype/tlwg/Garuda.ttf"  # the kiosk's default font_path


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--report", type=Path, required=True)
    return parser.parse_args()


ARGS = parse()

from kivy.config import Config  # noqa: E402

Config.set("graphics", "width", str(ARGS.width))
Config.set("graphics", "height", str(ARGS.height))
Config.set("graphics", "resizable", "0")

from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402

from common.line_breaks import segments  # noqa: E402
from kiosk.i18n import MESSAGES  # noqa: E402
from kiosk.ui.fonts import register_thai_font  # noqa: E402
from kiosk.ui.widgets import (  # noqa: E402
    MIN_FONT,
    ROLES,
    BigButton,
    Scaled,
    Text,
    script_for,
)

# Realistic values for the messages' placeholders; any other gets a short number.
PLACEHOLDERS = {"queue": "L017", "pending": "12"}
# Text from outside the catalogue that the screens show as it comes.
EXTRA = {
    "clinic_name": ("รพ.สต. บ้านหนองบัวทอง ตำบลโนนสะอาด", "รพ.สต. บ้านหนองบัวทอง ตำบลโนนสะอาด"),
    "claim_type_name": (
        "ผู้ป่วยนอกทั่วไป (สิทธิหลักประกันสุขภาพแห่งชาติ)",
        "General outpatient (Universal Coverage)",
    ),
}


class Filled(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "12"


def fill(template: str) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format_map(Filled(PLACEHOLDERS)) if fields else template


def boxes(width: int, height: int) -> list[tuple[str, type[Scaled], str, float, float]]:
    """The label boxes the screens give text, from kiosk/ui/root.py and screens.py: a
    body padded 24 px under a header of 11% of the height, full width or split into a
    45% text column and a 55% touch column in landscape (stacked in portrait)."""
    body_w = width - 48
    body_h = height * 0.89 - 24
    landscape = width >= height
    column = body_w * 0.45 - 6 if landscape else body_w
    area = body_w * 0.55 - 6 if landscape else body_w
    return [
        ("headline", Text, "title", body_w, body_h * 0.25),
        ("sentence", Text, "body", body_w, body_h * 0.2),
        ("hint", Text, "hint", body_w, body_h * 0.12),
        ("column-title", Text, "title", column, body_h * 0.22),
        ("column-note", Text, "small", column, body_h * 0.1),
        ("button", BigButton, "button", area, body_h * 0.3),
    ]


def lay_out(
    kind: type[Scaled], role: str, width: float, height: float, text: str, lang: str
) -> dict[str, Any]:
    label: Any = kind(role=role, size_hint=(None, None), size=(width, height))
    label.text = text
    label.font_script_name = script_for(lang)
    label.max_font = max(MIN_FONT, min(ARGS.width, ARGS.height) * ROLES[role])
    label.fit()
    return drawn(label)


def drawn(label: Any) -> dict[str, Any]:
    """The lines Kivy laid the label's texture out in, and the words too wide for one."""
    text = label.text
    core = label._label
    lines = ["".join(word.text for word in line.words) for line in core._cached_lines]
    room = int(core.text_size[0])
    extents = core.get_cached_extents()
    too_wide = [s.strip() for s in segments(text) if extents(s.strip())[0] > room]
    return {
        "text": text,
        "lines": lines,
        "font_size": round(label.font_size),
        "room": room,
        "too_wide": too_wide,
    }


def resized() -> list[dict[str, Any]]:
    """A label made narrower lays its text out again through Kivy's own triggers (size ->
    fit, text_size and font_size -> texture), not only when fit() is called by hand."""
    width, height = boxes(ARGS.width, ARGS.height)[0][3:]
    out = []
    for key in ("idle_hint", "counter_hint", "counter_registration"):
        if key not in MESSAGES:
            continue
        label: Any = Text(role="body", size_hint=(None, None), size=(width, height))
        label.text = fill(MESSAGES[key][0])
        label.max_font = max(MIN_FONT, min(ARGS.width, ARGS.height) * ROLES["body"])
        label.fit()
        before = drawn(label)
        label.size = (width * 0.4, height)
        for _ in range(3):
            Clock.tick()
        out.append({"key": key, "before": before, "after": drawn(label)})
    return out


def main() -> None:
    report: dict[str, Any] = {"size": [ARGS.width, ARGS.height], "renders": []}
    report["font_registered"] = register_thai_font(FONT)
    report["window"] = list(Window.size)
    catalogue = {**MESSAGES, **EXTRA}
    for key, pair in catalogue.items():
        for lang, template in zip(("th", "en"), pair, strict=True):
            text = fill(template)
            for box, kind, role, width, height in boxes(ARGS.width, ARGS.height):
                render = lay_out(kind, role, width, height, text, lang)
                report["renders"].append({"key": key, "lang": lang, "box": box, **render})
    report["resized"] = resized()
    ARGS.report.write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
