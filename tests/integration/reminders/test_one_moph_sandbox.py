"""One sandbox command serves every MOPH endpoint: ``moph sandbox`` and ``reminders sandbox``.

Before issue 23 the reminders' sandbox answered หมอพร้อม only: MOPH Claim was a 404 there.
Each command is started as the demo starts it (a child process, port 0), and every MOPH
service is called on the one URL it prints.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrations.moph.client import password_hash
from kiosk.testing import synthetic_cid

pytestmark = pytest.mark.integration


def started(args: list[str], tmp: Path) -> Iterator[str]:
    env = {"PATH": os.environ.get("PATH", ""), "XDG_DATA_HOME": str(tmp)}
    command = [sys.executable, "-m", "backoffice.cli", *args, "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            found = re.search(r"MOPH sandbox: (http://127\.0\.0\.1:\d+)", line)
            if found:
                yield found.group(1)
                return
        raise AssertionError("the sandbox printed no URL")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(params=[["moph", "sandbox"], ["reminders", "sandbox"]], ids=["moph", "reminders"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from started(request.param, tmp_path)


def test_every_moph_service_answers_on_the_one_url(url: str) -> None:
    body = {"user": "demo", "password_hash": password_hash("demo"), "hospital_code": "99901"}
    token = httpx.post(f"{url}/token", params={"Action": "get_moph_access_token"}, json=body)
    assert token.status_code == 200
    auth = {"Authorization": f"Bearer {token.text}"}
    cid = synthetic_cid(42)
    claim = httpx.post(f"{url}/api/v1/opd/service-admissions/epi", headers=auth, json={})
    assert claim.status_code == 200 and claim.json()["status"] == "400"  # MOPH Claim is there
    target = httpx.get(f"{url}/api/ImmunizationTarget", params={"cid": cid}, headers=auth)
    assert target.json()["MessageCode"] == 200 and target.json()["result"]["vaccine_history"] == []
    summary = httpx.get(
        f"{url}/api/OrganizationSummary", headers=auth,
        params={"date": "2026-01-15", "data": "encounter_ref_code", "hospital_code": "99901"},
    )  # fmt: skip
    assert summary.json() == {"MessageCode": 200, "Message": "OK", "result": []}
    phr = httpx.post(f"{url}/api/UpdatePHRv1", headers=auth, json={})
    assert phr.json()["MessageCode"] == 400  # MOPH-PHR is there, and checks the payload
