"""MOPH Claim against the MOPH sandbox over real HTTP: token cache, expiry, 401, duplicates,
status monitoring, resending failures."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from backoffice.claims.moph import MophClaimService
from backoffice.claims.tables import kiosk_moph_claim
from backoffice.exports.source import ClaimSource
from integrations.moph.client import MophClaimClient, jwt_expiry, password_hash
from integrations.moph.errors import MophLoginFailed
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState
from integrations.nhso.ratelimit import TokenBucket
from tests.integration.seeded_clinic import seeded_clinic

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 3, 2)
USER, PASSWORD = "moph-user", "s3cret-pass"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from seeded_clinic(tmp_path)


@pytest.fixture
def sandbox() -> Iterator[MophSandboxServer]:
    with MophSandboxServer(MophSandboxState(USER, PASSWORD, "99901")) as server:
        yield server


def client_for(
    sandbox: MophSandboxServer, *, password: str = PASSWORD, **kw: object
) -> MophClaimClient:
    return MophClaimClient(
        token_base=sandbox.url, claim_base=sandbox.url, username=USER, password=password,
        hospital_code="99901", timeout_s=2, limiter=TokenBucket(1000), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def service_for(
    engine: Engine, client: MophClaimClient, rights: tuple[str, ...] = ("UCS", "WEL")
) -> MophClaimService:
    return MophClaimService(
        ClaimSource(engine), client, hcode="99901", hospital_name="รพ.สต.ทดสอบ", rights=rights
    )


def control(sandbox: MophSandboxServer, path: str, body: dict[str, object] | None = None) -> object:
    if body is None and path == "state":
        return httpx.get(f"{sandbox.url}/_sandbox/state").json()
    return httpx.post(f"{sandbox.url}/_sandbox/{path}", json=body or {}).json()


def ledger_rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(kiosk_moph_claim)).mappings()]


def test_password_hash_is_uppercase_hmac() -> None:
    # printf password | openssl dgst -sha256 -hmac '$jwt@moph#'
    assert password_hash("password") == (
        "A055B6DBB80A02C97EA5DFE2AB6AFD2C90DCA6769AEC92A5756D71EB4A3C6EC1"
    )


def test_plan_sends_dm_and_ht_separately_and_never_twice(
    engine: Engine, sandbox: MophSandboxServer
) -> None:
    with client_for(sandbox) as client:
        service = service_for(engine, client)
        plan = service.plan(DAY, DAY)
        assert sorted((e.bundle.visit.visitno, e.kind) for e in plan.eligible) == [
            (101, "dm"), (101, "ht"),
        ]  # fmt: skip
        refused = {(i.visitno, i.kind, i.code) for i in plan.ineligible}
        assert (109, "ht", "right_not_sent") in refused  # LGO: UC only by default
        assert (107, "epi", "vaccine_no_lot") in refused
        assert (108, "", "no_moph_service") in refused
        outcomes = service.submit(plan)
        assert [o.status for o in outcomes] == ["sent", "sent"]
        assert client.token_fetches == 1  # one token for both
        state = control(sandbox, "state")
        assert [s["kind"] for s in state["submissions"]] == ["dmht", "dmht"]  # type: ignore[index]
        body = state["submissions"][0]["body"]  # type: ignore[index]
        assert body["claim_services"] == [{"name": "HbA1C", "code": "32401", "lab_result": "6.8"}]
        rows = ledger_rows(engine)
        assert {r["transaction_uid"] for r in rows} == {o.transaction_uid for o in outcomes}
        again = service.plan(DAY, DAY)
        assert again.eligible == []
        assert sorted(status for _item, status in again.already) == ["sent", "sent"]
        # A stale plan sent twice: the ledger answers, MOPH is not asked.
        assert {o.status for o in service.submit(plan)} == {"already"}
        assert len(control(sandbox, "state")["submissions"]) == 2  # type: ignore[index]


def test_the_rights_sent_are_a_setting(engine: Engine, sandbox: MophSandboxServer) -> None:
    with client_for(sandbox) as client:
        with_lgo = service_for(engine, client, rights=("UCS", "WEL", "LGO")).plan(DAY, DAY)
        refused = {(i.visitno, i.kind, i.code) for i in with_lgo.ineligible}
        assert (109, "ht", "ht_no_lab") in refused  # its right passes, its labs do not
        ofc_only = service_for(engine, client, rights=("OFC",)).plan(DAY, DAY)
        assert ofc_only.eligible == []
        refused = {(i.visitno, i.kind, i.code) for i in ofc_only.ineligible}
        assert {(101, "dm", "right_not_sent"), (101, "ht", "right_not_sent")} <= refused
        reason = next(i for i in ofc_only.ineligible if i.code == "right_not_sent")
        assert "moph.rights" in reason.message_th and "moph.rights" in reason.message_en


def test_vaccine_claims_carry_the_vaccinator_expiry_and_dose(
    engine: Engine, sandbox: MophSandboxServer, add_vaccinations: Callable[[Engine], None]
) -> None:
    add_vaccinations(engine)
    with client_for(sandbox) as client:
        service = service_for(engine, client)
        plan = service.plan(DAY, DAY, kinds=["epi", "dt"])
        assert sorted((e.bundle.visit.visitno, e.kind) for e in plan.eligible) == [
            (110, "epi"), (111, "dt"),
        ]  # fmt: skip
        assert [(c.visitno, c.kind, c.code) for c in plan.cautions] == [
            (110, "epi", "vaccine_no_expiry"),  # OPV1 has none
        ]
        assert [o.status for o in service.submit(plan)] == ["sent", "sent"]
    bodies = {s.kind: s.body for s in sandbox.state.submissions}
    nurse = {"name": "พยาบาล ฉีดวัคซีน", "license_no": "4511000001"}
    fields = ("code", "lot_number", "dose_quantity", "manufacturer", "expiration_date",
              "name", "license_no")  # fmt: skip
    assert [{k: x[k] for k in fields} for x in bodies["epi"]["vaccine"]] == [
        {"code": "091", "lot_number": "L1", "dose_quantity": "1", "manufacturer": "GPO",
         "expiration_date": "2027-01-31", **nurse},
        {"code": "081", "lot_number": "L2", "dose_quantity": "1", "manufacturer": "",
         "expiration_date": "", **nurse},
    ]  # fmt: skip
    assert [{k: x[k] for k in fields} for x in bodies["dt"]["vaccine"]] == [
        {"code": "106", "lot_number": "L3", "dose_quantity": "2", "manufacturer": "",
         "expiration_date": "2027-06-30", **nurse},
    ]  # fmt: skip
    assert (bodies["epi"]["marriage"], bodies["dt"]["marriage"]) == ("1", "2")


def test_a_database_without_the_expiry_column_sends_it_empty_and_says_so(
    engine: Engine, sandbox: MophSandboxServer, add_vaccinations: Callable[[Engine], None]
) -> None:
    add_vaccinations(engine)
    with engine.begin() as conn:  # an older JHCIS (a test database: ours to change)
        conn.exec_driver_sql("ALTER TABLE visitepi DROP COLUMN datevacineexpire")
    with client_for(sandbox) as client:
        service = service_for(engine, client)
        plan = service.plan(DAY, DAY, kinds=["epi", "dt"])
        assert [(c.visitno, c.code) for c in plan.cautions] == [(0, "no_expiry_column")]
        assert "datevacineexpire" in plan.cautions[0].message_en
        service.submit(plan)
    sent = [x for s in sandbox.state.submissions for x in s.body["vaccine"]]
    assert [x["expiration_date"] for x in sent] == ["", "", ""]
    assert [x["lot_number"] for x in sent] == ["L1", "L2", "L3"]


def test_expired_token_is_renewed_once_on_401(engine: Engine, sandbox: MophSandboxServer) -> None:
    with client_for(sandbox) as client:
        service = service_for(engine, client)
        plan = service.plan(DAY, DAY)
        first = service.submit(type(plan)(eligible=plan.eligible[:1]))
        control(sandbox, "expire")
        second = service.submit(type(plan)(eligible=plan.eligible[1:]))
        assert [o.status for o in first + second] == ["sent", "sent"]
        assert client.token_fetches == 2
        assert sandbox.state.token_requests == 2


def test_token_is_renewed_before_it_expires(sandbox: MophSandboxServer) -> None:
    offset = [0.0]
    with client_for(sandbox, clock=lambda: time.time() + offset[0]) as client:
        token = client.token()
        expiry = jwt_expiry(token)
        assert expiry is not None and expiry > time.time() + 3600
        assert client.token() == token
        offset[0] = expiry - time.time() - 30  # inside the last minute
        assert client.token() != token
        assert client.token_fetches == 2


def test_wrong_password_stops_the_run(engine: Engine, sandbox: MophSandboxServer) -> None:
    with client_for(sandbox, password="wrong") as client:
        service = service_for(engine, client)
        outcomes = service.submit(service.plan(DAY, DAY))
        assert [(o.status, o.error_code) for o in outcomes] == [("failed", "moph.login_failed")]
        with pytest.raises(MophLoginFailed):
            client.token()
    assert control(sandbox, "state")["submissions"] == []  # type: ignore[index]


def test_duplicate_answer_is_recorded_not_retried(
    engine: Engine, sandbox: MophSandboxServer
) -> None:
    with client_for(sandbox) as client:
        service = service_for(engine, client)
        service.submit(service.plan(DAY, DAY, kinds=["dm"]))
        with engine.begin() as conn:  # our record lost: MOPH still knows
            conn.execute(kiosk_moph_claim.delete())
        outcomes = service.submit(service.plan(DAY, DAY, kinds=["dm"]))
        assert [(o.status, o.error_code) for o in outcomes] == [("duplicate", "moph.duplicate")]
        assert service.plan(DAY, DAY, kinds=["dm"]).eligible == []


def test_failures_are_resent_and_statuses_monitored(
    engine: Engine, sandbox: MophSandboxServer
) -> None:
    with client_for(sandbox) as client:
        service = service_for(engine, client)
        control(sandbox, "faults", {"server_error": True})
        failed = service.submit(service.plan(DAY, DAY))
        assert {(o.status, o.error_code) for o in failed} == {("failed", "moph.unavailable")}
        control(sandbox, "faults", {"server_error": False})
        resent = service.submit(service.plan(DAY, DAY, resend=True))
        assert [o.status for o in resent] == ["sent", "sent"]
        assert {r["attempts"] for r in ledger_rows(engine)} == {2}
        assert service.plan(DAY, DAY, resend=True).eligible == []
        uid = resent[0].transaction_uid
        control(sandbox, "status", {"transaction_uid": uid, "status": "APPROVED",
                                    "status_th": "อนุมัติ"})  # fmt: skip
        statuses = {
            o.transaction_uid: (o.status, o.moph_status_th) for o in service.refresh_statuses()
        }
        assert statuses[uid] == ("APPROVED", "อนุมัติ")
        assert statuses[resent[1].transaction_uid][0] == "WAITING"
        row = next(r for r in ledger_rows(engine) if r["transaction_uid"] == uid)
        assert (row["moph_status"], row["checked_at"] is not None) == ("APPROVED", True)


def test_dry_run_sends_nothing(engine: Engine, sandbox: MophSandboxServer) -> None:
    with client_for(sandbox) as client:
        service = service_for(engine, client)
        outcomes = service.submit(service.plan(DAY, DAY), dry_run=True)
        assert {o.status for o in outcomes} == {"dry_run"}
        assert client.token_fetches == 0
    assert ledger_rows(engine) == []


def test_command_line_send_and_monitor(
    engine: Engine,
    sandbox: MophSandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from backoffice.cli import main as backoffice_main

    monkeypatch.setenv("KIOSK_MOPH__BASE_URL", sandbox.url)
    monkeypatch.setenv("KIOSK_MOPH__IC_BASE_URL", sandbox.url)
    monkeypatch.setenv("KIOSK_SECRET_MOPH_USERNAME", USER)
    monkeypatch.setenv("KIOSK_SECRET_MOPH_PASSWORD", PASSWORD)
    db = ["--db", str(engine.url), "--json"]
    dates = ["--from", "2026-03-02", "--to", "2026-03-02"]
    assert backoffice_main(["claims", "moph", *dates, "--dry-run", *db]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert {o["status"] for o in dry["outcomes"]} == {"dry_run"}
    assert any(i["code"] == "vaccine_no_lot" for i in dry["ineligible"])
    refused_109 = {i["code"] for i in dry["ineligible"] if i["visitno"] == 109}
    assert refused_109 == {"right_not_sent"}  # LGO
    monkeypatch.setenv("KIOSK_MOPH__RIGHTS", '["UCS", "WEL", "LGO"]')
    assert backoffice_main(["claims", "moph", *dates, "--dry-run", *db]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert {i["code"] for i in dry["ineligible"] if i["visitno"] == 109} == {"ht_no_lab"}
    assert dry["cautions"] == []
    monkeypatch.delenv("KIOSK_MOPH__RIGHTS")
    assert backoffice_main(["claims", "moph", *dates, "--kind", "dm", *db]) == 0
    sent = json.loads(capsys.readouterr().out)["outcomes"]
    assert [(o["kind"], o["status"]) for o in sent] == [("dm", "sent")]
    assert backoffice_main(["claims", "moph-status", *db]) == 0
    statuses = json.loads(capsys.readouterr().out)["statuses"]
    assert [s["status"] for s in statuses] == ["WAITING"]
    monkeypatch.setenv("KIOSK_SECRET_MOPH_PASSWORD", "wrong")
    assert backoffice_main(["claims", "moph", *dates, "--kind", "ht", *db]) == 1
    failed = json.loads(capsys.readouterr().out)["outcomes"]
    assert failed[0]["error_code"] == "moph.login_failed"


def test_fdh_upload_of_an_export_batch(
    engine: Engine,
    sandbox: MophSandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    import json

    from backoffice.cli import main as backoffice_main

    monkeypatch.setenv("KIOSK_SECRET_MOPH_USERNAME", USER)
    monkeypatch.setenv("KIOSK_SECRET_MOPH_PASSWORD", PASSWORD)
    code = backoffice_main(
        ["export", "eclaim", "--from", "2026-03-02", "--to", "2026-03-02", "--out", str(tmp_path),
         "--upload-fdh", "--fdh-url", sandbox.url, "--db", str(engine.url), "--json"]
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["upload"]["status"] == "200"
    assert Path(out["folder"]).name.startswith("FDH_")  # UTF-8 files
    from integrations.claim_files import ECLAIM_FILES

    assert sorted(sandbox.state.uploads[0]) == sorted(f"{name}.txt" for name in ECLAIM_FILES)


def test_the_fdh_sandbox_judges_the_files_with_the_independent_checker(
    engine: Engine,
    sandbox: MophSandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A batch with a JHCIS local lab code (what the exporter wrote before issue 18) is
    refused, naming file, line, field and rule; the same batch fixed goes through."""
    import json

    from backoffice.cli import main as backoffice_main
    from backoffice.exports.commands import upload_fdh
    from common.config import Settings

    monkeypatch.setenv("KIOSK_SECRET_MOPH_USERNAME", USER)
    monkeypatch.setenv("KIOSK_SECRET_MOPH_PASSWORD", PASSWORD)
    assert backoffice_main(
        ["export", "eclaim", "--from", "2026-03-02", "--to", "2026-03-02", "--out", str(tmp_path),
         "--fdh", "--db", str(engine.url), "--json"]
    ) == 0  # fmt: skip
    folder = Path(json.loads(capsys.readouterr().out)["folder"])
    lab = folder / "LABFU.txt"
    good = lab.read_bytes()
    assert b"|0531601|" in good
    lab.write_bytes(good.replace(b"|0531601|", b"|CH99|"))
    from integrations.moph.errors import MophRejected

    with pytest.raises(MophRejected, match=r"LABFU\.txt line 3 LABTEST: code_list"):
        upload_fdh(folder, sandbox.url, "99901", Settings())
    lab.write_bytes(good)
    assert upload_fdh(folder, sandbox.url, "99901", Settings())["status"] == "200"
