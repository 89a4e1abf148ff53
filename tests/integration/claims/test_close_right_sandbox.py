"""Close right against the NHSO sandbox over real HTTP: submit, no double, cancel, rollback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from backoffice.claims.close_right import (
    CloseRightService,
    NhsoCloseRightRollback,
    transaction_id,
)
from backoffice.claims.errors import NotInState, RecorderMissing
from backoffice.claims.sandbox_rollback import install_rollback
from backoffice.claims.tables import kiosk_close_right
from backoffice.exports.source import ClaimSource
from integrations.jhcis import tables as t
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import DEFAULT_TOKEN, SandboxServer
from integrations.nhso.web import NhsoUrls, NhsoWebClient
from tests.integration.seeded_clinic import RECORDER, nhso_sandbox, seeded_clinic

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from seeded_clinic(tmp_path)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    yield from nhso_sandbox(install_rollback)


def make_service(
    engine: Engine, sandbox: SandboxServer, *, token: str = DEFAULT_TOKEN
) -> CloseRightService:
    limiter = TokenBucket(1000)
    urls = NhsoUrls.from_api_base(sandbox.url)
    client = NhsoWebClient(urls, limiter=limiter, token=token, claim_token=token, timeout_s=2)
    rollback = NhsoCloseRightRollback(
        urls.endpoint_base, claim_token=token, limiter=limiter, timeout_s=2
    )
    return CloseRightService(
        ClaimSource(engine), client, hcode="99901", recorder_pid=RECORDER, rollback=rollback
    )


def visit_marks(engine: Engine, visitno: int) -> tuple[object, object, object]:
    v = t.visit.c
    with engine.connect() as conn:
        row = conn.execute(
            select(v.nhso_seq_closed, v.nhso_authencode_closed, v.money_closed_all).where(
                v.visitno == visitno
            )
        ).one()
    return row[0], row[1], row[2]


def test_plan_lists_every_visit_it_will_not_send(engine: Engine, sandbox: SandboxServer) -> None:
    plan = make_service(engine, sandbox).plan(DAY, DAY)
    assert sorted(v.visitno for v, _ in plan.requests) == [101, 102, 104, 105, 108, 109]
    assert sorted((s.visitno, s.code) for s in plan.skipped) == [
        (103, "zero_amount"),
        (106, "missing_cid"),
        (107, "zero_amount"),
    ]
    request = next(r for v, r in plan.requests if v.visitno == 105)
    body = request.body()
    assert body["mainInsclCode"] == "SSS"
    assert body["transactionId"] == "99901105"
    assert (body["totalAmount"], body["paidAmount"], body["privilegeAmount"]) == (120.0, 0.0, 120.0)
    assert body["serviceDateTime"] == int(
        dt.datetime(2026, 3, 2, 9, 45, tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp() * 1000
    )


def test_submit_records_seq_and_code_and_never_sends_twice(
    engine: Engine, sandbox: SandboxServer
) -> None:
    service = make_service(engine, sandbox)
    outcomes = service.submit(service.plan(DAY, DAY, visitnos=[101, 109]))
    assert [o.status for o in outcomes] == ["closed", "closed"]
    assert all(o.authen_code.startswith("EP") and o.seq for o in outcomes)
    assert len(sandbox.state.claims) == 2
    seq, code, amount = visit_marks(engine, 101)
    assert (seq, code) == (outcomes[0].seq, outcomes[0].authen_code)
    assert float(amount) == 100.0  # type: ignore[arg-type]
    # Planning again: both are listed as already closed, nothing is sent.
    again = service.plan(DAY, DAY, visitnos=[101, 109])
    assert again.requests == []
    assert {s.code for s in again.skipped} == {"already_closed"}
    # Sending a stale plan (two staff, one list): the ledger refuses before NHSO does.
    stale = service.submit(service.plan(DAY, DAY, visitnos=[102]))
    assert [o.status for o in stale] == ["closed"]
    replay = service.submit(type(again)(requests=list(service.plan(DAY, DAY, [104]).requests) * 2))
    assert [o.status for o in replay] == ["closed", "already"]
    assert len(sandbox.state.claims) == 4


def test_nhso_refuses_a_duplicate_transaction_id(engine: Engine, sandbox: SandboxServer) -> None:
    service = make_service(engine, sandbox)
    service.submit(service.plan(DAY, DAY, visitnos=[101]))
    with engine.begin() as conn:  # as if our record were lost
        conn.execute(kiosk_close_right.delete())
    outcome = service.submit(service.plan(DAY, DAY, visitnos=[101]))[0]
    assert outcome.status == "failed"
    assert outcome.error_code == "nhso.rejected"
    assert len(sandbox.state.claims) == 1


def test_an_unreadable_answer_is_unknown_and_never_resent(
    engine: Engine, sandbox: SandboxServer
) -> None:
    service = make_service(engine, sandbox)
    sandbox.set_faults(garble_answer=True)  # NHSO closes the right; the answer is mangled
    outcome = service.submit(service.plan(DAY, DAY, visitnos=[101]))[0]
    assert outcome.status == "unknown"
    assert outcome.error_code == "nhso.malformed_response"
    assert len(sandbox.state.claims) == 1
    sandbox.clear_faults()
    again = service.plan(DAY, DAY, visitnos=[101])  # staff verify it; no second send
    assert again.requests == []
    assert {s.code for s in again.skipped} == {"already_closed"}


def test_invalid_token_stops_the_run(engine: Engine, sandbox: SandboxServer) -> None:
    service = make_service(engine, sandbox, token="wrong-token")
    outcomes = service.submit(service.plan(DAY, DAY))
    assert [(o.status, o.error_code) for o in outcomes] == [("failed", "nhso.token_invalid")]
    assert sandbox.state.claims == []
    # The failed row can be sent again once the token is right.
    good = make_service(engine, sandbox)
    retry = good.submit(good.plan(DAY, DAY, visitnos=[outcomes[0].visitno]))
    assert [o.status for o in retry] == ["closed"]


def test_cancel_and_rollback(engine: Engine, sandbox: SandboxServer) -> None:
    service = make_service(engine, sandbox)
    closed = service.submit(service.plan(DAY, DAY, visitnos=[109]))[0]
    with pytest.raises(NotInState):
        service.rollback("99901", 109)  # not cancelled yet
    cancelled = service.cancel("99901", 109)
    assert cancelled.status == "cancelled"
    assert sandbox.state.claims[0].cancelled
    assert visit_marks(engine, 109) == (None, None, None)
    restored = service.rollback("99901", 109)
    assert (restored.status, restored.seq, restored.authen_code) == (
        "restored", closed.seq, closed.authen_code,
    )  # fmt: skip
    assert not sandbox.state.claims[0].cancelled
    assert visit_marks(engine, 109)[:2] == (closed.seq, closed.authen_code)
    assert sandbox.state.claims[0].transaction_id == transaction_id("99901", 109)


def test_dry_run_sends_and_records_nothing(engine: Engine, sandbox: SandboxServer) -> None:
    service = make_service(engine, sandbox)
    outcomes = service.submit(service.plan(DAY, DAY), dry_run=True)
    assert {o.status for o in outcomes} == {"dry_run"}
    assert sandbox.state.claims == []
    with engine.connect() as conn:
        assert conn.execute(select(kiosk_close_right)).first() is None


def test_a_recorder_cid_is_required(engine: Engine, sandbox: SandboxServer) -> None:
    service = make_service(engine, sandbox)
    service.recorder_pid = ""
    with pytest.raises(RecorderMissing):
        service.submit(service.plan(DAY, DAY))


def test_command_line_close_cancel_rollback(
    engine: Engine,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from backoffice.cli import main as backoffice_main

    monkeypatch.setenv("KIOSK_NHSO__API_BASE_URL", sandbox.url)
    monkeypatch.setenv("KIOSK_SECRET_NHSO_CLAIM_TOKEN", DEFAULT_TOKEN)
    db = ["--db", str(engine.url), "--json"]
    code = backoffice_main(
        ["claims", "close-right", "--from", "2026-03-02", "--to", "2026-03-02", "--visit", "109",
         "--recorder-cid", RECORDER, *db]
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert [o["status"] for o in out["outcomes"]] == ["closed"]
    assert backoffice_main(["claims", "close-right-cancel", "--visit", "109", *db]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "cancelled"
    assert backoffice_main(["claims", "close-right-rollback", "--visit", "109", *db]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "restored"
    assert backoffice_main(["claims", "close-right-rollback", "--visit", "109", *db]) == 1
    assert json.loads(capsys.readouterr().out)["error_code"] == "claims.not_in_state"
