"""A send killed half-way and run again sends nothing twice; unknown outcomes wait for a person.

The kill is a real one: `backoffice ndp send` runs in its own process against the
sandbox over HTTP, one visit per request, and is killed (SIGKILL) while its second
request hangs in the sandbox.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from backoffice.claims.ndp_tables import kiosk_ndp_claim, kiosk_ndp_request
from backoffice.ndp.ledger import IN_PROGRESS_S
from backoffice.ndp.sender import NdpSender
from integrations.nhso.sandbox import SandboxServer

from .conftest import CLOSABLE, HCODE, claims, close_rights, export, ndp_client, uploaded_seqs

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def _config(tmp_path: Path, engine: Engine, sandbox: SandboxServer) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        "\n".join(
            [
                f'data_dir = "{tmp_path / "data"}"',
                f'secrets_file = "{tmp_path / "secrets.toml"}"',
                "[clinic]",
                f'hcode = "{HCODE}"',
                "[database]",
                f'url = "{engine.url.render_as_string(hide_password=False)}"',
                "[nhso]",
                'mode = "sandbox"',
                f'api_base_url = "{sandbox.url}"',
                "[ndp]",
                "chunk_visits = 1",
                "timeout_s = 30",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return config


def _wait_for(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_send_killed_half_way_and_run_again_sends_nothing_twice(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, CLOSABLE)
    batch = export(engine, tmp_path / "out")
    # The second request hangs in the sandbox (before it takes anything) until killed.
    sandbox.set_faults(timeout=True, paths=("submit-13-files",), skip=1, count=1, hang_s=60)
    config = str(_config(tmp_path, engine, sandbox))
    command = [sys.executable, "-m", "backoffice.cli", "--config", config, "ndp", "send",
               str(batch.folder), "--json"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sender = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        # The hanging request has taken the fault (it is spent): the sender waits on it.
        _wait_for(
            lambda: (
                (sandbox.ndp.submit_requests == 1 and not sandbox.faults.get().active)
                or sender.poll() is not None
            )
        )
        time.sleep(0.2)  # it is in the sandbox's hands, not only on its way
        assert sender.poll() is None, sender.communicate()
        sender.kill()
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    sandbox.clear_faults()
    rows = claims(engine)
    assert rows[101]["status"] == "sent" and rows[104]["status"] == "sending"
    assert rows[105]["status"] == rows[109]["status"] == "exported"
    assert uploaded_seqs(sandbox) == ["101"]

    # Run again at once: 101 is sent, 104 may still be on its way: neither goes.
    client = ndp_client(sandbox)
    again = NdpSender(engine, client, hcode=HCODE, chunk=1).send(batch.folder)
    assert sorted(again.sent_seqs) == ["105", "109"]
    assert sorted((s["seq"], s["reason"]) for s in again.skipped) == [
        ("101", "sent"), ("104", "in_progress"),
    ]  # fmt: skip
    assert sorted(uploaded_seqs(sandbox)) == ["101", "105", "109"]

    # Long after the kill, 104's outcome is unknown: only an explicit resend sends it.
    old = dt.datetime.now() - dt.timedelta(seconds=IN_PROGRESS_S + 60)
    with engine.begin() as conn:
        conn.execute(update(kiosk_ndp_claim).where(kiosk_ndp_claim.c.visitno == 104)
                     .values(updated_at=old.replace(microsecond=0)))  # fmt: skip
    blocked = NdpSender(engine, client, hcode=HCODE).send(batch.folder)
    assert blocked.requests == []
    assert ("104", "outcome_unknown") in [(s["seq"], s["reason"]) for s in blocked.skipped]
    resent = NdpSender(engine, client, hcode=HCODE).send(batch.folder, resend=True)
    assert resent.sent_seqs == ["104"]
    assert sorted(uploaded_seqs(sandbox)) == ["101", "104", "105", "109"]  # each once
    client.close()


@pytest.mark.parametrize(
    ("faults", "status"),
    [
        ({"lose_answer": True, "hang_s": 3}, "unknown"),  # NDP took it, the answer is lost
        ({"garble_answer": True}, "unknown"),  # took it, the answer unreadable
        ({"server_error": True}, "unknown"),  # a 5xx: may have taken it
        ({"client_error": 400}, "failed"),  # refused at the door: may go again
    ],
)
def test_each_outcome_is_recorded_and_only_a_failure_goes_again_by_itself(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path, faults: dict[str, object], status: str
) -> None:
    close_rights(engine, sandbox, [109])
    batch = export(engine, tmp_path / "out")
    client = ndp_client(sandbox, timeout_s=1.0)
    sandbox.set_faults(paths=("submit-13-files",), count=1, **faults)
    first = NdpSender(engine, client, hcode=HCODE).send(batch.folder)
    assert [r.status for r in first.requests] == [status]
    assert claims(engine)[109]["status"] == status
    with engine.connect() as conn:
        assert [r.status for r in conn.execute(kiosk_ndp_request.select())] == [status]
    taken_before = len(uploaded_seqs(sandbox))
    second = NdpSender(engine, client, hcode=HCODE).send(batch.folder)
    if status == "failed":
        assert second.sent_seqs == ["109"]
    else:
        assert second.requests == [] and second.skipped == [
            {"seq": "109", "reason": "outcome_unknown"}
        ]
        assert len(uploaded_seqs(sandbox)) == taken_before
    client.close()


def test_the_cli_speaks_json_and_warns_the_submit_call_is_not_public(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, [101, 109])
    config = str(_config(tmp_path, engine, sandbox))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "backoffice.cli", "--config", config, "ndp", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    help_text = run("send", "--help").stdout
    assert "NOT PUBLIC" in help_text
    exported = run("export", "--from", "2026-03-02", "--to", "2026-03-02", "--json")
    assert exported.returncode == 0, exported.stderr
    batch = json.loads(exported.stdout)
    assert batch["visits"] == 2 and batch["files"]["04_OPD.txt"] == 2
    checked = run("check", batch["folder"], "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["kind"] == "ndp"
    sent = run("send", batch["folder"], "--json")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["sandbox"] is True
    status = json.loads(run("status", "--json").stdout)
    assert {u["code"] for u in status["updated"]} == {"1100"}
    listed = json.loads(run("claims", "--json").stdout)["claims"]
    assert {c["nhso_message"] for c in listed} == {"รอส่งเบิก"}
    for result in (exported, sent):
        assert "1990000000019" not in result.stdout + result.stderr  # no citizen ID
