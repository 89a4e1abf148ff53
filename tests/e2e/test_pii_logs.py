"""Issue 2.5: the full check-in, every logger at DEBUG, and not one personal value in the
output. The headless demo runs as its own process (Kivy, the UI, the card reader, the
clinic database, the NHSO sandbox and the printer all log into the same output)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiosk.wiring import demo_profile_path
from tests.e2e.conftest import run_headless_demo

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MOBILE = "0812345678"  # what the scripted patient types (kiosk.ui.scripted.DEMO_MOBILE)


def cid_patterns(cid: str) -> list[re.Pattern[str]]:
    """The CID in any format: plain, dashed 1-2345-67890-12-3, spaced, dotted."""
    groups = (cid[0], cid[1:5], cid[5:10], cid[10:12], cid[12])
    loose = r"[\s.\-]?".join(re.escape(d) for d in cid)
    return [re.compile(loose), re.compile(r"[\s.\-]".join(groups))]


def personal_values() -> tuple[str, list[str]]:
    profile = json.loads(demo_profile_path().read_text(encoding="utf-8"))
    names = [
        profile[k]
        for k in ("first_name_th", "last_name_th", "first_name_en", "last_name_en")
        if profile[k]
    ]
    return profile["cid"], names


def test_debug_logs_of_a_full_checkin_hold_no_personal_data(tmp_path: Path, vpcd_slot: int) -> None:
    assert vpcd_slot == 35963  # the demo's virtual card uses slot 0, held by this test
    out = tmp_path / "out"
    done = run_headless_demo(tmp_path, out, {"KIOSK_LOGGING__LEVEL": "DEBUG"})
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["completed"] and summary["claim_code"]
    # the capture really holds the check-in, at DEBUG, from many loggers
    assert " DEBUG " in output
    for logger in ("hardware.card", "integrations.jhcis", "integrations.nhso", "hardware.printer"):
        assert logger in output, logger

    cid, names = personal_values()
    last_names = names[1::2]
    # Logs: nothing at all. What the demo prints and writes for people to read: the
    # masked name the screens and tickets use (first name, last name's initial) only.
    texts = {
        "log output": (done.stderr, names),
        "printed summary": (done.stdout, last_names),
        "summary.json": ((out / "summary.json").read_text(encoding="utf-8"), last_names),
        "summary.txt": ((out / "summary.txt").read_text(encoding="utf-8"), last_names),
    }
    for where, (content, forbidden_names) in texts.items():
        for pattern in cid_patterns(cid):
            assert not pattern.search(content), f"citizen ID in {where}"
        for name in forbidden_names:
            assert name not in content, f"a name in {where}"
        assert MOBILE not in content and "081-234-5678" not in content, f"phone in {where}"
