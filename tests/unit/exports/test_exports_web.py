"""The claim-file pages mounted on the real staff web app: sign-in, progress, downloads."""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.routing import Route
from starlette.testclient import TestClient

from backoffice.app import create_app
from backoffice.exports import web as exports_web
from backoffice.testing import TEST_ACCOUNTS, make_deps
from backoffice.web.deps import WebDeps


@pytest.fixture
def deps(clinic_engine: Engine, tmp_path: Path) -> Iterator[WebDeps]:
    built = make_deps(str(clinic_engine.url), tmp_path / "web")
    yield built
    built.clinic.dispose()


def app_client(deps: WebDeps, username: str | None) -> TestClient:
    app = create_app(deps)
    for path, method, endpoint in exports_web.ROUTES:
        app.router.routes.insert(0, Route(path, endpoint, methods=[method]))
    client = TestClient(app, base_url="http://testserver")
    if username:
        token = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)
        assert token
        reply = client.post(
            "/login",
            data={"username": username, "password": TEST_ACCOUNTS[username][0],
                  "login_token": token.group(1)},
            follow_redirects=False,
        )  # fmt: skip
        assert reply.status_code == 303, reply.text
    return client


def csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/exports").text)
    assert match
    return match.group(1)


def run_job(client: TestClient, kind: str, **extra: str) -> str:
    reply = client.post(
        "/exports/run",
        data={"csrf_token": csrf(client), "date_from": "2026-03-02", "date_to": "2569-03-02",
              "kind": kind, **extra},
        follow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 303, reply.text
    job_url = reply.headers["location"]
    for _ in range(100):
        page: str = client.get(job_url).text
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_export_page_needs_a_signed_in_staff_member(deps: WebDeps) -> None:
    anonymous = app_client(deps, None)
    assert anonymous.get("/exports", follow_redirects=False).status_code == 303
    viewer = app_client(deps, "t_viewer")
    assert viewer.get("/exports").status_code == 403


def test_eclaim_job_shows_progress_result_and_downloads(deps: WebDeps) -> None:
    client = app_client(deps, "t_staff")
    page = run_job(client, "eclaim")
    assert re.search(r'id="included">4<', page)
    assert re.search(r'id="excluded">5<', page)
    assert 'max="9" value="9"' in page  # the progress bar is full: 9 of 9 visits
    links = re.findall(r'href="(/exports/jobs/[0-9a-f]+/files/[^"]+)"', page)
    assert sorted(link.rsplit("/", 1)[1] for link in links) == ["report.csv", "report.json", "zip"]
    archive = client.get(next(link for link in links if link.endswith("/zip")))
    assert archive.status_code == 200
    with zipfile.ZipFile(BytesIO(archive.content)) as zipped:
        assert "INS.txt" in zipped.namelist()
    report = client.get(next(link for link in links if link.endswith("report.csv")))
    assert "missing_cid" in report.content.decode("utf-8-sig")
    job = links[0].rsplit("/files/", 1)[0]
    assert client.get(f"{job}/files/..%2F..%2Fsecrets.toml").status_code == 404


def test_ssop_dry_run_and_unknown_files(deps: WebDeps) -> None:
    client = app_client(deps, "t_staff")
    page = run_job(client, "ssop", dry_run="1")
    assert re.search(r'id="included">1<', page)
    # A dry run writes no file: nothing to download (issue 19, item 7).
    assert re.findall(r'href="(/exports/jobs/[0-9a-f]+)/files/([^"]+)"', page) == []
    assert not (deps.settings.data_dir / "exports").exists() or not any(
        (deps.settings.data_dir / "exports").iterdir()
    )
    assert client.get("/exports/jobs/nojob/files/..%2F..%2Fsecrets.toml").status_code == 404
    assert client.get("/exports/jobs/nope").status_code == 404


def test_bad_requests_are_refused(deps: WebDeps) -> None:
    client = app_client(deps, "t_staff")
    reply = client.post(
        "/exports/run",
        data={"csrf_token": csrf(client), "date_from": "2026-03-02", "date_to": "2026-03-02",
              "kind": "dbf"},
    )  # fmt: skip
    assert reply.status_code == 400
    no_csrf = client.post(
        "/exports/run", data={"date_from": "2026-03-02", "date_to": "2026-03-02", "kind": "eclaim"}
    )
    assert no_csrf.status_code == 403
