"""The backoffice's kiosk health page shows the update agent's file: the slot in use and
the last update's outcome (kiosk/updates/status.py writes it; issue 24)."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from backoffice.web.deps import WebDeps
from kiosk.health import HealthRecorder
from kiosk.updates.status import write_outcome, write_running

from .conftest import NOW

ClientFor = Callable[[str | None], TestClient]


def test_health_page_shows_slot_and_last_update(deps: WebDeps, client_for: ClientFor) -> None:
    HealthRecorder(deps.settings.data_dir / "kiosk-health.json", clock=lambda: NOW).flush()
    client = client_for("t_viewer")
    assert 'id="kiosk-slot"' not in client.get("/health").text  # no agent, no rows
    status = deps.settings.data_dir / "update-status.json"
    write_running(status, "0.1.0", "A")
    write_outcome(status, "failure", "0.1.5", "rolled back: slot B (0.1.5) was tried\nmore")
    page = client.get("/health").text
    assert 'id="kiosk-slot">A<' in page
    last = re.search(r'id="kiosk-last-update">(.*?)</dd>', page, re.S)
    assert last is not None
    assert "0.1.5: ไม่สำเร็จ ย้อนกลับรุ่นเดิมแล้ว" in last.group(1)
    assert "rolled back: slot B (0.1.5) was tried" in last.group(1) and "more" not in last.group(1)
    write_outcome(status, "success", "0.2.0", "0.2.0 runs from slot B, marked good")
    english = client_for("t_viewer")
    english.cookies.set("kb_lang", "en")
    page_en = english.get("/health").text
    assert "0.2.0: succeeded" in page_en and "marked good" not in page_en
