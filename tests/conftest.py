"""Shared test plumbing: where the real services are, and test isolation.

`scripts/services.sh start` writes var/test/services.env; `make test` sets
REQUIRE_SERVICES=1 so that a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


# --- Clinic (JHCIS) databases: synthetic, created per test or module, always dropped ---
# Owned by integrations/jhcis. Every database below is built by the reconstruction
# schema plus the deterministic generator (integrations.jhcis.synth); nothing is real.

JHCIS_SYNTH_END = dt.date(2026, 1, 15)  # last day of synthetic visits (fixed: reproducible)
JHCIS_SYNTH_PERSONS = 300
JHCIS_SYNTH_VISITS = 600


def build_jhcis_database(
    url: str,
    charset: str = "utf8",
    *,
    persons: int = JHCIS_SYNTH_PERSONS,
    visits: int = JHCIS_SYNTH_VISITS,
    include_optional: bool = True,
    omit_tables: tuple[str, ...] = (),
    seed: int = 7,
) -> None:
    """Create the reconstructed JHCIS schema at `url` and fill it with synthetic data."""
    from integrations.jhcis.demo_marker import mark_demo
    from integrations.jhcis.engine import open_engine
    from integrations.jhcis.schema import create_jhcis_schema
    from integrations.jhcis.synth import generate

    engine = open_engine(url)
    try:
        create_jhcis_schema(
            engine, charset, include_optional=include_optional, omit_tables=omit_tables
        )
        generate(engine, persons=persons, visits=visits, seed=seed, end=JHCIS_SYNTH_END)
        mark_demo(engine, seed)  # synth_cases writes only into a marked database
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _jhcis_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("jhcis") / "template.sqlite"
    build_jhcis_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def jhcis_sqlite_url(_jhcis_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh seeded SQLite JHCIS database (a copy of one built per session)."""
    target = tmp_path / "jhcis.sqlite"
    shutil.copyfile(_jhcis_sqlite_template, target)
    return f"sqlite:///{target}"


class MariaDBDatabases:
    """Creates uniquely named MariaDB databases and drops them all at teardown."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url.rstrip("/")
        self.created: list[str] = []

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url)
        try:
            with engine.begin() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def empty(self, charset: str = "utf8") -> str:
        """A new empty database in `charset`; returns its URL."""
        assert charset in {"utf8", "tis620", "latin1", "utf8mb4"}
        name = f"jhcis_t_{uuid.uuid4().hex[:12]}"
        self._admin(f"CREATE DATABASE {name} CHARACTER SET {charset}")
        self.created.append(name)
        return f"{self.admin_url}/{name}"

    def jhcis(self, charset: str = "utf8", **kwargs: Any) -> str:
        """A new seeded JHCIS database in `charset`; returns its URL."""
        url = self.empty(charset)
        build_jhcis_database(url, charset, **kwargs)
        return url

    def drop_all(self) -> None:
        for name in self.created:
            self._admin(f"DROP DATABASE IF EXISTS {name}")
        self.created.clear()


@pytest.fixture
def mariadb_databases(mariadb_url: str) -> Iterator[MariaDBDatabases]:
    """Factory of throw-away MariaDB databases (empty or seeded JHCIS), dropped after."""
    factory = MariaDBDatabases(mariadb_url)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="module")
def _module_mariadb_databases(mariadb_url: str) -> Iterator[MariaDBDatabases]:
    factory = MariaDBDatabases(mariadb_url)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="module")
def jhcis_mariadb_utf8_url(_module_mariadb_databases: MariaDBDatabases) -> str:
    """A seeded utf8 JHCIS database on the test MariaDB, shared by one test module."""
    return _module_mariadb_databases.jhcis("utf8")


@pytest.fixture(scope="module")
def jhcis_mariadb_tis620_url(_module_mariadb_databases: MariaDBDatabases) -> str:
    """A seeded tis620 JHCIS database on the test MariaDB, shared by one test module."""
    return _module_mariadb_databases.jhcis("tis620")


def vpcd_lock_path(port: int) -> Path:
    """Machine-wide, so that test runs in two clones (and `make demo`) take turns too."""
    return Path(tempfile.gettempdir()) / f"jhcis-kiosk-vpcd-{port}.lock"


@contextmanager
def vpcd_slot_lock(port: int, what: str) -> Iterator[None]:
    """Hold vpcd slot `port` for one test: vpcd serves one card per slot."""
    with vpcd_lock_path(port).open("w") as lock:
        deadline = time.monotonic() + 240
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{what} stayed in use by another test run")
                time.sleep(0.2)
        yield
