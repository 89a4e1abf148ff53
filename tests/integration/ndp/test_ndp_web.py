"""The 13-file claims page on the real staff web app against the NHSO sandbox over HTTP:
export, send and status jobs, and NHSO's message shown in Thai."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from backoffice.testing import make_deps
from backoffice.web.deps import WebDeps
from integrations.nhso.sandbox import SandboxServer
from tests.integration.claims.test_claims_web import csrf, signed_in, statuses

from .conftest import clinic_seed, close_rights

pytestmark = pytest.mark.integration


@pytest.fixture
def deps(tmp_path: Path, sandbox: SandboxServer) -> Iterator[WebDeps]:
    engine = create_engine(f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic_seed.seed_clinic(engine)
    engine.dispose()
    built = make_deps(
        f"sqlite:///{tmp_path / 'clinic.sqlite'}", tmp_path / "web", nhso_url=sandbox.url
    )
    yield built
    built.clinic.dispose()


def run_job(client: TestClient, action: str, data: dict[str, str]) -> str:
    page = client.get("/claims/ndp?date_from=2026-03-02&date_to=2026-03-02").text
    reply = client.post(action, data={"csrf_token": csrf(page), **data}, follow_redirects=False)
    assert reply.status_code == 303, reply.text[-500:]
    for _ in range(200):
        done: str = client.get(reply.headers["location"]).text
        if 'http-equiv="refresh"' not in done:
            assert "error-box" not in done, re.sub(r"\s+", " ", done)[-1500:]
            return done
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_the_claims_page_exports_sends_and_shows_nhso_s_message_in_thai(
    deps: WebDeps, sandbox: SandboxServer
) -> None:
    close_rights(deps.clinic.engine, sandbox, [104, 109])
    client = signed_in(deps)
    closing = client.get("/claims/close-right?date_from=2026-03-02&date_to=2026-03-02").text
    assert 'href="/claims/ndp#visit-104"' in closing  # each closed visit links its claim
    page = client.get("/claims/ndp").text
    assert "ไม่มีเผยแพร่สาธารณะ" in page  # the submit endpoint is not public: said on the page
    assert "ปิดสิทธิแล้ว รอส่งออก 13 แฟ้ม" in page

    run_job(client, "/claims/ndp/export", {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    page = client.get("/claims/ndp").text
    batch = re.search(r'<option value="(NDP_[^"]+)"', page)
    assert batch, page[-2000:]
    sent = run_job(client, "/claims/ndp/send", {"batch": batch.group(1)})
    assert statuses(sent) == ["sent", "sent"]
    assert sorted(u for up in sandbox.ndp.uploads for u in up["seqs"]) == ["104", "109"]

    run_job(client, "/claims/ndp/status", {})
    refusal = {"code": "A52", "message": "ไม่พบการ Autentication ในระบบ",
               "solution": "ประสานงานเพื่อขออุทธรณ์ไปที่ สปสช.เขต", "allowClaim": "N"}  # fmt: skip
    sandbox.ndp.control({"answer": {"code": "6000", "seqs": ["104"], "results": [refusal]}})
    run_job(client, "/claims/ndp/status", {})
    page = client.get("/claims/ndp").text
    row = page.split('id="visit-104"')[1].split("</tr>")[0]
    assert "6000" in row and "ไม่อนุมัติจ่าย" in row  # NHSO's message, in Thai
    assert "ไม่พบการ Autentication ในระบบ" in row and "ส่งเบิกต่อไม่ได้" in row
    other = page.split('id="visit-109"')[1].split("</tr>")[0]
    assert "1103" in other and "ส่งเบิกแล้ว" in other  # one step further along its way
