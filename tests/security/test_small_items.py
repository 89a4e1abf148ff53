"""Item 9, the smaller findings: CSV formulas, owner-only SQLite files, no folders made by
``--out``, security headers on 500 pages, no server banner.

(The others of item 9 are probed where they belong: ``adm`` is no administrator by
default, passwords are taken as typed and a failed sign-in keeps no typed name in
test_sign_in.py.)
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backoffice.exports.jobs import BOARD
from backoffice.web import framework

from .conftest import THAI, Site, backoffice, error_code, mode_of, scratch_config


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_claims_job_csv_defuses_spreadsheet_formulas(site: Site) -> None:
    rows = [{"visitno": "1", "message": "=HYPERLINK(\"http://x\",\"y\")", "status": "+1"},
            {"visitno": "2", "message": "@SUM(A1)", "status": "-2"}]  # fmt: skip
    job = BOARD.start("claims-moph", "t_staff", lambda job: rows)
    for _ in range(100):
        if job.finished:
            break
        time.sleep(0.02)
    staff = site.signed_in("t_staff")
    reply = staff.http.get(f"/claims/jobs/{job.id}/results.csv")
    assert reply.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))) for c in row]
    risky = [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert risky == [], risky
    assert '\'=HYPERLINK("http://x","y")' in cells


def test_sqlite_files_are_owner_only(tmp_path: Path, umask_022: None) -> None:
    from kiosk.journal import Journal

    journal = Journal(tmp_path / "journal" / "kiosk-journal.sqlite")
    try:
        made = sorted((tmp_path / "journal").iterdir())
        assert any(p.name.endswith("-wal") for p in made), made
        assert all(mode_of(p) == 0o600 for p in made), [(p.name, oct(mode_of(p))) for p in made]
    finally:
        journal.close()
    demo = tmp_path / "demo.sqlite"
    done = backoffice("--config", str(scratch_config(tmp_path)), "jhcis", "create-demo",
                      "--db", f"sqlite:///{demo}", "--persons", "20", umask=0o022)  # fmt: skip
    assert done.returncode == 0, done.stderr
    files = sorted(tmp_path.glob("demo.sqlite*"))
    assert files and all(mode_of(p) == 0o600 for p in files), [
        (p.name, oct(mode_of(p))) for p in files
    ]


def test_reminders_pdf_makes_no_folder(tmp_path: Path, jhcis_sqlite_url: str) -> None:
    target = tmp_path / "made" / "up" / "list.pdf"
    done = backoffice("--config", str(scratch_config(tmp_path)), "reminders", "pdf",
                      "--out", str(target), "--db", jhcis_sqlite_url)  # fmt: skip
    assert done.returncode == 1 and THAI.search(done.stderr) and "Traceback" not in done.stderr
    assert not (tmp_path / "made").exists()
    ok = tmp_path / "list.pdf"
    done = backoffice("--config", str(scratch_config(tmp_path)), "reminders", "pdf",
                      "--out", str(ok), "--db", jhcis_sqlite_url)  # fmt: skip
    assert done.returncode == 0 and mode_of(ok) == 0o600  # names and phones: owner-only


def test_500_pages_carry_the_security_headers(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    staff = site.signed_in("t_staff")

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug with 1999000000017 in its text")

    # A failure inside a page: the page's own net.
    monkeypatch.setattr(site.deps.clinic, "unit_code", broken)
    inside = staff.http.get("/queue")
    monkeypatch.undo()
    # A failure before any page runs: the application's net.
    monkeypatch.setattr(framework, "translator", broken)
    outside = staff.http.get("/queue")
    monkeypatch.undo()
    for reply in (inside, outside):
        assert reply.status_code == 500
        assert "script-src 'self'" in reply.headers["content-security-policy"]
        assert (
            reply.headers["x-frame-options"] == "DENY"
            and reply.headers["cache-control"] == "no-store"
        )
        assert "server" not in reply.headers
        assert "1999000000017" not in reply.text and "Traceback" not in reply.text
        assert error_code(reply) == "web.server_error" and THAI.search(reply.text)


def test_no_server_banner(site: Site) -> None:
    reply = site.browser().http.get("/login")
    assert "server" not in reply.headers
