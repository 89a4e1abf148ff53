"""A fresh NHSO sandbox on a free loopback port for each test, and clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.nhso.agent import AgentClient
from integrations.nhso.providers import AgentAuthenProvider, EndpointAuthenProvider
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import DEFAULT_TOKEN, SandboxServer
from integrations.nhso.web import NhsoUrls, NhsoWebClient

CLIENT_TIMEOUT_S = 0.5  # the sandbox's hang faults last longer than this
HANG_S = 3.0


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def limiter() -> TokenBucket:
    # Generous: these tests count requests, not seconds.
    return TokenBucket(1000)


@pytest.fixture
def agent(sandbox: SandboxServer, limiter: TokenBucket) -> Iterator[AgentClient]:
    client = AgentClient(sandbox.url, limiter=limiter, timeout_s=CLIENT_TIMEOUT_S)
    yield client
    client.close()


@pytest.fixture
def web(sandbox: SandboxServer, limiter: TokenBucket) -> Iterator[NhsoWebClient]:
    client = NhsoWebClient(
        NhsoUrls.from_api_base(sandbox.url),
        limiter=limiter,
        token=DEFAULT_TOKEN,
        claim_token=DEFAULT_TOKEN,
        timeout_s=CLIENT_TIMEOUT_S,
    )
    yield client
    client.close()


@pytest.fixture
def agent_provider(agent: AgentClient, sandbox: SandboxServer) -> AgentAuthenProvider:
    return AgentAuthenProvider(agent, hcode=sandbox.state.hcode, kind="sandbox")


@pytest.fixture
def endpoint_provider(web: NhsoWebClient, sandbox: SandboxServer) -> EndpointAuthenProvider:
    return EndpointAuthenProvider(web, hcode=sandbox.state.hcode, province="7300")
