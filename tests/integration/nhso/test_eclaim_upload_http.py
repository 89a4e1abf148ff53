"""e-Claim API upload against the NHSO sandbox over real HTTP: auth, send, 401 renewal,
5xx, lost answers, duplicates refused, resend, the size limit, TLS, the CLI, MariaDB."""

from __future__ import annotations

import base64
import json
import logging
import runpy
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select

from backoffice.exports.eclaim_ledger import EclaimUploader, UploadReport, kiosk_eclaim_upload
from common.logs import redact
from integrations.nhso import eclaim_upload
from integrations.nhso.eclaim_errors import EclaimLoginFailed, EclaimTooLarge
from integrations.nhso.eclaim_upload import (
    EclaimApiClient,
    read_batch,
    request_body,
    split_by_right,
)
from integrations.nhso.errors import NhsoUnavailable
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import (
    DEFAULT_ECLAIM_PASSWORD,
    DEFAULT_ECLAIM_USERNAME,
    EclaimSandbox,
    SandboxServer,
)

from .conftest import CLIENT_TIMEOUT_S, HANG_S
from .test_tls_and_logs import ca_and_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "exports" / "eclaim"
SEED = Path(__file__).resolve().parents[2] / "golden" / "exports" / "clinic_seed.py"
HCODE = "99901"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    db = create_engine(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield db
    db.dispose()


def api(sandbox: SandboxServer) -> str:
    return f"{sandbox.url}/FMU/ecimp/v1/"


def client_for(
    sandbox: SandboxServer, *, password: str = DEFAULT_ECLAIM_PASSWORD, **kw: Any
) -> EclaimApiClient:
    options = {"timeout_s": CLIENT_TIMEOUT_S, **kw}
    return EclaimApiClient(
        api(sandbox), username=DEFAULT_ECLAIM_USERNAME, password=password, hcode=HCODE,
        limiter=TokenBucket(1000), **options,
    )  # fmt: skip


def upload(
    engine: Engine, sandbox: SandboxServer, *, resend: bool = False, **kw: Any
) -> UploadReport:
    with client_for(sandbox, **kw) as client:
        return EclaimUploader(engine, client).upload(GOLDEN, encoding="cp874", resend=resend)


def codes(report: UploadReport) -> list[tuple[str, str, str | None]]:
    return [(p.maininscl, p.status, p.error.code if p.error else None) for p in report.parts]


def statuses(engine: Engine) -> list[tuple[str, int, str]]:
    table = kiosk_eclaim_upload
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.id)).mappings()
        return [(r["maininscl"], r["attempts"], r["status"]) for r in rows]


def test_a_batch_goes_up_once_per_right_and_the_sandbox_read_every_file(
    engine: Engine, sandbox: SandboxServer
) -> None:
    report = upload(engine, sandbox)
    assert report.ok and report.sandbox
    assert codes(report) == [("LGO", "sent", None), ("UCS", "sent", None)]
    state = sandbox.eclaim.snapshot()
    assert state["auth_requests"] == 1 and state["send_requests"] == 2
    ucs = state["uploads"][1]
    assert ucs["maininscl"] == "UCS" and ucs["hcode"] == HCODE
    assert ucs["encoding"] == "windows-874" and ucs["user_agent"] == "JHCIS-Kiosk/0.1 99901"
    assert ucs["visits"] == 3 and ucs["rows"]["pat"] == 3 and ucs["rows"]["ins"] == 3
    golden_rows = len(read_batch(GOLDEN)["ODX"].splitlines()) - 1
    assert sum(u["rows"]["odx"] for u in state["uploads"]) == golden_rows
    # The same content again: refused by our ledger, NHSO never asked.
    again = upload(engine, sandbox)
    assert [c[2] for c in codes(again)] == ["nhso.eclaim.already_sent"] * 2
    state = sandbox.eclaim.snapshot()
    assert state["send_requests"] == 2 and state["auth_requests"] == 1  # not even a sign-in


def test_an_expired_token_is_renewed_once(engine: Engine, sandbox: SandboxServer) -> None:
    with client_for(sandbox) as client:
        uploader = EclaimUploader(engine, client)
        client.token()
        httpx.post(f"{sandbox.url}/_sandbox/eclaim", json={"expire_tokens": True})
        assert uploader.upload(GOLDEN, encoding="cp874").ok
        assert client.token_fetches == 2
    state = sandbox.eclaim.snapshot()
    assert state["auth_requests"] == 2 and state["send_requests"] == 3  # one 401, two sent


def test_a_token_refused_even_when_fresh_stops_and_may_go_again_later(
    engine: Engine, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(token_invalid=True, paths=["ecimp/v1/send"])
    report = upload(engine, sandbox)
    assert {c[2] for c in codes(report)} == {"nhso.eclaim.login_failed"}
    assert statuses(engine) == [("LGO", 1, "failed"), ("UCS", 1, "failed")]
    sandbox.clear_faults()
    assert upload(engine, sandbox).ok  # refused at the door: nothing there to duplicate
    assert sandbox.eclaim.snapshot()["auth_requests"] == 3 + 1


def test_a_wrong_password_writes_no_row(engine: Engine, sandbox: SandboxServer) -> None:
    with pytest.raises(EclaimLoginFailed):
        upload(engine, sandbox, password="wrong")
    assert statuses(engine) == [] and sandbox.eclaim.snapshot()["send_requests"] == 0


def test_a_server_error_is_an_unknown_outcome_that_only_resend_overrides(
    engine: Engine, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(server_error=True, paths=["ecimp/v1/send"], count=1)
    first = upload(engine, sandbox)
    assert codes(first) == [("LGO", "unknown", "nhso.unavailable"), ("UCS", "sent", None)]
    again = upload(engine, sandbox)
    assert codes(again)[0] == ("LGO", "refused", "nhso.eclaim.outcome_unknown")
    resent = upload(engine, sandbox, resend=True)
    # --resend sends the unknown part; the part NHSO acknowledged never goes again.
    assert codes(resent) == [("LGO", "sent", None), ("UCS", "refused", "nhso.eclaim.already_sent")]
    assert resent.parts[0].import_dup
    uploads = sandbox.eclaim.snapshot()["uploads"]
    assert [(u["maininscl"], u["import_dup"], u["replaced"]) for u in uploads] == [
        ("UCS", False, 0),
        ("LGO", True, 0),
    ]


def test_a_lost_answer_is_unknown_and_nhso_refuses_the_blind_second_copy(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.set_faults(lose_answer=True, hang_s=HANG_S, paths=["ecimp/v1/send"], count=1)
    first = upload(engine, sandbox)
    assert codes(first)[0][1:] == ("unknown", "nhso.timeout")
    assert len(sandbox.eclaim.snapshot()["uploads"]) == 2  # NHSO did take it
    # Another machine (its own ledger) sending the same visits: NHSO's duplicate answer.
    elsewhere = create_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    other = upload(elsewhere, sandbox)
    assert {c[1:] for c in codes(other)} == {("duplicate", "nhso.eclaim.duplicate")}
    assert [s[2] for s in statuses(elsewhere)] == ["duplicate", "duplicate"]
    assert {c[2] for c in codes(upload(elsewhere, sandbox))} == {"nhso.eclaim.already_sent"}
    assert upload(elsewhere, sandbox, resend=True).ok
    elsewhere.dispose()


@pytest.mark.parametrize("fault", ["garble_answer", "malformed"])
def test_a_2xx_we_cannot_read_is_unknown_and_never_sent_again_on_its_own(
    engine: Engine, sandbox: SandboxServer, fault: str
) -> None:
    # garble_answer: NHSO imported the files, then the answer came back as HTML with a 200;
    # malformed: the same answer from a gateway that never passed the request on. From
    # here the two cannot be told apart, so both must be "unknown".
    sandbox.set_faults(**{fault: True}, paths=["ecimp/v1/send"], count=1)
    first = upload(engine, sandbox)
    assert codes(first) == [("LGO", "unknown", "nhso.malformed_response"), ("UCS", "sent", None)]
    state = sandbox.eclaim.snapshot()
    imported = [u["maininscl"] for u in state["uploads"]]
    assert imported == (["LGO", "UCS"] if fault == "garble_answer" else ["UCS"])
    served = sandbox.sandbox.served
    again = upload(engine, sandbox)
    assert codes(again) == [
        ("LGO", "refused", "nhso.eclaim.outcome_unknown"),
        ("UCS", "refused", "nhso.eclaim.already_sent"),
    ]
    assert sandbox.sandbox.served == served  # not even a sign-in
    assert statuses(engine) == [("LGO", 1, "unknown"), ("UCS", 1, "sent")]


def test_the_duplicate_switch_and_slow_answers(engine: Engine, sandbox: SandboxServer) -> None:
    sandbox.set_faults(duplicate=True, paths=["ecimp/v1/send"], count=1)
    assert codes(upload(engine, sandbox))[0] == ("LGO", "duplicate", "nhso.eclaim.duplicate")
    sandbox.set_faults(latency_s=CLIENT_TIMEOUT_S * 3, paths=["ecimp/v1/send"])
    slow = upload(engine, sandbox, resend=True)
    assert codes(slow) == [
        ("LGO", "unknown", "nhso.timeout"),
        ("UCS", "refused", "nhso.eclaim.already_sent"),
    ]


def test_the_size_limit_is_checked_before_sending_and_by_the_sandbox(
    engine: Engine, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eclaim_upload, "MAX_REQUEST_BYTES", 5000)
    with pytest.raises(EclaimTooLarge) as caught:
        upload(engine, sandbox)
    assert "UCS" in caught.value.en
    assert sandbox.eclaim.snapshot()["send_requests"] == 0 and statuses(engine) == []
    monkeypatch.undo()
    httpx.post(f"{sandbox.url}/_sandbox/eclaim", json={"max_bytes": 5000})
    report = upload(engine, sandbox)
    assert codes(report) == [("LGO", "sent", None), ("UCS", "failed", "nhso.eclaim.too_large")]


def valid_body() -> dict[str, Any]:
    part = split_by_right(read_batch(GOLDEN))[1]
    return request_body(part, encoding="cp874", import_dup=False)


def post_send(sandbox: SandboxServer, body: Any, agent: str = "JHCIS-Kiosk/0.1 99901") -> Any:
    token = httpx.post(
        f"{api(sandbox)}auth",
        json={"username": DEFAULT_ECLAIM_USERNAME, "password": DEFAULT_ECLAIM_PASSWORD},
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "User-Agent": agent}
    return httpx.post(f"{api(sandbox)}send", json=body, headers=headers)


def _recode(body: dict[str, Any], key: str, data: bytes) -> None:
    body["file"][key]["blob"] = base64.b64encode(data).decode()
    body["file"][key]["size"] = len(data)


def test_the_sandbox_checks_what_it_receives(sandbox: SandboxServer) -> None:
    assert post_send(sandbox, valid_body()).json() == {"status": 200, "message": "Successful"}
    cases: list[tuple[str, Any]] = []
    body = valid_body()
    del body["file"]["lab"]
    cases.append(("17 keys", body))
    body = valid_body()
    del body["assignToMe"]
    cases.append(("missing: assignToMe", body))
    body = valid_body()
    body["file"]["odx"]["blob"] = "not base64!"
    cases.append(("not valid base64", body))
    body = valid_body()
    body["file"]["odx"]["size"] += 1
    cases.append(("decoded length", body))
    body = valid_body()
    _recode(body, "opd", base64.b64decode(body["file"]["opd"]["blob"]).replace(b"|CLINIC|", b"|"))
    cases.append(("OPD.txt line 1: header", body))
    # The files are judged by the independent checker (integrations.claim_check): a
    # right outside e-Claim's coverage codes, a JHCIS local lab code
    body = valid_body()
    ins = base64.b64decode(body["file"]["ins"]["blob"])
    _recode(body, "ins", ins.replace(b"|UCS|", b"|WEL|", 1))
    cases.append(("INS.txt line 2 INSCL: code_list", body))
    body = valid_body()
    _recode(
        body, "lab", base64.b64decode(body["file"]["lab"]["blob"]).replace(b"|0531601|", b"|CH99|")
    )
    cases.append(("LABFU.txt line", body))
    body = valid_body()
    body["maininscl"] = "OFC"
    cases.append(("INSCL is not OFC", body))
    body = valid_body()
    body["file"]["pat"]["encoding"] = "UTF-8"  # windows-874 bytes are not UTF-8
    cases.append(("text is not UTF-8", body))
    for expected, bad in cases:
        answer = post_send(sandbox, bad)
        assert answer.status_code == 400, expected
        assert expected in answer.json()["message"], (expected, answer.json())
    # LF line ends: the checker's sources disagree (it warns), so the sandbox takes them
    body = valid_body()
    _recode(body, "odx", base64.b64decode(body["file"]["odx"]["blob"]).replace(b"\r\n", b"\n"))
    body["importDup"] = True  # the same visits again
    assert post_send(sandbox, body).status_code == 200
    answer = post_send(sandbox, valid_body(), agent="python-httpx/0.29")
    assert answer.status_code == 400 and "User-Agent" in answer.json()["message"]
    assert httpx.post(f"{api(sandbox)}send", json=valid_body()).status_code == 401


def test_tls_is_verified(
    engine: Engine,
    ca_and_server: tuple[Path, Any],  # noqa: F811 - the imported fixture
) -> None:
    ca, context = ca_and_server
    with SandboxServer(port=0, tls=context) as tls_sandbox:
        with pytest.raises(NhsoUnavailable, match="TLS certificate not trusted"):
            upload(engine, tls_sandbox)
        assert upload(engine, tls_sandbox, ca_bundle=str(ca)).ok


def test_the_ledger_on_mariadb(mariadb_databases: Any, sandbox: SandboxServer) -> None:
    db = create_engine(mariadb_databases.empty("tis620"))
    try:
        assert upload(db, sandbox).ok
        assert {c[2] for c in codes(upload(db, sandbox))} == {"nhso.eclaim.already_sent"}
        assert statuses(db) == [("LGO", 1, "sent"), ("UCS", 1, "sent")]
    finally:
        db.dispose()


# -- the command ------------------------------------------------------------------------


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Engine]:
    seed = SimpleNamespace(**runpy.run_path(str(SEED)))
    db = create_engine(f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    seed.seed_clinic(db)
    yield db
    db.dispose()


class Cli:
    """``backoffice export eclaim --upload-nhso`` for the seeded day; JSON parsed with --json."""

    def __init__(self, clinic: Engine, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.args = [
            "export", "eclaim", "--from", "2026-03-02", "--to", "2026-03-02", "--upload-nhso",
            "--db", str(clinic.url), "--out", str(out),
        ]  # fmt: skip
        self.capsys = capsys

    def __call__(self, *extra: str, config: Path | None = None) -> tuple[int, Any]:
        from backoffice.cli import main as backoffice_main

        code = backoffice_main([*(["--config", str(config)] if config else []), *self.args, *extra])
        out = self.capsys.readouterr().out
        return code, (json.loads(out) if "--json" in extra else out)


@pytest.fixture
def cli(
    clinic: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Cli:
    monkeypatch.setenv("KIOSK_SECRET_NHSO_ECLAIM_USERNAME", DEFAULT_ECLAIM_USERNAME)
    monkeypatch.setenv("KIOSK_SECRET_NHSO_ECLAIM_PASSWORD", DEFAULT_ECLAIM_PASSWORD)
    return Cli(clinic, tmp_path / "batches", capsys)


def test_the_command_uploads_refuses_a_second_time_and_resends(
    cli: Cli,
    clinic: Engine,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from backoffice.cli import main as backoffice_main

    def run(*extra: str) -> tuple[int, Any]:
        return cli("--nhso-eclaim-url", api(sandbox), *extra)

    code, out = run("--dry-run", "--json")
    assert code == 0 and out["nhso_upload"] == {"dry_run": True, "sent": False}
    assert sandbox.eclaim.snapshot()["send_requests"] == 0
    monkeypatch.delenv("KIOSK_SECRET_NHSO_ECLAIM_PASSWORD")
    code, out = run("--json")
    assert code == 1 and out["error_code"] == "nhso.eclaim.not_configured"
    monkeypatch.setenv("KIOSK_SECRET_NHSO_ECLAIM_PASSWORD", DEFAULT_ECLAIM_PASSWORD)
    # The first right's answer is a 503: NHSO may have it, so it is "unknown".
    sandbox.set_faults(server_error=True, paths=["ecimp/v1/send"], count=1)
    code, out = run("--json")
    parts = out["nhso_upload"]["parts"]
    assert code == 1 and sum(p["visits"] for p in parts) >= 1 and out["nhso_upload"]["sandbox"]
    assert [p["status"] for p in parts] == ["unknown"] + ["sent"] * (len(parts) - 1)
    code, out = run("--json")  # a new batch folder, the same content
    assert code == 1
    assert [p["error_code"] for p in out["nhso_upload"]["parts"]] == [
        "nhso.eclaim.outcome_unknown"
    ] + ["nhso.eclaim.already_sent"] * (len(parts) - 1)
    sends = sandbox.eclaim.snapshot()["send_requests"]
    code, out = run("--json", "--resend")  # staff checked e-Claim: the unknown right goes
    resent = out["nhso_upload"]["parts"]
    assert code == (0 if len(parts) == 1 else 1)
    assert resent[0]["status"] == "sent" and resent[0]["import_dup"]
    assert {p["error_code"] for p in resent[1:]} <= {"nhso.eclaim.already_sent"}
    assert sandbox.eclaim.snapshot()["send_requests"] == sends + 1
    code, out = run("--json", "--resend")  # everything acknowledged: nothing goes again
    assert code == 1
    assert {p["error_code"] for p in out["nhso_upload"]["parts"]} == {"nhso.eclaim.already_sent"}
    assert sandbox.eclaim.snapshot()["send_requests"] == sends + 1
    code, text = run()
    assert code == 1 and "ข้อมูลชุดนี้เคยส่งเข้า e-Claim แล้ว" in text
    assert "already sent" in text and "not even with --resend" in text
    assert backoffice_main(["export", "eclaim-uploads", "--db", str(clinic.url), "--json"]) == 0
    history = json.loads(capsys.readouterr().out)["uploads"]
    assert [(h["attempts"], h["status"], h["import_dup"]) for h in history][:1] == [
        (2, "sent", True)
    ]
    assert len(history) == len(parts) + 1
    assert backoffice_main(["export", "eclaim-uploads", "--db", str(clinic.url)]) == 0
    assert "attempt 2  sent  importDup" in capsys.readouterr().out


def test_the_same_visits_exported_for_fdh_are_not_sent_again(
    cli: Cli, sandbox: SandboxServer
) -> None:
    code, first = cli("--nhso-eclaim-url", api(sandbox), "--json")
    assert code == 0
    sends = sandbox.eclaim.snapshot()["send_requests"]
    code, fdh = cli("--nhso-eclaim-url", api(sandbox), "--json", "--fdh")  # UTF-8, same visits
    assert code == 1
    assert fdh["batch"].startswith("FDH_") and first["batch"].startswith("ECLAIM_")
    cp874, utf8 = (Path(out["folder"]) / "PAT.txt" for out in (first, fdh))
    assert cp874.read_bytes() != utf8.read_bytes()
    assert cp874.read_bytes().decode("cp874") == utf8.read_bytes().decode("utf-8")
    assert {p["error_code"] for p in fdh["nhso_upload"]["parts"]} == {"nhso.eclaim.already_sent"}
    assert [p["content_sha256"] for p in fdh["nhso_upload"]["parts"]] == [
        p["content_sha256"] for p in first["nhso_upload"]["parts"]
    ]
    assert sandbox.eclaim.snapshot()["send_requests"] == sends


def test_without_a_url_the_command_sends_to_the_sandbox_in_sandbox_mode(
    cli: Cli, sandbox: SandboxServer, tmp_path: Path
) -> None:
    from backoffice.testing import scratch_settings

    settings = scratch_settings(tmp_path / "unit", nhso_url=f"{sandbox.url}/nhsoendpoint/")
    assert settings.nhso.mode == "sandbox"
    code, out = cli("--json", config=tmp_path / "unit" / "config.toml")  # no --nhso-eclaim-url
    assert code == 0, out
    upload = out["nhso_upload"]
    assert upload["base_url"] == api(sandbox) and upload["sandbox"] and upload["ok"]
    assert sandbox.eclaim.snapshot()["send_requests"] == len(upload["parts"]) >= 1


def test_the_dcenter_login_and_token_never_reach_a_log(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    user, password = "1909900123450", "s3cret-DCenter-pw"  # user names are often CIDs
    with SandboxServer(port=0, eclaim=EclaimSandbox(username=user, password=password)) as box:
        box.set_faults(token_invalid=True, paths=["ecimp/v1/send"], count=1)
        caplog.set_level(logging.DEBUG)
        with EclaimApiClient(
            api(box), username=user, password=password, hcode=HCODE, limiter=TokenBucket(1000)
        ) as client:
            report = EclaimUploader(engine, client).upload(GOLDEN, encoding="cp874")
            token = client.token()
        assert report.ok and box.eclaim.snapshot()["auth_requests"] == 2
    assert "e-Claim upload" in caplog.text and "token refused" in caplog.text
    for secret in (user, password, token):
        assert secret not in caplog.text
        # ...and the log filter masks them should any other code print them.
        assert secret not in redact(f"login {user} {password} token {token}")
