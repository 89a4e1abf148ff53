"""No double authen over real HTTP: lost answers, same-day repeats, fresh retries."""

from __future__ import annotations

import datetime as dt

import pytest

from integrations.nhso.providers import AgentAuthenProvider, EndpointAuthenProvider
from integrations.nhso.sandbox import SandboxServer

from .conftest import HANG_S
from .people import DEMO, GENERAL, MOBILE, SSS, UCS_WITH_HISTORY

pytestmark = pytest.mark.integration


def test_lost_confirm_save_answer_is_found_not_repeated(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    # The sandbox saves the code, then never answers; the client times out.
    sandbox.set_faults(lose_answer=True, hang_s=HANG_S, paths=("confirm-save",), count=1)
    result = agent_provider.authen(DEMO, GENERAL, MOBILE)
    (saved,) = sandbox.authens(DEMO)
    assert result.claim_code == saved.claim_code
    assert result.claim_code.startswith("PP") and len(result.claim_code) == 12
    assert result.existing is True  # it came from latest-authen-code, not confirm-save


def test_lost_authencode_answer_is_found_by_check_authen_status(
    sandbox: SandboxServer, endpoint_provider: EndpointAuthenProvider
) -> None:
    sandbox.set_faults(lose_answer=True, hang_s=HANG_S, paths=("AuthenCode",), count=1)
    result = endpoint_provider.authen(SSS, GENERAL, MOBILE)
    (saved,) = sandbox.authens(SSS)
    assert result.claim_code == saved.claim_code and result.existing


def test_dropped_request_is_asked_again_once_after_a_clean_lookup(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    # `timeout` hangs before doing anything: nothing was saved, the lookup says so.
    sandbox.set_faults(timeout=True, hang_s=HANG_S, paths=("confirm-save",), count=1)
    result = agent_provider.authen(DEMO, GENERAL, MOBILE)
    (saved,) = sandbox.authens(DEMO)
    assert result.claim_code == saved.claim_code and result.existing is False


def test_same_day_repeat_returns_the_existing_code(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    first = agent_provider.authen(DEMO, GENERAL, MOBILE)
    again = agent_provider.authen(DEMO, GENERAL, MOBILE)
    assert again.claim_code == first.claim_code and again.existing
    assert len(sandbox.authens(DEMO)) == 1
    other = agent_provider.authen(DEMO, "PG0130001", MOBILE)  # another claim type: new code
    assert other.claim_code != first.claim_code
    assert len(sandbox.authens(DEMO)) == 2


def test_same_day_repeat_through_the_endpoint(
    sandbox: SandboxServer, endpoint_provider: EndpointAuthenProvider
) -> None:
    first = endpoint_provider.authen(SSS, GENERAL, MOBILE)
    again = endpoint_provider.authen(SSS, GENERAL, MOBILE)
    assert again.claim_code == first.claim_code
    assert len(sandbox.authens(SSS)) == 1


def test_another_hospitals_code_today_does_not_block(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    sandbox.insert_card(UCS_WITH_HISTORY)
    today = dt.date.today()
    # Seeded: a PG0060001 code today at 10699 and one three days ago here.
    assert agent_provider.latest(UCS_WITH_HISTORY, today) == []
    result = agent_provider.authen(UCS_WITH_HISTORY, GENERAL, MOBILE)
    assert result.existing is False and result.hcode == sandbox.state.hcode
    assert [r.claim_code for r in agent_provider.latest(UCS_WITH_HISTORY, today)] == [
        result.claim_code
    ]


def test_stale_correlation_after_card_change_is_refused(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    from integrations.nhso.errors import InvalidRequest

    correlation = agent_provider.rights(DEMO).correlation_id
    sandbox.insert_card(SSS)
    sandbox.insert_card(DEMO)  # the same person again, but a new card session
    with pytest.raises(InvalidRequest):
        agent_provider.authen(DEMO, GENERAL, MOBILE, correlation_id=correlation)
    assert sandbox.authens(DEMO) == []


def test_unreadable_confirm_save_answer_is_checked_before_asking_again(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    correlation = agent_provider.rights(DEMO).correlation_id
    sandbox.set_faults(malformed=True, paths=("confirm-save",), count=1)
    result = agent_provider.authen(DEMO, GENERAL, MOBILE, correlation_id=correlation)
    (saved,) = sandbox.authens(DEMO)  # nothing was saved by the garbled answer; one retry
    assert result.claim_code == saved.claim_code


def test_latency_longer_than_the_client_timeout_is_a_timeout(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    from integrations.nhso.errors import NhsoTimeout

    sandbox.set_faults(latency_s=HANG_S, paths=("terminals",), count=1)
    with pytest.raises(NhsoTimeout):
        agent_provider.agent.terminals()
    assert agent_provider.agent.terminals()[0].card_present  # count=1: back to normal


def test_every_request_waits_for_the_shared_rate_limiter(sandbox: SandboxServer) -> None:
    from integrations.nhso.agent import AgentClient
    from integrations.nhso.ratelimit import TokenBucket

    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    limiter = TokenBucket(2, burst=1, clock=clock, sleep=clock.sleep)
    provider = AgentAuthenProvider(AgentClient(sandbox.url, limiter=limiter), hcode="99999")
    provider.authen(DEMO, GENERAL, MOBILE)
    provider.authen(DEMO, GENERAL, MOBILE)  # the same-day repeat: look-ups only
    provider.close()
    served = sandbox.sandbox.served
    assert served >= 6
    # One token was saved up; every other request waited 1/rate on the limiter's clock.
    assert clock.now == pytest.approx((served - 1) / 2)
