"""The backoffice served by uvicorn on MariaDB, with the NHSO sandbox, driven by Chromium.

Debian's Chromium through Playwright (never a downloaded browser). One server per
module: a seeded utf8 JHCIS database, a day of kiosk visits, the sandbox answering
as NHSO for the synthetic unit, and the clock fixed on the synthetic clinic's last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backoffice.testing import TEST_ACCOUNTS, XSS, make_deps, running_server, seed_day
from backoffice.web.deps import WebDeps
from integrations.jhcis.records import Visit
from integrations.nhso.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "var" / "test" / "web"
NOW = dt.datetime(2026, 1, 15, 10, 0)
UNIT = "99901"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


class Site:
    """Everything a browser test needs: the URL, the live dependencies, the seeded day."""

    def __init__(
        self, url: str, deps: WebDeps, sandbox: SandboxServer, day: dict[str, list[Visit]]
    ):
        self.url = url
        self.deps = deps
        self.sandbox = sandbox
        self.day = day


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def site(
    jhcis_mariadb_utf8_url: str, tmp_path_factory: pytest.TempPathFactory, clock: Clock
) -> Iterator[Site]:
    sandbox = SandboxServer(port=0, hcode=UNIT, now=clock).start()
    deps = make_deps(
        jhcis_mariadb_utf8_url, tmp_path_factory.mktemp("web"), clock=clock, nhso_url=sandbox.url
    )
    deps.queue_refresh_ms = 700
    day = seed_day(deps.clinic, NOW.replace(hour=8), walkin_name=XSS)
    try:
        with running_server(deps) as url:
            yield Site(url, deps, sandbox, day)
    finally:
        sandbox.stop()
        deps.clinic.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(
        base_url=site.url, locale="th-TH", viewport={"width": 1280, "height": 900}
    )
    new_page = context.new_page()
    new_page.set_default_timeout(10_000)
    errors: list[str] = []
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    # An XSS payload that ran would open a dialog: fail loudly instead of hanging.
    new_page.on(
        "dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss())
    )
    yield new_page
    context.close()
    assert errors == [], errors


def sign_in(page: Any, username: str, password: str | None = None) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password if password is not None else TEST_ACCOUNTS[username][0])
    page.click("#sign-in")


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
