"""One test per error of the taxonomy, each over real HTTP against the sandbox."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import (
    AgentNotRunning,
    AlreadyAuthenticated,
    AuthenOutcomeUnknown,
    CardMismatch,
    Deceased,
    InvalidCid,
    InvalidMobile,
    InvalidRequest,
    MalformedResponse,
    NhsoTimeout,
    NhsoUnavailable,
    NoCard,
    NoReader,
    NoRights,
    NotConfigured,
    RateLimited,
    TokenInvalid,
)
from integrations.nhso.models import ConfirmSaveRequest
from integrations.nhso.providers import AgentAuthenProvider, EndpointAuthenProvider
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import SandboxServer
from integrations.nhso.web import NhsoUrls, NhsoWebClient

from .conftest import HANG_S
from .people import (
    BAD_CHECKSUM,
    DECEASED,
    DEMO,
    GENERAL,
    MOBILE,
    NO_CLAIM_TYPES,
    SSS,
)

pytestmark = pytest.mark.integration
TODAY = dt.date.today()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_agent_not_running(limiter: TokenBucket) -> None:
    client = AgentClient(f"http://127.0.0.1:{_free_port()}", limiter=limiter, timeout_s=1)
    provider = AgentAuthenProvider(client)
    with pytest.raises(AgentNotRunning) as info:
        provider.rights(DEMO)
    assert info.value.transient and not info.value.maybe_processed
    provider.close()


def test_no_reader(sandbox: SandboxServer, agent_provider: AgentAuthenProvider) -> None:
    sandbox.set_reader(False)
    assert agent_provider.agent.terminals() == []
    with pytest.raises(NoReader):
        agent_provider.read_inserted()


def test_no_card_is_the_agents_http_500(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    sandbox.remove_card()
    (terminal,) = agent_provider.agent.terminals()
    assert terminal.card_present is False
    with pytest.raises(NoCard):
        agent_provider.rights(DEMO)


def test_card_mismatch(agent_provider: AgentAuthenProvider) -> None:
    with pytest.raises(CardMismatch):
        agent_provider.rights(SSS)


def test_someone_elses_card_without_rights_is_a_mismatch(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    sandbox.insert_card(NO_CLAIM_TYPES)
    with pytest.raises(CardMismatch):
        agent_provider.rights(SSS)


def test_no_rights_keeps_what_nhso_said(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    sandbox.insert_card(NO_CLAIM_TYPES)
    with pytest.raises(NoRights) as info:
        agent_provider.rights(NO_CLAIM_TYPES)
    assert info.value.rights is not None and info.value.rights.cid == NO_CLAIM_TYPES
    assert "1100000000067" not in str(info.value)


def test_already_authenticated_from_the_agent(agent: AgentClient) -> None:
    read = agent.read()
    request = ConfirmSaveRequest(
        pid=DEMO, claim_type=GENERAL, mobile=MOBILE, correlation_id=read.correlation_id or ""
    )
    assert agent.confirm_save(request).claim_code.startswith("PP")
    with pytest.raises(AlreadyAuthenticated):
        agent.confirm_save(request)


def test_already_authenticated_from_authencode(web: NhsoWebClient) -> None:
    from integrations.nhso.models import AuthenCodeRequest

    def request(trans: str) -> AuthenCodeRequest:
        return AuthenCodeRequest(
            source_id="TEST",
            trans_id=trans,
            pid=SSS,
            hcode="99999",
            recorder_pid=SSS,
            service_code=GENERAL,
            province="7300",
        )

    assert web.authen_code(request("t-1")).startswith("PP")
    with pytest.raises(AlreadyAuthenticated):
        web.authen_code(request("t-2"))


def test_token_invalid_on_every_api(sandbox: SandboxServer, limiter: TokenBucket) -> None:
    wrong = NhsoWebClient(
        NhsoUrls.from_api_base(sandbox.url), limiter=limiter, token="wrong", claim_token="wrong"
    )
    with pytest.raises(TokenInvalid):  # HTTP 401
        wrong.check_authen_status(DEMO, TODAY)
    with pytest.raises(TokenInvalid):  # HTTP 200 + dataError "Invalid Token"
        wrong.real_person(DEMO, "TEST")
    wrong.close()
    sandbox.set_faults(token_invalid=True)
    agent = AgentClient(sandbox.url, limiter=limiter)
    with pytest.raises(TokenInvalid):  # the agent's own token
        agent.read()
    agent.close()


def test_rate_limited(sandbox: SandboxServer, agent_provider: AgentAuthenProvider) -> None:
    sandbox.set_faults(rate_limit=True)
    with pytest.raises(RateLimited) as info:
        agent_provider.rights(DEMO)
    assert info.value.retry_after_s == 1.0 and info.value.transient


def test_timeout(sandbox: SandboxServer, web: NhsoWebClient) -> None:
    sandbox.set_faults(timeout=True, hang_s=HANG_S)
    with pytest.raises(NhsoTimeout) as info:
        web.check_authen_status(DEMO, TODAY)
    assert info.value.maybe_processed


def test_server_error(sandbox: SandboxServer, web: NhsoWebClient) -> None:
    sandbox.set_faults(server_error=True, count=1)
    with pytest.raises(NhsoUnavailable):
        web.real_person(DEMO, "TEST")
    assert web.real_person(DEMO, "TEST").main_inscl_code == "UCS"  # count=1: cleared


def test_malformed_response(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider, agent: AgentClient
) -> None:
    sandbox.set_faults(malformed=True)
    with pytest.raises(MalformedResponse) as read:
        agent_provider.rights(DEMO)
    assert not read.value.maybe_processed  # a read changes nothing at NHSO
    request = ConfirmSaveRequest(pid=DEMO, claim_type=GENERAL, mobile=MOBILE, correlation_id="x")
    with pytest.raises(MalformedResponse) as save:
        agent.confirm_save(request)
    # NHSO answered 200 to the authen itself: a code may exist, so nobody may resend it.
    assert save.value.maybe_processed


def test_deceased_from_agent_and_realperson(
    sandbox: SandboxServer, agent: AgentClient, endpoint_provider: EndpointAuthenProvider
) -> None:
    sandbox.insert_card(DECEASED)
    read = agent.read()
    assert read.claim_types == []
    request = ConfirmSaveRequest(
        pid=DECEASED, claim_type=GENERAL, mobile=MOBILE, correlation_id=read.correlation_id or ""
    )
    with pytest.raises(Deceased):
        agent.confirm_save(request)
    with pytest.raises(Deceased):
        endpoint_provider.rights(DECEASED)


def test_invalid_cid_locally_and_from_nhso(
    agent_provider: AgentAuthenProvider, web: NhsoWebClient
) -> None:
    with pytest.raises(InvalidCid):
        agent_provider.authen(BAD_CHECKSUM, GENERAL, MOBILE)
    with pytest.raises(InvalidCid):  # the web client leaves the check to NHSO
        web.check_authen_status(BAD_CHECKSUM, TODAY)


def test_invalid_mobile(agent_provider: AgentAuthenProvider) -> None:
    with pytest.raises(InvalidMobile):
        agent_provider.authen(DEMO, GENERAL, "12345")


def test_rejected_claim_type(agent_provider: AgentAuthenProvider) -> None:
    with pytest.raises(InvalidRequest):
        agent_provider.authen(DEMO, "PG9999999", MOBILE)


def test_outcome_unknown_when_answer_and_lookup_are_lost(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    correlation = agent_provider.rights(DEMO).correlation_id
    # The two look-ups before confirm-save pass; confirm-save and the look-ups after it
    # are lost.
    sandbox.set_faults(lose_answer=True, hang_s=HANG_S, paths=("confirm-save", "latest"), skip=2)
    with pytest.raises(AuthenOutcomeUnknown):
        agent_provider.authen(DEMO, GENERAL, MOBILE, correlation_id=correlation)
    assert len(sandbox.authens(DEMO)) == 1  # the code exists; we did not ask twice


def test_lost_lookup_before_authen_stops_everything(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider
) -> None:
    sandbox.set_faults(timeout=True, hang_s=HANG_S, paths=("latest-authen-code",))
    with pytest.raises(NhsoTimeout):
        agent_provider.authen(DEMO, GENERAL, MOBILE)
    assert sandbox.authens(DEMO) == []


def test_not_configured(sandbox: SandboxServer, limiter: TokenBucket) -> None:
    client = NhsoWebClient(NhsoUrls.from_api_base(sandbox.url), limiter=limiter, token=None)
    with pytest.raises(NotConfigured):
        client.check_authen_status(DEMO, TODAY)
    provider = EndpointAuthenProvider(client, hcode="99999", province="")
    with pytest.raises(NotConfigured):
        provider.authen(DEMO, GENERAL, MOBILE)
    client.close()
