"""Item 7: claim batches are owner-only, all-or-nothing, honest about dry runs and ranges,
and purged after their retention.

Before the fix, under umask 022 PAT.txt (citizen IDs) was 0644, a failed export left a
batch folder with 19 files, ``--dry-run`` wrote a folder and reports, ``--from`` after
``--to`` was accepted, and nothing ever removed old batches or ticket images.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backoffice.exports.eclaim import export_eclaim
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.exports.ssop import export_ssop
from integrations.jhcis.engine import open_engine

from .conftest import THAI, Site, backoffice, mode_of, scratch_config

RANGE = ("--from", "2025-12-01", "--to", "2026-01-15")


def tree(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*")) if folder.exists() else []


@pytest.mark.parametrize("kind", ["eclaim", "ssop"])
def test_batches_are_owner_only_whatever_the_umask(db_url: str, tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    config = scratch_config(tmp_path)
    done = backoffice("--config", str(config), "export", kind, *RANGE, "--out", str(out),
                      "--db", db_url, "--json", umask=0o022)  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = tree(out)
    assert any(p.suffix == ".zip" for p in written) and any(p.name == "report.csv" for p in written)
    for path in [out, *written]:
        expected = 0o700 if path.is_dir() else 0o600
        assert mode_of(path) == expected, (path, oct(mode_of(path)))
    assert not [p for p in written if p.name.startswith(".")]  # no build left behind


class FailingSource(ClaimSource):
    """The database goes away after a few visits (a pulled cable, a JHCIS restart)."""

    def bundles(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for number, bundle in enumerate(super().bundles(*args, **kwargs)):
            if number == 3:
                raise ConnectionError("the database went away")
            yield bundle


@pytest.mark.parametrize("export", [export_eclaim, export_ssop])
def test_a_failed_export_leaves_nothing(db_url: str, tmp_path: Path, export: Any) -> None:
    engine = open_engine(db_url)
    out = tmp_path / "out"
    source = FailingSource(engine, chunk_size=2)
    extra = {"hname": "x"} if export is export_ssop else {}
    try:
        with pytest.raises(ConnectionError):
            export(source, dt.date(2025, 12, 1), dt.date(2026, 1, 15), out, rules=RuleSet(),
                   hcode=source.own_hcode(), **extra)  # fmt: skip
    finally:
        engine.dispose()
    assert tree(out) == []


def test_a_dry_run_writes_no_folder_and_no_report(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for kind in ("eclaim", "ssop"):
        done = backoffice("--config", str(scratch_config(tmp_path)), "export", kind, *RANGE,
                          "--out", str(out), "--db", db_url, "--dry-run", "--json")  # fmt: skip
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["dry_run"] and result["folder"] is None and result["report_csv"] is None
        assert result["summary"]["included_visits"] + result["summary"]["excluded_visits"] > 0
    assert tree(out) == []


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("export", "eclaim", "--from", "2026-01-15", "--to", "2026-01-01"), "export.bad_range"),
        (("export", "ssop", "--from", "2026-01-15", "--to", "2026-01-01"), "export.bad_range"),
        (("export", "eclaim", *RANGE, "--workers", "0"), "export.bad_workers"),
    ],
)
def test_bad_ranges_are_refused_in_both_languages(
    db_url: str, tmp_path: Path, args: tuple[str, ...], code: str
) -> None:
    out = tmp_path / "out"
    done = backoffice("--config", str(scratch_config(tmp_path)), *args, "--out", str(out),
                      "--db", db_url, "--json")  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    answer = json.loads(done.stdout)
    assert answer["error_code"] == code and THAI.search(answer["message_th"])
    assert tree(out) == []


@pytest.mark.parametrize("session", ["-5", "0", "10000", "x"])
def test_ssop_session_numbers_stay_in_range(db_url: str, tmp_path: Path, session: str) -> None:
    config = str(scratch_config(tmp_path))
    done = backoffice("--config", config, "export", "ssop", *RANGE, "--out",
                      str(tmp_path / "o"), "--db", db_url, "--session", session)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr and "--session" in done.stderr


def test_web_batches_are_owner_only(site: Site) -> None:
    staff = site.signed_in("t_staff")
    reply = staff.http.post(
        "/exports/run",
        data={"csrf_token": staff.csrf("/exports"), "date_from": "2025-12-01",
              "date_to": "2026-01-15", "kind": "eclaim"},
    )  # fmt: skip
    assert reply.status_code == 303
    for _ in range(200):
        if "refresh" not in staff.http.get(reply.headers["location"]).text:
            break
    exports = Path(site.deps.settings.data_dir) / "exports"
    written = tree(exports)
    assert written and all(mode_of(p) == (0o700 if p.is_dir() else 0o600) for p in written)
    download = staff.http.get(reply.headers["location"] + "/files/zip")
    assert download.status_code == 200
    with site.deps.clinic.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT username, target FROM kiosk_audit_log WHERE action = 'export_download'"
        ).all()
    assert ("t_staff", "export-eclaim:zip") in [tuple(r) for r in rows]


def test_retention_purges_old_batches_and_tickets_only(
    tmp_path: Path, jhcis_sqlite_url: str
) -> None:
    config = scratch_config(tmp_path, "[backoffice]\nexport_retention_days = 30\n")
    data = tmp_path / "data"
    exports, tickets = data / "exports", data / "tickets"
    old_batch = exports / "ECLAIM_99901_20250101-20250131_20250201-101010"
    old_zip = exports / "ECLAIM_99901_20250101-20250131_20250201-101010.zip"
    old_ssop = exports / "99901_SSOPBIL_0001_01_25680201-101010.zip"
    leftover = exports / ".building-ECLAIM_99901_20250101-20250131_20250202-101010"
    new_batch = exports / "ECLAIM_99901_20250301-20250331_20250401-101010"
    clinic_file = exports / "notes-of-the-clinic.txt"
    old_ticket, new_ticket = tickets / "ticket-20250101-1.png", tickets / "ticket-20250401-2.png"
    for folder in (old_batch, leftover, new_batch):
        folder.mkdir(parents=True)
        (folder / "PAT.txt").write_text("x")
    for file in (old_zip, old_ssop, clinic_file, old_ticket, new_ticket):
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("x")
    long_ago = (dt.datetime.now() - dt.timedelta(days=60)).timestamp()
    for path in (old_batch, old_zip, old_ssop, leftover, clinic_file, old_ticket):
        os.utime(path, (long_ago, long_ago))
    dry = backoffice("--config", str(config), "retention", "purge", "--dry-run", "--json",
                     "--db", jhcis_sqlite_url)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert len(json.loads(dry.stdout)["batches"]) == 4 and old_batch.exists()
    done = backoffice(
        "--config", str(config), "retention", "purge", "--json", "--db", jhcis_sqlite_url
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["tickets"] == 1 and len(report["batches"]) == 4
    assert sorted(p.name for p in exports.iterdir()) == sorted([clinic_file.name, new_batch.name])
    assert sorted(p.name for p in tickets.iterdir()) == [new_ticket.name]
