"""Only "no code" means no code: a refused look-up never lets a second authen through.

The agent's latest-authen-code answers 200 without a ``claimCode`` when the person has
no authen (reference §1.5, and the sandbox); NHSO's check-authen-status says
"ไม่พบข้อมูลการ authen". Any refusal (401/403/429 or another 4xx) must raise, or the
kiosk would read "none" and ask confirm-save again.
"""

from __future__ import annotations

import datetime as dt

import pytest

from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import InvalidRequest, NhsoError, RateLimited, TokenInvalid
from integrations.nhso.providers import AgentAuthenProvider, EndpointAuthenProvider
from integrations.nhso.sandbox import SandboxServer

from .people import DEMO, GENERAL, MOBILE, SSS

pytestmark = pytest.mark.integration

REFUSALS: list[tuple[dict[str, object], type[NhsoError]]] = [
    ({"client_error": 400}, InvalidRequest),
    ({"client_error": 404}, InvalidRequest),
    ({"client_error": 409}, InvalidRequest),
    ({"client_error": 403}, TokenInvalid),
    ({"token_invalid": True}, TokenInvalid),
    ({"rate_limit": True}, RateLimited),
]


def test_no_code_is_an_empty_answer(agent: AgentClient) -> None:
    assert agent.latest_authen_code(DEMO) == []
    assert agent.latest_5_all_hospitals(DEMO) == []


@pytest.mark.parametrize(("switches", "error"), REFUSALS)
@pytest.mark.parametrize("path", ["latest-authen-code", "latest-5-authen-code"])
def test_agent_refusal_is_an_error_not_none(
    sandbox: SandboxServer,
    agent: AgentClient,
    switches: dict[str, object],
    error: type[NhsoError],
    path: str,
) -> None:
    sandbox.set_faults(paths=(path,), **switches)
    lookup = (
        agent.latest_authen_code if path == "latest-authen-code" else agent.latest_5_all_hospitals
    )
    with pytest.raises(error):
        lookup(DEMO)


@pytest.mark.parametrize(("switches", "error"), REFUSALS)
def test_a_refused_lookup_never_leads_to_a_second_authen(
    sandbox: SandboxServer,
    agent_provider: AgentAuthenProvider,
    switches: dict[str, object],
    error: type[NhsoError],
) -> None:
    first = agent_provider.authen(DEMO, GENERAL, MOBILE)
    sandbox.set_faults(paths=("latest-authen-code",), **switches)
    with pytest.raises(error):
        agent_provider.authen(DEMO, GENERAL, MOBILE)
    sandbox.clear_faults()
    assert [a.claim_code for a in sandbox.authens(DEMO)] == [first.claim_code]


@pytest.mark.parametrize(("switches", "error"), REFUSALS)
def test_endpoint_refusal_is_an_error_not_none(
    sandbox: SandboxServer,
    endpoint_provider: EndpointAuthenProvider,
    switches: dict[str, object],
    error: type[NhsoError],
) -> None:
    first = endpoint_provider.authen(SSS, GENERAL, MOBILE)
    sandbox.set_faults(paths=("check-authen-status",), **switches)
    with pytest.raises(error):
        endpoint_provider.latest(SSS, dt.date.today())
    with pytest.raises(error):
        endpoint_provider.authen(SSS, GENERAL, MOBILE)
    sandbox.clear_faults()
    assert [a.claim_code for a in sandbox.authens(SSS)] == [first.claim_code]
