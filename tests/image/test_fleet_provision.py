"""Provisioning a kiosk for the district's update server: ``[updates]`` in
kiosk-provision.toml becomes the configuration's ``[updates]`` and the secret
``update_token`` (erased from the boot partition like every secret)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import load_settings
from common.secrets import load_secrets
from tests.image.test_provision import GOOD, boot_bytes, layout, provision, run, write_provision

TOKEN = "Xq9-device-token-3p"
UPDATES = f"""
[updates]
server_url = "https://updates.district.example"
controller_id = "03662-1"
token = "{TOKEN}"
"""
_ = layout  # the fixture, imported for its name


def test_updates_section_becomes_config_and_a_secret(layout: tuple[Path, Path]) -> None:
    boot, data = layout
    write_provision(boot, GOOD + UPDATES)
    assert run(boot, data) == 0
    config_file = data / "etc/jhcis-kiosk/config.toml"
    settings = load_settings(config_file)
    assert settings.updates.server_url == "https://updates.district.example"
    assert settings.updates.controller_id == "03662-1"
    assert settings.updates.state_dir == "/data/updates"  # root's, not the kiosk user's
    token = load_secrets(data / "etc/jhcis-kiosk/secrets.toml").update_token
    assert token is not None and token.get_secret_value() == TOKEN
    assert TOKEN not in config_file.read_text()
    assert TOKEN.encode() not in boot_bytes(boot)


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ('[updates]\nserver_url = "https://u.example"\n', "[updates] token"),
        ('[updates]\ntoken = "t"\n', "[updates] server_url"),
        ('[updates]\nserver_url = "ftp://u.example"\ntoken = "t"\n', "must start with https://"),
        # Plain http carries the device token in clear: only with the explicit opt-in.
        ('[updates]\nserver_url = "http://u.example"\ntoken = "t"\n', "must start with https://"),
    ],
)
def test_an_incomplete_updates_section_is_refused(
    layout: tuple[Path, Path], section: str, says: str
) -> None:
    boot, data = layout
    write_provision(boot, GOOD + "\n" + section)
    assert run(boot, data) != 0
    error = (boot / provision.ERROR_FILE).read_text(encoding="utf-8")
    assert says in error
    assert not (data / "etc/jhcis-kiosk/config.toml").exists()


def test_plain_http_with_the_explicit_opt_in_is_kept_for_the_agent(
    layout: tuple[Path, Path],
) -> None:
    boot, data = layout
    section = '[updates]\nserver_url = "http://10.0.2.2:8"\nallow_http = true\ntoken = "t"\n'
    write_provision(boot, GOOD + "\n" + section)
    assert run(boot, data) == 0
    settings = load_settings(data / "etc/jhcis-kiosk/config.toml")
    assert settings.updates.server_url == "http://10.0.2.2:8" and settings.updates.allow_http
