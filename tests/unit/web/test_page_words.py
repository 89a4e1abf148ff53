"""What a person reads on a staff page: no raw code (``no_moph_service``, ``dry_run``) and no
Christian-era date (``2026-01-15``), in Thai or in English (issue 22, item 2).

Every GET page of ``backoffice.app.ROUTES`` is rendered against the seeded SQLite clinic
with a day of kiosk visits and a finished job of each kind; the text a browser shows
(tags, attributes and form values removed) is scanned. Codes may stay in attributes
(``data-code``), where tests and scripts read them.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from backoffice.app import ROUTES
from backoffice.testing import TEST_ACCOUNTS, seed_day
from backoffice.web.deps import WebDeps
from backoffice.web.labels import LABELS, code_label

from .conftest import NOW, csrf_of

ClientFor = Callable[[str | None], TestClient]

#: Redirects, files and the queue's refreshed fragment; the waiting-room board (a TV, not a
#: staff page: tests/integration/web/test_calling_board.py) and the caller's line fragment
#: and event stream.
SKIP = {"/", "/lang/{lang}", "/queue/rows"}
OTHERS = ("/display", "/calling/line", "/calling/events")
FILES = re.compile(r"\.(png|jpg|pdf|csv|xlsx|wav)$|/files/")

CE_DATE = re.compile(
    r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b"
    r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (?:19|20)\d\d\b"
)
#: a snake_case word: how our codes look (dry_run, no_moph_service, claims-moph is a job
#: kind and has its own label)
RAW_CODE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.@/-])")
JOB_KIND = re.compile(r"\b(?:export|claims)-[a-z-]+\b")


def shown_text(page: str) -> str:
    """The text a browser shows: no script, style, tags or attributes; entities decoded."""
    page = re.sub(r"(?is)<(script|style|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(page)


def problems(page: str) -> list[str]:
    text = shown_text(page)
    for username in TEST_ACCOUNTS:  # JHCIS user names are names, not codes
        text = text.replace(username, "")
    return CE_DATE.findall(text) + RAW_CODE.findall(text) + JOB_KIND.findall(text)


def test_the_scan_finds_what_it_looks_for() -> None:
    page = '<td data-code="no_moph_service">2026-01-15</td><td>dry_run</td><p>claims-moph</p>'
    assert problems(page) == ["2026-01-15", "dry_run", "claims-moph"]
    assert problems("<td>15 Jan 2026 08:03</td><td>15 Jan 2569 BE</td>") == ["15 Jan 2026"]
    assert problems('<input value="2026-01-15"><a href="/x?date=2026-01-15">15 ม.ค. 2569</a>') == []


def test_every_code_kind_has_words_in_both_languages() -> None:
    for kind, codes in LABELS.items():
        for code, (th, en) in codes.items():
            assert th and en, (kind, code)
            assert code_label(kind, code, "th") == th and code_label(kind, code, "en") == en
    assert code_label("moph", "something_new", "th") == "something_new"  # shown, not hidden


def _finished(client: TestClient, url: str) -> str:
    for _ in range(200):
        page = client.get(url).text
        if 'http-equiv="refresh"' not in page:
            return url
        time.sleep(0.05)
    raise AssertionError(f"job {url} did not finish")


def _job(client: TestClient, form: str, action: str, data: dict[str, str]) -> str:
    reply = client.post(
        action, data={"csrf_token": csrf_of(client, form), **data}, follow_redirects=False
    )
    assert reply.status_code == 303, reply.text[-500:]
    return _finished(client, reply.headers["location"])


@pytest.fixture
def admin(deps: WebDeps, client_for: ClientFor) -> TestClient:
    seed_day(deps.clinic, NOW.replace(hour=8))
    return client_for("t_admin")


def _urls(deps: WebDeps, client: TestClient) -> dict[str, str]:
    day = NOW.date().isoformat()
    visit = f"/visits/{deps.clinic.unit_code()}/"
    first = re.search(r'href="(/visits/[^"]+)"', client.get("/queue").text)
    assert first
    jobs = {
        "/exports/jobs/{job_id}": _job(
            client, "/exports", "/exports/run",
            {"date_from": day, "date_to": day, "kind": "eclaim", "dry_run": "1"},
        ),
        "/claims/jobs/{job_id}": _job(
            client, "/claims/close-right", "/claims/close-right/send",
            {"date_from": day, "date_to": day, "dry_run": "1"},
        ),
    }  # fmt: skip
    urls: dict[str, str] = {}
    for spec in ROUTES:
        if spec.method != "GET" or spec.path.startswith(OTHERS):
            continue
        if spec.path in SKIP or FILES.search(spec.path):
            continue
        if spec.path in jobs:
            urls[spec.path] = jobs[spec.path]
        elif spec.path.startswith("/visits/"):
            urls[spec.path] = first.group(1)
        else:
            assert "{" not in spec.path, f"no URL for {spec.path}"
            urls[spec.path] = spec.path
    assert visit in urls["/visits/{pcucode}/{visitno}"]
    return urls


@pytest.mark.parametrize("lang", ["th", "en"])
def test_no_page_shows_a_raw_code_or_a_christian_era_date(
    deps: WebDeps, admin: TestClient, lang: str
) -> None:
    admin.get(f"/lang/{lang}?next=/queue")
    found: dict[str, list[str]] = {}
    urls = _urls(deps, admin)
    assert len(urls) >= 18
    for path, url in urls.items():
        reply = admin.get(url)
        assert reply.status_code == 200, (url, reply.status_code)
        assert 'lang="' + lang + '"' in reply.text
        bad = problems(reply.text)
        if bad:
            found[path] = sorted(set(bad))
    assert found == {}, f"raw codes or CE dates shown ({lang}): {found}"
