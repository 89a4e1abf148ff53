"""Close-right and MOPH Claim pages on the real staff web app, against both sandboxes."""

from __future__ import annotations

import re
import runpy
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, create_engine
from starlette.routing import Route
from starlette.testclient import TestClient

from backoffice.app import create_app
from backoffice.claims import web as claims_web
from backoffice.claims.sandbox_rollback import install_rollback
from backoffice.testing import TEST_ACCOUNTS, make_deps
from backoffice.web.deps import WebDeps
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState
from integrations.nhso.sandbox import SandboxServer

pytestmark = pytest.mark.integration

SEED = Path(__file__).resolve().parents[2] / "golden" / "exports" / "clinic_seed.py"
clinic_seed = SimpleNamespace(**runpy.run_path(str(SEED)))
RANGE = "date_from=2026-03-02&date_to=2026-03-02"


@pytest.fixture
def nhso() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    install_rollback(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moph() -> Iterator[MophSandboxServer]:
    with MophSandboxServer(MophSandboxState("u1", "p1", "99901")) as server:
        yield server


@pytest.fixture
def deps(
    tmp_path: Path, nhso: SandboxServer, moph: MophSandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WebDeps]:
    engine = create_engine(f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic_seed.seed_clinic(engine)
    engine.dispose()
    for key, value in {
        "KIOSK_MOPH__BASE_URL": moph.url, "KIOSK_MOPH__IC_BASE_URL": moph.url,
        "KIOSK_SECRET_MOPH_USERNAME": "u1", "KIOSK_SECRET_MOPH_PASSWORD": "p1",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    built = make_deps(
        f"sqlite:///{tmp_path / 'clinic.sqlite'}", tmp_path / "web", nhso_url=nhso.url
    )
    yield built
    built.clinic.dispose()


def signed_in(deps: WebDeps) -> TestClient:
    app = create_app(deps)
    for path, method, endpoint in claims_web.ROUTES:
        app.router.routes.insert(0, Route(path, endpoint, methods=[method]))
    client = TestClient(app, base_url="http://testserver")
    token = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post(
        "/login",
        data={"username": "t_staff", "password": TEST_ACCOUNTS["t_staff"][0],
              "login_token": token.group(1)},
    )  # fmt: skip
    return client


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def finished(client: TestClient, url: str) -> str:
    for _ in range(100):
        page: str = client.get(url).text
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def statuses(page: str) -> list[str]:
    return re.findall(r'<tr data-status="([^"]+)"', page.split('id="outcomes"')[1])


def test_close_right_page_send_cancel_rollback(deps: WebDeps, nhso: SandboxServer) -> None:
    client = signed_in(deps)
    page = client.get(f"/claims/close-right?{RANGE}").text
    assert len(re.findall(r'name="visit" value="(\d+)"', page)) == 6
    assert "missing_cid" in page and "zero_amount" in page
    reply = client.post(
        "/claims/close-right/send",
        data={"csrf_token": csrf(page), "date_from": "2026-03-02", "date_to": "2026-03-02",
              "visit": ["109"]},
        follow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 303
    done = finished(client, reply.headers["location"])
    assert statuses(done) == ["closed"], re.sub(r"\s+", " ", done)[-1500:]
    assert [c.transaction_id for c in nhso.state.claims] == ["99901109"]
    page = client.get(f"/claims/close-right?{RANGE}").text
    assert "/claims/close-right/109/cancel" in page
    client.post("/claims/close-right/109/cancel", data={"csrf_token": csrf(page)})
    assert nhso.state.claims[0].cancelled
    page = client.get(f"/claims/close-right?{RANGE}").text
    client.post("/claims/close-right/109/rollback", data={"csrf_token": csrf(page)})
    assert not nhso.state.claims[0].cancelled


def test_moph_page_send_and_monitor(deps: WebDeps, moph: MophSandboxServer) -> None:
    client = signed_in(deps)
    page = client.get(f"/claims/moph?{RANGE}").text
    assert "vaccine_no_lot" in page and "right_not_sent" in page  # 109: LGO, UC only
    reply = client.post(
        "/claims/moph/send",
        data={"csrf_token": csrf(page), "date_from": "2026-03-02", "date_to": "2026-03-02"},
        follow_redirects=False,
    )  # fmt: skip
    job_url = reply.headers["location"]
    assert statuses(finished(client, job_url)) == ["sent", "sent"]
    assert len(moph.state.submissions) == 2
    results = client.get(f"{job_url}/results.csv")
    assert results.headers["content-type"].startswith("text/csv")
    lines = results.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["error_code", "kind", "message_en"]
    assert sum(",sent," in line for line in lines[1:]) == 2
    page = client.get(f"/claims/moph?{RANGE}").text
    reply = client.post(
        "/claims/moph/status", data={"csrf_token": csrf(page)}, follow_redirects=False
    )
    assert statuses(finished(client, reply.headers["location"])) == ["WAITING", "WAITING"]


def test_moph_page_lists_cautions(
    deps: WebDeps, add_vaccinations: Callable[[Engine], None]
) -> None:
    add_vaccinations(deps.clinic.engine)
    page = signed_in(deps).get(f"/claims/moph?{RANGE}").text
    cautions = page.split('<table id="cautions">')[1].split("</table>")[0]
    assert "vaccine_no_expiry" in cautions  # visit 110's OPV1
    assert "วัคซีนไม่มีวันหมดอายุ" in cautions  # in the page's language, Thai
