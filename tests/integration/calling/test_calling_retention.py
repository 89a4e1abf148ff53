"""PDPA for the calling room on MariaDB: retention removes old lines and call events
(and nothing of today), and adding or revoking a waiting-room screen is audited."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.calling import line
from backoffice.calling.commands import screen_add_command, screen_revoke_command
from backoffice.calling.tables import call_entry, call_event, ensure_calling_tables
from backoffice.retention.purge import purge
from backoffice.testing import make_deps
from backoffice.web.audit import audit_from_settings
from backoffice.web.tables import audit_log, ensure_web_tables
from common.config import CallingSettings, Settings
from integrations.jhcis.engine import open_engine

pytestmark = pytest.mark.integration

TODAY = dt.date(2026, 6, 30)


def _entry(engine: object, visitno: int, day: dt.date) -> None:
    at = dt.datetime.combine(day, dt.time(9, 0))
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            call_entry.insert().values(
                pcucode="99901", visitno=visitno, visitdate=day, pcucodeperson="99901",
                pid=visitno, queue_no=visitno, masked_name="ท*** ท•••", first_point="screening",
                point="screening", status="waiting", calls=0, enqueued_at=at, updated_at=at,
            )
        )  # fmt: skip


def _count(engine: object, table: object, day: dt.date) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(
            conn.execute(
                select(func.count()).select_from(table).where(table.c.visitdate == day)  # type: ignore[attr-defined]
            ).scalar_one()
        )


def test_retention_removes_old_lines_and_calls_only(
    mariadb_databases: object, tmp_path: Path
) -> None:
    url = mariadb_databases.empty("utf8")  # type: ignore[attr-defined]
    engine = open_engine(url)
    try:
        ensure_calling_tables(engine)
        ensure_web_tables(engine)
        settings = Settings(secrets_file=tmp_path / "secrets.toml", data_dir=tmp_path)
        keep_days = settings.backoffice.export_retention_days
        old_day = TODAY - dt.timedelta(days=keep_days + 1)
        kept_day = TODAY - dt.timedelta(days=keep_days - 1)
        calling = CallingSettings()
        for n, day in ((1, old_day), (2, kept_day), (3, TODAY)):
            _entry(engine, n, day)
            line.call_next(
                engine, calling, day=day, point="screening", counter=1, username="n",
                now=dt.datetime.combine(day, dt.time(9, 5)),
            )  # fmt: skip
        audit = audit_from_settings(engine, settings)
        now = dt.datetime.combine(TODAY, dt.time(23, 0))
        would = purge(settings, audit, now=now, dry_run=True, calling_engine=engine)
        assert would.call_rows == 2  # the old day's entry and its call
        assert _count(engine, call_entry, old_day) == 1
        done = purge(settings, audit, now=now, calling_engine=engine)
        assert done.call_rows == 2
        assert [_count(engine, call_entry, d) for d in (old_day, kept_day, TODAY)] == [0, 1, 1]
        assert [_count(engine, call_event, d) for d in (old_day, kept_day, TODAY)] == [0, 1, 1]
    finally:
        engine.dispose()


def test_adding_and_revoking_a_screen_is_audited(
    jhcis_mariadb_utf8_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deps = make_deps(jhcis_mariadb_utf8_url, tmp_path)
    try:
        args = argparse.Namespace(
            name="ห้องรอจ่ายยา", base_url="https://backoffice.local:8443",
            db=jhcis_mariadb_utf8_url, json=True,
        )  # fmt: skip
        assert screen_add_command(args, deps.settings) == 0
        screen_id = int(capsys.readouterr().out.split('"id": ')[1].split(",")[0])
        revoke = argparse.Namespace(id=screen_id, db=jhcis_mariadb_utf8_url, json=True)
        assert screen_revoke_command(revoke, deps.settings) == 0
        with deps.clinic.engine.connect() as conn:
            rows = conn.execute(
                select(audit_log.c.action, audit_log.c.target).where(
                    audit_log.c.target == f"screen/{screen_id}"
                )
            ).all()
        assert sorted(r.action for r in rows) == ["calling_screen_add", "calling_screen_revoke"]
        # The audit entry names the screen, never its token.
        assert "display?s=" not in str(rows)
    finally:
        deps.clinic.dispose()
