"""`backoffice nhso read|authen|status|sandbox` against a real sandbox."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backoffice.cli import main
from integrations.nhso.agent import AgentClient
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import SANDBOX_HEADER, SandboxServer

from .people import BAD_CHECKSUM, DEMO, GENERAL, MOBILE, SSS

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def typed(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    """What a person (or a script's pipe) gives the prompts on stdin."""
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def private_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "person.txt"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


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
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    argv = ["nhso", "authen", "--agent-url", sandbox.url]
    argv += ["--claim-type", GENERAL, "--hn", "12", "--json"]
    typed(monkeypatch, DEMO, MOBILE)  # the prompts, answered on stdin
    code, first = run(capsys, *argv)
    assert code == 0 and isinstance(first, dict)
    assert list(first) == ["claim_code", "claim_type", "created_at"]
    assert first["claim_type"] == GENERAL
    assert dt.datetime.fromisoformat(str(first["created_at"])).date() == dt.date.today()
    person = private_file(tmp_path, f"# for a script\ncid = {DEMO}\nmobile={MOBILE}\n")
    code, again = run(capsys, *argv, "--from-file", str(person))
    assert code == 0 and again == first
    assert len(sandbox.authens(DEMO)) == 1


def test_authen_refusal_without_json_goes_to_stderr(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    typed(monkeypatch, BAD_CHECKSUM, MOBILE)
    code = main(["nhso", "authen", "--agent-url", sandbox.url, "--claim-type", GENERAL])
    captured = capsys.readouterr()
    assert code != 0 and captured.out == ""
    assert "The citizen ID is not valid" in captured.err
    assert BAD_CHECKSUM not in captured.err


def test_cid_and_mobile_in_argv_are_refused_unechoed(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for option, value in (("--cid", DEMO), ("--mobile", MOBILE)):
        argv = ["nhso", "authen", "--agent-url", sandbox.url, "--claim-type", GENERAL]
        code = main([*argv, option, value])
        captured = capsys.readouterr()
        assert code != 0 and "argv" in captured.err
        assert value not in captured.out + captured.err
    assert sandbox.authens(DEMO) == []


def test_a_person_file_others_can_read_is_refused(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    person = private_file(tmp_path, f"cid={DEMO}\nmobile={MOBILE}\n", mode=0o644)
    argv = ["nhso", "authen", "--agent-url", sandbox.url, "--claim-type", GENERAL]
    code = main([*argv, "--from-file", str(person)])
    captured = capsys.readouterr()
    assert code != 0 and "chmod 600" in captured.err
    assert DEMO not in captured.out + captured.err
    assert sandbox.authens(DEMO) == []
    person.chmod(0o600)
    person.write_text(f"cid={DEMO}\n", encoding="utf-8")  # no mobile
    code = main([*argv, "--from-file", str(person), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code != 0 and out["error_code"] == "nhso.rejected" and DEMO not in json.dumps(out)


def test_authen_over_a_pipe_keeps_the_cid_out_of_argv(sandbox: SandboxServer) -> None:
    command = [sys.executable, "-m", "backoffice.cli", "nhso", "authen", "--agent-url"]
    command += [sandbox.url, "--claim-type", GENERAL, "--json"]
    done = subprocess.run(
        command,
        input=f"{DEMO}\n{MOBILE}\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["claim_code"] == sandbox.authens(DEMO)[0].claim_code
    assert "Citizen ID" in done.stderr and DEMO not in done.stderr  # prompts, never values


def test_status_lists_service_histories(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_NHSO__SANDBOX_PORT", str(sandbox.port))  # mode sandbox (default)
    typed(monkeypatch, DEMO, MOBILE)
    code, issued = run(capsys, "nhso", "authen", "--claim-type", GENERAL, "--json")
    assert code == 0 and isinstance(issued, dict)
    today = dt.date.today().isoformat()
    typed(monkeypatch, DEMO)
    code, out = run(capsys, "nhso", "status", "--date", today, "--json")
    assert code == 0 and isinstance(out, list)
    (history,) = out
    assert history["claim_code"] == issued["claim_code"]
    assert history["service_code"] == GENERAL and history["hcode"] == "99999"
    typed(monkeypatch, DEMO)
    code, out = run(capsys, "nhso", "status", "--date", "2020-01-01", "--json")
    assert code == 0 and out == []


def test_endpoint_mode_reads_rights_by_cid(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_NHSO__MODE", "endpoint")
    monkeypatch.setenv("KIOSK_NHSO__API_BASE_URL", sandbox.url)
    monkeypatch.setenv("KIOSK_SECRET_NHSO_TOKEN", "wrong-token")
    typed(monkeypatch, SSS)
    code, out = run(capsys, "nhso", "read", "--by-cid", "--json")
    assert code != 0 and isinstance(out, dict) and out["error_code"] == "nhso.token_invalid"
    monkeypatch.setenv("KIOSK_SECRET_NHSO_TOKEN", "sandbox-token")
    typed(monkeypatch, SSS)
    code, out = run(capsys, "nhso", "read", "--by-cid", "--json")
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
