"""Shared test plumbing: where the real services are, and test isolation.

`scripts/services.sh start` writes var/test/services.env; `make test` sets
REQUIRE_SERVICES=1 so that a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES_ENV = ROOT / "var" / "test" / "services.env"


def _load_services_env() -> dict[str, str]:
    values: dict[str, str] = {}
    if SERVICES_ENV.exists():
        for line in SERVICES_ENV.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


SERVICES = _load_services_env()


def require_service(name: str) -> str:
    """The service's coordinate from services.env, or skip/fail when absent."""
    value = os.environ.get(name) or SERVICES.get(name)
    if value:
        return value
    message = f"service {name} not running (start it with: bash scripts/services.sh start)"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def mariadb_url() -> str:
    """Admin URL (no database) of the private MariaDB started for the tests."""
    return require_service("TEST_MARIADB_URL")


@pytest.fixture(scope="session")
def vpcd_ports() -> list[int]:
    return [int(p) for p in require_service("TEST_VPCD_PORTS").split(",")]


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the machine's /etc configuration or writes to the home directory."""
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    for key in list(os.environ):
        if key.startswith("KIOSK_") and key not in {"KIOSK_CONFIG"}:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("common.config.DEFAULT_CONFIG_PATH", tmp_path / "no-such-config.toml")
    yield
