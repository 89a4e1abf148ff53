"""The ``/phr`` page on the real staff web app: today's sends and failures, in Thai."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from backoffice.app import ROUTES, create_app
from backoffice.phr import web as phr_web
from backoffice.testing import make_deps
from backoffice.web.deps import WebDeps
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState
from tests.signed_in import signed_in

pytestmark = pytest.mark.integration


@pytest.fixture
def box() -> Iterator[MophSandboxServer]:
    with MophSandboxServer(MophSandboxState("u1", "p1", "99901")) as server:
        yield server


@pytest.fixture
def day(jhcis_sqlite_url: str) -> dt.date:
    from sqlalchemy import create_engine

    engine = create_engine(jhcis_sqlite_url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT visitdate FROM visit GROUP BY visitdate ORDER BY COUNT(*) DESC LIMIT 1")
        ).scalar()
    engine.dispose()
    return dt.date.fromisoformat(str(found))


@pytest.fixture
def deps(
    jhcis_sqlite_url: str,
    tmp_path: Path,
    box: MophSandboxServer,
    day: dt.date,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[WebDeps]:
    for key, value in {
        "KIOSK_MOPH__PHR_BASE_URL": box.url, "KIOSK_MOPH__IC_BASE_URL": box.url,
        "KIOSK_SECRET_MOPH_USERNAME": "u1", "KIOSK_SECRET_MOPH_PASSWORD": "p1",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    built = make_deps(
        jhcis_sqlite_url, tmp_path / "web", clock=lambda: dt.datetime.combine(day, dt.time(15))
    )
    yield built
    built.clinic.dispose()


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/phr").text)
    assert found
    return found.group(1)


def test_page_lists_todays_sends_and_failures_in_thai(
    deps: WebDeps, box: MophSandboxServer, day: dt.date
) -> None:
    client = signed_in(deps, "t_staff")
    page = client.get("/phr")
    assert page.status_code == 200
    assert "ยังไม่มีการส่งในวันนี้" in page.text and "จะส่งในรอบถัดไป" in page.text
    box.state.faults.lose_answer, box.state.faults.paths = 1, ("UpdatePHRv1",)
    token = csrf(client)
    sent = client.post("/phr/send", data={"csrf_token": token, "date": day.isoformat()},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    html = client.get(f"/phr?date={day.isoformat()}").text
    ledger = html.split('id="ledger"')[1].split("</table>")[0]
    assert "ส่งสำเร็จ (PHR รับแล้ว)" in ledger
    assert "ไม่ทราบผล: ไม่ส่งซ้ำอัตโนมัติ" in ledger  # shown ...
    assert ledger.count('action="/phr/resend"') == 1  # ... with the on-purpose resend only
    assert re.search(r"\d+ [ก-ฮ.]+ 25\d\d \d\d:\d\d น\.", ledger)  # Buddhist-era time
    receipts = len(box.state.phr_state.snapshot()["receipts"])
    client.post("/phr/send", data={"csrf_token": token, "date": day.isoformat()})
    assert len(box.state.phr_state.snapshot()["receipts"]) == receipts  # not resent
    client.post("/phr/check", data={"csrf_token": token, "date": day.isoformat()})
    checked = client.get(f"/phr?date={day.isoformat()}").text.split('id="ledger"')[1]
    assert "ไม่ทราบผล" not in checked.split("</table>")[0]
    assert "ตรวจสอบกับ PHR เมื่อ" in checked


def test_roles_and_mounting(deps: WebDeps) -> None:
    assert signed_in(deps, "t_viewer").get("/phr").status_code == 403
    anonymous = TestClient(create_app(deps), base_url="http://testserver")
    assert anonymous.get("/phr", follow_redirects=False).status_code == 303
    mounted = {(spec.path, spec.method) for spec in ROUTES}
    assert {(p, m) for p, m, _ in phr_web.ROUTES} <= mounted
    assert 'href="/phr"' in signed_in(deps, "t_staff").get("/queue").text  # in the menu


def test_an_account_problem_is_shown_to_staff_in_thai(
    deps: WebDeps, day: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_SECRET_MOPH_PASSWORD", "wrong")
    client = signed_in(deps, "t_staff")
    answer = client.post("/phr/send", data={"csrf_token": csrf(client), "date": day.isoformat()})
    assert answer.status_code == 502 and "เข้าสู่ระบบ MOPH ไม่สำเร็จ" in answer.text
