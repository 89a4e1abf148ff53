"""`backoffice nhso read|authen|status|sandbox` against a real sandbox."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import httpx
import pytest

from backoffice.cli import main
from backoffice.nhso.agent import AgentClient
from backoffice.nhso.ratelimit import TokenBucket
from backoffice.nhso.sandbox import SANDBOX_HEADER, SandboxServer

from .people import BAD_CHECKSUM, DEMO, GENERAL, MOBILE, SSS

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_read_json_contract(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "nhso", "read", "--agent-url", sandbox.url, "--json")
    assert code == 0 and isinstance(out, dict)
    # The key list itself is pinned by tests/unit/nhso/test_models_contract.py.
    with AgentClient(sandbox.url, limiter=TokenBucket(100)) as agent:
        expected = agent.read().to_rights().cli_dict()
    assert list(out) == list(expected)
    assert {**out, "correlation_id": None} == {**expected, "correlation_id": None}
    assert out["cid"] == DEMO and out["birth_date"] == "1980-04-15"
    assert out["hosp_main"] == {"hcode": "10699", "hname": "รพ.สาธิตแม่ข่าย"}
    assert out["claim_types"][0] == {
        "code": GENERAL,
        "name": "เข้ารับบริการรักษาทั่วไป (OPD/ IPD/ PP)",
    }
    sandbox.insert_card("3100000000047")  # OFC: no hospital blocks, year-only birth date
    code, out = run(capsys, "nhso", "read", "--agent-url", sandbox.url, "--json")
    assert isinstance(out, dict)
    assert (out["hosp_main"], out["hosp_sub"], out["birth_date"]) == (None, None, None)


def test_read_failure_prints_the_error_and_exits_non_zero(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.remove_card()
    code, out = run(capsys, "nhso", "read", "--agent-url", sandbox.url, "--json")
    assert code != 0
    assert out == {
        "error_code": "nhso.no_card",
        "message_th": "กรุณาเสียบบัตรประชาชน",
        "message_en": "Please insert your ID card.",
    }


def test_authen_json_and_same_day_repeat(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["nhso", "authen", "--agent-url", sandbox.url, "--cid", DEMO]
    argv += ["--claim-type", GENERAL, "--mobile", MOBILE, "--hn", "12", "--json"]
    code, first = run(capsys, *argv)
    assert code == 0 and isinstance(first, dict)
    assert list(first) == ["claim_code", "claim_type", "created_at"]
    assert first["claim_type"] == GENERAL
    assert dt.datetime.fromisoformat(str(first["created_at"])).date() == dt.date.today()
    code, again = run(capsys, *argv)
    assert code == 0 and again == first
    assert len(sandbox.authens(DEMO)) == 1


def test_authen_refusal_without_json_goes_to_stderr(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["nhso", "authen", "--agent-url", sandbox.url, "--cid", BAD_CHECKSUM]
    code = main([*argv, "--claim-type", GENERAL, "--mobile", MOBILE])
    captured = capsys.readouterr()
    assert code != 0 and captured.out == ""
    assert "The citizen ID is not valid" in captured.err
    assert BAD_CHECKSUM not in captured.err


def test_status_lists_service_histories(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_NHSO__SANDBOX_PORT", str(sandbox.port))  # mode sandbox (default)
    code, issued = run(
        capsys, "nhso", "authen", "--cid", DEMO, "--claim-type", GENERAL, "--mobile", MOBILE,
        "--json",
    )  # fmt: skip
    assert code == 0 and isinstance(issued, dict)
    today = dt.date.today().isoformat()
    code, out = run(capsys, "nhso", "status", "--cid", DEMO, "--date", today, "--json")
    assert code == 0 and isinstance(out, list)
    (history,) = out
    assert history["claim_code"] == issued["claim_code"]
    assert history["service_code"] == GENERAL and history["hcode"] == "99999"
    code, out = run(capsys, "nhso", "status", "--cid", DEMO, "--date", "2020-01-01", "--json")
    assert code == 0 and out == []


def test_endpoint_mode_reads_rights_by_cid(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_NHSO__MODE", "endpoint")
    monkeypatch.setenv("KIOSK_NHSO__API_BASE_URL", sandbox.url)
    monkeypatch.setenv("KIOSK_SECRET_NHSO_TOKEN", "wrong-token")
    code, out = run(capsys, "nhso", "read", "--cid", SSS, "--json")
    assert code != 0 and isinstance(out, dict) and out["error_code"] == "nhso.token_invalid"
    monkeypatch.setenv("KIOSK_SECRET_NHSO_TOKEN", "sandbox-token")
    code, out = run(capsys, "nhso", "read", "--cid", SSS, "--json")
    assert code == 0 and isinstance(out, dict)
    assert out["main_inscl_code"] == "SSS" and out["correlation_id"] is None


def test_sandbox_command_serves_over_http() -> None:
    command = [sys.executable, "-m", "backoffice.cli", "nhso", "sandbox", "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--json", "--no-card", "--hcode", "12345"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("}"):
                break
        info = json.loads("".join(lines))
        assert info["sandbox"] is True and info["hcode"] == "12345"
        response = httpx.get(info["url"] + "/api/smartcard/terminals", timeout=5)
        assert response.headers[SANDBOX_HEADER] == "true"
        assert response.json() == [
            {"terminalName": "NHSO Sandbox Virtual Reader 0", "isPresent": False}
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
