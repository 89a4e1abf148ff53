"""The agent's service refuses a configuration it cannot use, in Thai and English, at
start (a plain-http server without the opt-in, a CA file that is not there)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from common.config import ConfigError, Settings, load_settings
from kiosk.updates.__main__ import build_agent, main


def settings(tmp_path: Path, **updates: object) -> Settings:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('update_token = "device-token"\n')
    secrets.chmod(0o600)
    overrides: dict[str, object] = {
        "secrets_file": str(secrets),
        "data_dir": str(tmp_path / "data"),
        "updates.state_dir": str(tmp_path / "updates"),
    }
    overrides.update({f"updates.{key}": value for key, value in updates.items()})
    return load_settings(None, overrides)


def test_plain_http_needs_the_explicit_opt_in(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        build_agent(settings(tmp_path, server_url="http://updates.example"))
    assert "https://" in str(raised.value) and "ต้องขึ้นต้นด้วย" in str(raised.value)
    agent = build_agent(settings(tmp_path, server_url="http://127.0.0.1:1", allow_http=True))
    assert agent is not None


def test_a_missing_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    missing = tmp_path / "district-ca.pem"
    with pytest.raises(ConfigError) as raised:
        build_agent(settings(tmp_path, server_url="https://u.example", ca_bundle=str(missing)))
    assert str(missing) in str(raised.value) and "ไม่พบไฟล์" in str(raised.value)


def test_httpx_does_not_log_request_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert main(["--config", str(config), "once"]) == 0  # no server_url: nothing to do
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
