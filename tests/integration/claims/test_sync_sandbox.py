"""Claim-code sync against the NHSO sandbox over HTTP, on MariaDB (utf8 and tis620)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from backoffice.claims.sync import ClaimSync, Outcome
from backoffice.cli import main
from backoffice.testing import seed_day
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.records import Visit
from integrations.jhcis.tables import person
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import DEFAULT_TOKEN, SandboxServer
from integrations.nhso.web import NhsoUrls, NhsoWebClient

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 1, 15)
AT = dt.datetime(2026, 1, 15, 8, 0)
UNIT = "99901"  # the synthetic clinic's unit code


class FakeTime:
    """A clock and sleep for the token bucket: counts the waiting instead of doing it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        # A real sleep always overshoots a little; an exact one can leave the bucket a
        # rounding error short of a token forever.
        self.now += seconds + 1e-9


@pytest.fixture(params=["utf8", "tis620"])
def clinic(request: pytest.FixtureRequest, mariadb_databases) -> Iterator[ClinicDatabase]:  # type: ignore[no-untyped-def]
    db = ClinicDatabase.from_url(mariadb_databases.jhcis(request.param, visits=200, persons=120))
    yield db
    db.dispose()


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0, hcode=UNIT, now=lambda: AT + dt.timedelta(hours=1)).start()
    try:
        yield server
    finally:
        server.stop()


def cid_of(clinic: ClinicDatabase, visit: Visit) -> str:
    with clinic.engine.connect() as conn:
        return str(
            conn.execute(
                select(person.c.idcard).where(
                    person.c.pcucodeperson == visit.pcucodeperson, person.c.pid == visit.pid
                )
            ).scalar_one()
        )


def client(
    sandbox: SandboxServer, limiter: TokenBucket, token: str = DEFAULT_TOKEN
) -> NhsoWebClient:
    return NhsoWebClient(NhsoUrls.from_api_base(sandbox.url), limiter=limiter, token=token)


def test_sync_fills_codes_from_check_authen_status(
    clinic: ClinicDatabase, sandbox: SandboxServer
) -> None:
    day = seed_day(clinic, AT, with_code=1, without_code=3, pending=1)
    a, b, c = day["uncoded"]
    pending = day["pending"][0]
    for visit in (a, pending):
        sandbox.state.issue_authen(cid_of(clinic, visit), "PG0060001", hcode=UNIT, channel="KIOSK")
    sandbox.state.issue_authen(cid_of(clinic, b), "PG0060001", hcode="10699", channel="KIOSK")
    time = FakeTime()
    limiter = TokenBucket(5, burst=1, clock=time.clock, sleep=time.sleep)
    nhso = client(sandbox, limiter)
    try:
        report = ClaimSync(clinic, nhso).run(DAY)
    finally:
        nhso.close()
    by_visit = {i.visitno: i for i in report.items}
    issued = {r.pid: r.claim_code for r in sandbox.authens() if r.hcode == UNIT}
    assert by_visit[a.visitno].outcome is Outcome.filled
    assert clinic.visit_claim(a).claim_code == issued[cid_of(clinic, a)]
    assert by_visit[b.visitno].outcome is Outcome.not_found  # another unit's code
    assert by_visit[c.visitno].outcome is Outcome.not_found
    assert clinic.visit_claim(pending).claim_code == issued[cid_of(clinic, pending)]
    assert report.pending_resolved == 1 and clinic.list_pending_authens() == []
    # Every request went through the rate limiter: n requests at 5/s with no burst.
    assert report.nhso_requests == 5
    # (Lookups run a few at a time, so threads may each wait: at least this much.)
    assert time.slept >= (report.nhso_requests - 1) / 5 - 0.01


def test_bad_token_stops_and_the_next_run_resumes(
    clinic: ClinicDatabase, sandbox: SandboxServer
) -> None:
    day = seed_day(clinic, AT, with_code=0, without_code=2, pending=0)
    for visit in day["uncoded"]:
        sandbox.state.issue_authen(cid_of(clinic, visit), "PG0060001", hcode=UNIT, channel="KIOSK")
    limiter = TokenBucket(1000)
    sandbox.set_faults(token_invalid=True)
    nhso = client(sandbox, limiter)
    try:
        stopped = ClaimSync(clinic, nhso).run(DAY)
        assert stopped.stopped is not None and stopped.stopped.code == "nhso.token_invalid"
        assert all(clinic.visit_claim(v).claim_code is None for v in day["uncoded"])
        sandbox.clear_faults()
        resumed = ClaimSync(clinic, nhso).run(DAY)
    finally:
        nhso.close()
    assert resumed.resumed and resumed.complete
    assert all(clinic.visit_claim(v).claim_code for v in day["uncoded"])


def test_cli_dry_run_against_the_sandbox(
    clinic: ClinicDatabase,
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day = seed_day(clinic, AT, with_code=0, without_code=1, pending=0)
    visit = day["uncoded"][0]
    sandbox.state.issue_authen(cid_of(clinic, visit), "PG0060001", hcode=UNIT, channel="KIOSK")
    monkeypatch.setenv("KIOSK_NHSO__API_BASE_URL", sandbox.url)
    url = clinic.engine.url.render_as_string(hide_password=False)
    code = main(["claims", "sync", "--db", url, "--date", "2026-01-15", "--dry-run", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["complete"]
    assert out["counts"]["would_fill"] == 1
    assert clinic.visit_claim(visit).claim_code is None
    code = main(["claims", "sync", "--db", url, "--date", "2026-01-15"])
    assert code == 0
    assert clinic.visit_claim(visit).claim_code is not None
