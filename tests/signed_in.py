"""A staff member signed in to the real staff web app, for page tests."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from backoffice.app import create_app
from backoffice.testing import TEST_ACCOUNTS
from backoffice.web.deps import WebDeps


def signed_in(deps: WebDeps, username: str) -> TestClient:
    """A client of the app signed in as one of the test accounts."""
    client = TestClient(create_app(deps), base_url="http://testserver")
    token = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post(
        "/login",
        data={"username": username, "password": TEST_ACCOUNTS[username][0],
              "login_token": token.group(1)},
    )  # fmt: skip
    return client
