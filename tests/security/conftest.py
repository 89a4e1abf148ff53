"""Issue 19's probes, run as an attacker on the clinic LAN would run them.

Every probe talks to the real backoffice over HTTP(S): uvicorn on a loopback port
(``backoffice.testing.running_server``, or ``backoffice serve`` as a process where the
command itself is under test), on a seeded SQLite clinic database and on the test
MariaDB. Clients come from different loopback addresses (127.0.0.2, 127.0.0.3, ...),
which is how the server tells computers apart. The server's clock is the test's, so
the throttles' waits are checked without sleeping.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, text

from backoffice.testing import TEST_ACCOUNTS, make_deps, running_server
from backoffice.web.deps import WebDeps

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 1, 15, 10, 0)
UNIT = "99901"
THAI = re.compile(r"[\u0e00-\u0e7f]")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Browser:
    """One computer on the LAN (its own source address) with one cookie jar."""

    def __init__(self, base_url: str, address: str = "127.0.0.2", *, verify: Any = True) -> None:
        self.address = address
        self.http = httpx.Client(
            base_url=base_url,
            transport=httpx.HTTPTransport(local_address=address, verify=verify),
            verify=verify,
            follow_redirects=False,
            timeout=30,
        )

    def close(self) -> None:
        self.http.close()

    def login_token(self) -> str:
        page = self.http.get("/login")
        found = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert found, page.text[:500]
        return found.group(1)

    def sign_in(self, username: str, password: str | None = None) -> httpx.Response:
        secret = TEST_ACCOUNTS[username][0] if password is None else password
        return self.http.post(
            "/login",
            data={"username": username, "password": secret, "login_token": self.login_token()},
        )

    def csrf(self, path: str = "/queue") -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.http.get(path).text)
        assert found, path
        return found.group(1)


def error_code(reply: httpx.Response) -> str:
    found = re.search(r'data-error-code="([^"]+)"', reply.text)
    return found.group(1) if found else ""


class Site:
    def __init__(self, url: str, deps: WebDeps, clock: Clock) -> None:
        self.url = url
        self.deps = deps
        self.clock = clock
        self._browsers: list[Browser] = []

    def browser(self, address: str = "127.0.0.2", **kwargs: Any) -> Browser:
        made = Browser(self.url, address, **kwargs)
        self._browsers.append(made)
        return made

    def signed_in(self, username: str, address: str = "127.0.0.2") -> Browser:
        made = self.browser(address)
        reply = made.sign_in(username)
        assert reply.status_code == 303, (reply.status_code, error_code(reply))
        return made

    def forget_sign_ins(self) -> None:
        """A clean slate for the throttles, locks and sign-in history (by table name, so
        that these probes also run, and fail, against the code before the fix)."""
        engine = self.deps.clinic.engine
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
        with engine.begin() as conn:
            for name in ("kiosk_login_throttle", "kiosk_login_state", "kiosk_login_known"):
                if name in present:
                    conn.execute(text(f"DELETE FROM {name}"))

    def close(self) -> None:
        for made in self._browsers:
            made.close()


BACKENDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)]


@pytest.fixture(scope="module", params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    _jhcis_sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """A seeded clinic database per module: SQLite, then the test MariaDB."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("db") / "jhcis.sqlite"
        shutil.copyfile(_jhcis_sqlite_template, target)
        return f"sqlite:///{target}"
    return str(request.getfixturevalue("_module_mariadb_databases").jhcis("utf8"))


@pytest.fixture(scope="module")
def site(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    clock = Clock()
    deps = make_deps(db_url, tmp_path_factory.mktemp("web"), clock=clock)
    try:
        with running_server(deps) as url:
            made = Site(url, deps, clock)
            yield made
            made.close()
    finally:
        deps.clinic.dispose()


@pytest.fixture
def fresh(site: Site) -> Site:
    """The module's server with no sign-in history, throttle or lock, at the start time."""
    site.forget_sign_ins()
    site.clock.now = NOW
    return site


# -- the server as a process -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scratch_config(tmp: Path, extra: str = "") -> Path:
    secrets = tmp / "secrets.toml"
    if not secrets.exists():
        secrets.write_text("")
        secrets.chmod(0o600)
    config = tmp / "config.toml"
    config.write_text(f'data_dir = "{tmp / "data"}"\nsecrets_file = "{secrets}"\n{extra}')
    return config


def backoffice(
    *args: str, env: dict[str, str] | None = None, umask: int | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`backoffice ARGS` as a process (the installed entry point's code)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


class ServeProcess:
    """`backoffice serve ...` running until stopped."""

    def __init__(self, args: list[str]) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backoffice.cli", *args],
            cwd=ROOT, env=clean, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def wait_listening(self, port: int, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(self.output())
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.2)
        raise AssertionError(f"not listening on {port}")

    def output(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.communicate(timeout=15)[0]

    def stop(self) -> str:
        return self.output()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def openssl_fingerprint(cert: Path) -> str:
    """The certificate's SHA-256 fingerprint as openssl itself prints it (AB:CD:...)."""
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(cert)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return out.strip().split("=", 1)[1]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
