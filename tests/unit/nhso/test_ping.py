"""The kiosk's idle look at NHSO: a HEAD that asks about nobody (scripted with MockTransport;
over real HTTP in tests/integration/kiosk/test_device_status.py)."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from common.config import load_settings
from common.secrets import Secrets
from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import AgentNotRunning, NhsoUnavailable
from integrations.nhso.providers import AgentAuthenProvider, authen_provider_from_settings
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.web import NhsoUrls, NhsoWebClient


def web_client(status: int, seen: list[httpx.Request]) -> NhsoWebClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status)

    return NhsoWebClient(
        NhsoUrls.from_api_base("https://nhso.invalid"),
        limiter=TokenBucket(1000),
        token=SecretStr("secret-token-value"),
        transport=httpx.MockTransport(answer),
    )


@pytest.mark.parametrize("status", [200, 401, 403, 404, 405, 429, 500, 501])
def test_any_answer_means_reachable(status: int) -> None:
    seen: list[httpx.Request] = []
    web_client(status, seen).ping()
    (request,) = seen
    assert request.method == "HEAD"
    assert str(request.url) == "https://nhso.invalid/nhsoendpoint/"
    assert "authorization" not in request.headers  # no token on a look
    assert request.content == b"" and not request.url.query


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_with_nothing_behind_it_is_unavailable(status: int) -> None:
    with pytest.raises(NhsoUnavailable):
        web_client(status, []).ping()


def test_the_agent_not_answering_is_agent_not_running() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    agent = AgentClient(
        "http://agent.invalid:8189",
        limiter=TokenBucket(1000),
        transport=httpx.MockTransport(refuse),
    )
    with pytest.raises(AgentNotRunning):
        AgentAuthenProvider(agent).ping()


def test_agent_mode_also_looks_at_nhso_itself() -> None:
    """The agent may run while the clinic's internet is down: its host is looked at too."""
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(f"{request.method} {request.url.host}")
        if request.url.host == "nhsoapi.nhso.go.th":
            raise httpx.ConnectError("no route to host", request=request)
        return httpx.Response(404)

    settings = load_settings(overrides={"nhso.mode": "agent", "nhso.agent_url": "http://10.0.0.5"})
    provider = authen_provider_from_settings(
        settings, Secrets(), transport=httpx.MockTransport(answer)
    )
    with pytest.raises(NhsoUnavailable) as raised:
        provider.ping()
    assert raised.value.code == "nhso.unavailable"
    assert hosts == ["HEAD 10.0.0.5", "HEAD nhsoapi.nhso.go.th"]
    provider.close()


def test_sandbox_mode_looks_at_the_sandbox_alone() -> None:
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(str(request.url.host))
        return httpx.Response(501)

    settings = load_settings(overrides={"nhso.sandbox_port": 18189})
    provider = authen_provider_from_settings(
        settings, Secrets(), transport=httpx.MockTransport(answer)
    )
    provider.ping()
    assert hosts == ["127.0.0.1"]
    provider.close()
