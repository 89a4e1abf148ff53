"""A seeded SQLite JHCIS database with the web app's test accounts, and a signed-in client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from backoffice.app import create_app
from backoffice.testing import TEST_ACCOUNTS, make_deps
from backoffice.web.deps import WebDeps

NOW = dt.datetime(2026, 1, 15, 10, 0)


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def deps(jhcis_sqlite_url: str, tmp_path: Path, clock: Clock) -> Iterator[WebDeps]:
    built = make_deps(jhcis_sqlite_url, tmp_path / "web", clock=clock)
    yield built
    built.clinic.dispose()


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    match = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str | None = None) -> TestClient:
    secret = password if password is not None else TEST_ACCOUNTS[username][0]
    reply = client.post(
        "/login",
        data={"username": username, "password": secret, "login_token": login_token(client)},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return client


def csrf_of(client: TestClient, path: str = "/queue") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


@pytest.fixture
def client_for(deps: WebDeps) -> Callable[[str | None], TestClient]:
    def make(username: str | None) -> TestClient:
        client = TestClient(create_app(deps), base_url="http://testserver")
        return sign_in(client, username) if username else client

    return make
