"""The reminder pages on the real staff web app (sessions, roles, CSRF, templates)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from backoffice.app import create_app
from backoffice.reminders import web as reminders_web
from backoffice.reminders.ledger import ReminderLedger
from backoffice.testing import make_deps
from backoffice.web.deps import WebDeps
from integrations.jhcis.synth_cases import TODAY, seed_known_appointments
from tests.signed_in import signed_in

pytestmark = pytest.mark.integration


@pytest.fixture
def deps(jhcis_sqlite_url: str, tmp_path: Path) -> Iterator[WebDeps]:
    built = make_deps(
        jhcis_sqlite_url, tmp_path / "web", clock=lambda: dt.datetime.combine(TODAY, dt.time(10))
    )
    seed_known_appointments(built.clinic.engine)
    yield built
    built.clinic.dispose()


def test_page_lists_due_missed_and_warnings(deps: WebDeps) -> None:
    client = signed_in(deps, "t_staff")
    page = client.get("/reminders?date=2027-03-01&days=30")
    assert page.status_code == 200
    html = page.text
    due = html.split('id="due"')[1].split("</table>")[0]
    assert due.count("<tr>") == 1 + 5  # header + five due rows
    assert "วัคซีนบีซีจี" in due and "2 มี.ค. 2570" in due
    missed = html.split('id="missed"')[1].split("</table>")[0]
    assert missed.count("<tr>") == 1 + 2
    doubles = html.split('id="doubles"')[1].split("</table>")[0]
    assert "5 มี.ค. 2570, 19 มี.ค. 2570" in doubles
    early = html.split('id="early"')[1].split("</table>")[0]
    assert "15 ก.พ. 2570" in early
    assert client.get("/reminders?days=1000").status_code == 400


def test_pdf_download_and_roles(deps: WebDeps) -> None:
    client = signed_in(deps, "t_staff")
    pdf = client.get("/reminders/due.pdf?date=2027-03-01&days=30")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert client.get("/reminders/missed.pdf?date=2027-03-01").content.startswith(b"%PDF-")
    viewer = signed_in(deps, "t_viewer")
    assert viewer.get("/reminders").status_code == 403
    anonymous = TestClient(create_app(deps), base_url="http://testserver")
    assert anonymous.get("/reminders", follow_redirects=False).status_code == 303


def test_the_pages_are_mounted_in_the_web_app() -> None:
    from backoffice.app import ROUTES

    mounted = {(spec.path, spec.method) for spec in ROUTES}
    assert {(p, m) for p, m, _ in reminders_web.ROUTES} <= mounted


def test_log_and_release_with_csrf(deps: WebDeps) -> None:
    ledger = ReminderLedger(deps.clinic.engine)
    now = dt.datetime.combine(TODAY, dt.time(10))
    key = "epi:99901:900001:BCG:2027-03-02"
    assert ledger.claim(key, "sms", ("99901", 1), dt.date(2027, 3, 2), now)
    client = signed_in(deps, "t_staff")
    page = client.get("/reminders/log")
    assert key in page.text and "ไม่ทราบผล" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    refused = client.post(
        "/reminders/release", data={"key": key, "channel": "sms", "csrf_token": "x"}
    )
    assert refused.status_code == 403 and ledger.entries()
    done = client.post(
        "/reminders/release",
        data={"key": key, "channel": "sms", "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert [e.state for e in ledger.entries()] == ["released"]
    assert "อนุญาตให้ส่งใหม่แล้ว" in client.get("/reminders/log").text
