"""The headless demo's scripted check-in: every screen the flow passed through, pictured."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import last_json_line, run_offscreen

pytestmark = pytest.mark.ui

SCRIPT = """
import json, sys
from pathlib import Path
from common.config import load_settings
from kiosk.app import build_controller, configure_kivy
from kiosk.testing import FakeWorld
out, mobile, langs = Path(sys.argv[1]), sys.argv[2], tuple(sys.argv[3].split(","))
settings = load_settings(overrides={"data_dir": str(out / "data"), "kiosk.width": 800,
                                    "kiosk.height": 480})
configure_kivy(settings)
from kiosk.ui.scripted import scripted_checkin
world = FakeWorld()
world.clinic.add_person(world.card.identity, mobile=mobile or None)
controller = build_controller(settings, world.services())
run = scripted_checkin(settings, controller, insert=world.monitor.insert,
                       remove=world.monitor.remove, out_dir=out / "shots", languages=langs)
print(json.dumps({"steps": run.steps, "error": run.error,
                  "shots": [str(p) for p in run.screenshots],
                  "mobiles": [r.mobile for r in world.authen.requests],
                  "printed": [t.queue_label for t in world.printer.printed]}))
"""


def scripted(tmp_path: Path, mobile: str, langs: str) -> dict[str, object]:
    done = run_offscreen(["-c", SCRIPT, str(tmp_path), mobile, langs], tmp_path / "kivy")
    result: dict[str, object] = last_json_line(done)
    assert result["error"] is None, result
    return result


def test_returning_patient_one_touch(tmp_path: Path) -> None:
    result = scripted(tmp_path, "0899990000", "th,en")
    assert result["steps"] == [
        "idle",
        "reading_card",
        "card_read",
        "identified",
        "claim_type_chosen",
        "mobile_confirmed",
        "authenticated",
        "visit_opened",
        "done",
        "idle",
    ]
    shots = [Path(p) for p in result["shots"]]  # type: ignore[union-attr]
    assert len(shots) == 20 and all(p.exists() for p in shots)
    assert shots[0].name.startswith("00-idle-th") and shots[9].name.startswith("04-claim_type")
    assert result["mobiles"] == ["0899990000"] and result["printed"] == ["1"]


def test_new_number_typed_on_the_keypad(tmp_path: Path) -> None:
    result = scripted(tmp_path, "", "th")
    steps: list[str] = result["steps"]  # type: ignore[assignment]
    # Digits typed between two frames share one picture, so how many keypad pictures
    # there are depends on timing: at least the empty keypad and the typed number.
    collapsed = [s for i, s in enumerate(steps) if i == 0 or steps[i - 1] != s]
    assert collapsed[4:6] == ["claim_type_chosen", "mobile_confirmed"]
    assert steps.count("claim_type_chosen") >= 2
    assert steps[-2:] == ["done", "idle"]
    assert result["mobiles"] == ["0812345678"]


FAILING = """
import json, sys
from pathlib import Path
from common.config import load_settings
from common.errors import BilingualError
from kiosk.app import build_controller, configure_kivy
from kiosk.testing import FakeWorld
out, kind = Path(sys.argv[1]), sys.argv[2]
settings = load_settings(overrides={"data_dir": str(out / "data"), "kiosk.width": 800,
                                    "kiosk.height": 480})
configure_kivy(settings)
from kiosk.ui.scripted import scripted_checkin
class ReaderBroke(BilingualError):
    code = "card.reader_broke"
def insert():
    cid = "1909900123450"  # what an exception's text may carry
    raise ReaderBroke(cid) if kind == "bilingual" else ValueError(f"no person {cid}")
world = FakeWorld()
controller = build_controller(settings, world.services())
run = scripted_checkin(settings, controller, insert=insert, remove=world.monitor.remove,
                       out_dir=out / "shots", languages=("th",))
print(json.dumps({"error": run.error}))
"""


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("plain", "ValueError"), ("bilingual", "ReaderBroke [card.reader_broke]")],
)
def test_a_failing_script_reports_type_and_code_never_the_text(
    tmp_path: Path, kind: str, expected: str
) -> None:
    done = run_offscreen(["-c", FAILING, str(tmp_path), kind], tmp_path / "kivy")
    assert last_json_line(done) == {"error": expected}
