"""`backoffice claims sync` and `backoffice staff role` on a seeded SQLite clinic."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.claims.sync_commands import parse_run_date
from backoffice.cli import build_parser, main
from backoffice.testing import seed_day
from backoffice.web.tables import staff_role
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.engine import open_engine


def test_parse_run_date() -> None:
    today = dt.date(2026, 1, 15)
    assert parse_run_date("today", today=today) == today
    assert parse_run_date("yesterday", today=today) == dt.date(2026, 1, 14)
    assert parse_run_date("2026-01-10") == dt.date(2026, 1, 10)
    assert parse_run_date("2569-01-10") == dt.date(2026, 1, 10)  # Buddhist era
    with pytest.raises(argparse.ArgumentTypeError):
        parse_run_date("10/01/2026")


def test_commands_are_registered() -> None:
    parser = build_parser()
    args = parser.parse_args(["claims", "sync", "--date", "2026-01-15", "--dry-run", "--json"])
    assert args.dry_run and args.json and args.date == dt.date(2026, 1, 15)
    serve = parser.parse_args(["serve", "--host", "0.0.0.0", "--port", "8443"])
    assert serve.port == 8443


def test_staff_role_command(jhcis_sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "role", "--db", jhcis_sqlite_url, "nobody-here", "admin"]) == 1
    engine = open_engine(jhcis_sqlite_url)
    from integrations.jhcis.tables import user

    with engine.connect() as conn:
        name = conn.execute(select(user.c.username).limit(1)).scalar_one()
    assert main(["staff", "role", "--db", jhcis_sqlite_url, name, "admin"]) == 0
    with engine.connect() as conn:
        assert (
            conn.execute(select(staff_role.c.role).where(staff_role.c.username == name)).scalar()
            == "admin"
        )
    engine.dispose()


def test_claims_sync_command_reports_a_stop(
    jhcis_sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Endpoint mode with no token: the run stops at once, resumably, with exit code 3.
    clinic = ClinicDatabase.from_url(jhcis_sqlite_url)
    seed_day(clinic, dt.datetime(2026, 1, 15, 8, 0))
    clinic.dispose()
    monkeypatch.setenv("KIOSK_NHSO__MODE", "endpoint")
    monkeypatch.setenv("KIOSK_SECRETS_FILE", str(tmp_path / "secrets.toml"))
    code = main(["claims", "sync", "--db", jhcis_sqlite_url, "--date", "2026-01-15", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3
    assert out["stopped"]["error_code"] == "nhso.not_configured"
    assert out["complete"] is False


def test_claims_sync_dry_run_on_a_quiet_day(
    jhcis_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["claims", "sync", "--db", jhcis_sqlite_url, "--date", "2020-01-01"])
    assert code == 0
    assert capsys.readouterr().out.startswith("2020-01-01..2020-01-01")
