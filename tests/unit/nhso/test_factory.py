"""Configuration picks the provider and the URLs; nothing is contacted here."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from common.config import load_settings
from common.secrets import Secrets
from integrations.nhso.providers import (
    SANDBOX_TOKEN,
    AgentAuthenProvider,
    AuthenProvider,
    EndpointAuthenProvider,
    authen_provider_from_settings,
    web_client_from_settings,
)
from integrations.nhso.web import PROD_ENDPOINT_BASE, PROD_STATUS_BASE, NhsoUrls


def test_sandbox_mode_is_the_agent_api_of_the_local_sandbox() -> None:
    settings = load_settings(overrides={"nhso.sandbox_port": 18189, "clinic.hcode": "12345"})
    provider = authen_provider_from_settings(settings, Secrets())
    assert isinstance(provider, AgentAuthenProvider) and isinstance(provider, AuthenProvider)
    assert provider.kind == "sandbox" and provider.hcode == "12345"
    assert provider.agent.http.base_url == "http://127.0.0.1:18189/"
    provider.close()


def test_agent_mode_uses_the_configured_agent() -> None:
    settings = load_settings(
        overrides={"nhso.mode": "agent", "nhso.agent_url": "http://10.0.0.5:8189"}
    )
    provider = authen_provider_from_settings(settings, Secrets())
    assert isinstance(provider, AgentAuthenProvider)
    assert provider.kind == "agent" and provider.hcode is None
    assert provider.agent.http.base_url == "http://10.0.0.5:8189/"
    provider.close()


def test_endpoint_mode_uses_web_apis() -> None:
    settings = load_settings(
        overrides={
            "nhso.mode": "endpoint",
            "nhso.api_base_url": "https://test.nhso.go.th",
            "clinic.hcode": "12345",
        }
    )
    provider = authen_provider_from_settings(
        settings, Secrets(nhso_token=SecretStr("t")), province="7300"
    )
    assert isinstance(provider, EndpointAuthenProvider)
    assert provider.kind == "endpoint" and provider.province == "7300"
    assert provider.web.endpoint.base_url == "https://test.nhso.go.th/nhsoendpoint/"
    assert provider.web.status.base_url == "https://test.nhso.go.th/authencodestatus/"
    provider.close()


def test_endpoint_mode_takes_province_and_recorder_from_settings() -> None:
    overrides = {"nhso.mode": "endpoint", "clinic.hcode": "12345", "nhso.province": "1000"}
    settings = load_settings(overrides={**overrides, "nhso.recorder_pid": "1998000000016"})
    secrets = Secrets(nhso_token=SecretStr("t"))
    provider = authen_provider_from_settings(settings, secrets)
    assert isinstance(provider, EndpointAuthenProvider)
    assert (provider.province, provider.recorder_pid) == ("1000", "1998000000016")
    provider.close()
    # An argument (the CLI's --province) wins; no recorder anywhere = the patient's own.
    provider = authen_provider_from_settings(
        load_settings(overrides=overrides), secrets, province="7300"
    )
    assert isinstance(provider, EndpointAuthenProvider)
    assert (provider.province, provider.recorder_pid) == ("7300", None)
    provider.close()


def test_web_client_in_sandbox_mode_defaults_to_the_sandbox_token() -> None:
    settings = load_settings(overrides={"nhso.sandbox_port": 18189})
    client = web_client_from_settings(settings, Secrets())
    assert client.endpoint.base_url == "http://127.0.0.1:18189/nhsoendpoint/"
    assert client.endpoint._token == SANDBOX_TOKEN
    client.close()


@pytest.mark.parametrize(
    ("base", "endpoint", "status"),
    [
        ("", PROD_ENDPOINT_BASE, PROD_STATUS_BASE),
        (
            "https://test.nhso.go.th/",
            "https://test.nhso.go.th/nhsoendpoint/",
            "https://test.nhso.go.th/authencodestatus/",
        ),
        (
            "https://test.nhso.go.th/nhsoendpoint/",
            "https://test.nhso.go.th/nhsoendpoint/",
            "https://test.nhso.go.th/authencodestatus/",
        ),
        (
            "http://127.0.0.1:8189",
            "http://127.0.0.1:8189/nhsoendpoint/",
            "http://127.0.0.1:8189/authencodestatus/",
        ),
    ],
)
def test_urls_from_api_base(base: str, endpoint: str, status: str) -> None:
    assert NhsoUrls.from_api_base(base) == NhsoUrls(endpoint, status)


def test_every_client_from_settings_shares_one_rate_limiter() -> None:
    settings = load_settings(overrides={"nhso.rate_per_second": 3.0})
    provider = authen_provider_from_settings(settings, Secrets())
    web = web_client_from_settings(settings, Secrets())
    assert isinstance(provider, AgentAuthenProvider)
    limiter = provider.agent.http.limiter
    assert limiter is web.endpoint.limiter is web.status.limiter
    assert limiter.rate == 3.0
    provider.close()
    web.close()
