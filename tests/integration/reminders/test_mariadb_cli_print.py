"""On MariaDB (utf8 and tis620): the known cases, the commands' JSON, slips on the loopback
printer, the A4 PDF and the log tables; the same SQL as on SQLite."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from backoffice.cli import main
from backoffice.reminders.channels import SlipChannel
from backoffice.reminders.ledger import ReminderLedger
from backoffice.reminders.pdf import appointments_pdf
from backoffice.reminders.sender import send_reminders
from hardware.printer import LoopbackPrinter, printer_from_uri
from integrations.jhcis import appointments as q
from integrations.jhcis.engine import open_engine
from integrations.jhcis.synth_cases import (
    TODAY,
    UNIT,
    KnownCase,
    keys_expecting,
    seed_known_appointments,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["utf8", "tis620"])
def seeded(
    request: pytest.FixtureRequest, _module_mariadb_databases
) -> Iterator[tuple[str, dict[str, KnownCase]]]:  # type: ignore[no-untyped-def]
    url = _module_mariadb_databases.jhcis(request.param, persons=120, visits=200)
    engine = open_engine(url)
    keys = seed_known_appointments(engine)
    engine.dispose()
    yield url, keys


@pytest.fixture
def engine(seeded: tuple[str, dict[str, KnownCase]]) -> Iterator[Engine]:
    engine = open_engine(seeded[0])
    yield engine
    engine.dispose()


def test_known_cases_on_mariadb(engine: Engine, seeded: tuple[str, dict[str, KnownCase]]) -> None:
    keys = seeded[1]
    assert {a.key for a in q.due(engine, TODAY, 30)} == keys_expecting(keys, "due")
    assert {a.key for a in q.missed(engine, TODAY, lookback_days=30)} == keys_expecting(
        keys, "missed"
    )
    assert [(d.pid, d.code) for d in q.double_bookings(engine, TODAY)] == [(5, "HBV1")]
    assert [a.pid for a in q.given_while_open(engine, TODAY)] == [6]
    assert q.next_vaccine_appointment(engine, UNIT, 1, TODAY) == (dt.date(2027, 3, 2), "วัคซีนบีซีจี")
    village = q.due(engine, TODAY, 30)[0].village
    assert village.startswith("บ้าน")  # Thai survives the column charset


def test_commands_json(
    seeded: tuple[str, dict[str, KnownCase]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, keys = seeded
    assert (
        main(["reminders", "due", "--db", url, "--date", "2027-03-01", "--days", "30", "--json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["from"] == "2027-03-01" and data["to"] == "2027-03-30"
    assert {a["key"] for a in data["appointments"]} == keys_expecting(keys, "due")
    assert data["by_vaccine"]["วัคซีนตับอักเสบบี เข็ม 1"] == 2
    assert "phone" not in data["appointments"][0]
    # Buddhist-era input is accepted and means the same day.
    assert main(["reminders", "due", "--db", url, "--date", "2570-03-02", "--json"]) == 0
    assert {a["code"] for a in json.loads(capsys.readouterr().out)["appointments"]} == {
        "BCG",
        "I10",
    }
    assert (
        main(
            [
                "reminders",
                "missed",
                "--db",
                url,
                "--date",
                "2027-03-01",
                "--lookback",
                "30",
                "--json",
            ]
        )
        == 0
    )
    missed = json.loads(capsys.readouterr().out)["appointments"]
    assert {a["key"] for a in missed} == keys_expecting(keys, "missed")
    assert main(["reminders", "duplicates", "--db", url, "--date", "2027-03-01", "--json"]) == 0
    dup = json.loads(capsys.readouterr().out)
    assert dup["double_booked"][0]["dates"] == ["2027-03-05", "2027-03-19"]
    assert dup["given_while_open"][0]["kept_on"] == "2027-02-15"


def test_send_dry_run_command_logs_nothing(
    seeded: tuple[str, dict[str, KnownCase]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _keys = seeded
    code = main([
        "reminders", "send", "--db", url, "--date", "2027-03-01", "--days", "1",
        "--channel", "slip", "--dry-run", "--quiet-hours", "off", "--json",
    ])  # fmt: skip
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] and report["counts"] == {"would_send": 2}
    engine = open_engine(url)
    try:
        assert inspect(engine).has_table("kiosk_reminder_log")
        assert not [e for e in ReminderLedger(engine).entries() if e.channel == "slip"]
    finally:
        engine.dispose()


def test_slips_on_the_loopback_printer_once(engine: Engine, tmp_path: Path) -> None:
    due = q.due(engine, dt.date(2027, 3, 2), 1)
    with LoopbackPrinter(out_dir=tmp_path / "jobs", width_dots=576) as printer:
        slip = SlipChannel(printer_from_uri(printer.uri), "รพ.สต.ทดสอบ", "043000000")
        now = dt.datetime.combine(TODAY, dt.time(21, 0))  # quiet hours do not stop printing
        first = send_reminders(due, [slip], ReminderLedger(engine), now=now, clinic_name="x")
        assert first.counts() == {"sent": 2}
        jobs = printer.wait_for_jobs(2)
        assert all(j.printed and j.cut and j.image is not None for j in jobs)
        assert jobs[0].image is not None and jobs[0].image.height > 300
        again = send_reminders(due, [slip], ReminderLedger(engine), now=now, clinic_name="x")
        assert again.counts() == {"already": 2}
        assert len(printer.jobs) == 2


def test_pdf_lists_by_village(engine: Engine, tmp_path: Path) -> None:
    items = q.due(engine, TODAY, 30)
    data = appointments_pdf(
        items, title="รายชื่อผู้มีนัด", clinic_name="รพ.สต.ทดสอบ", printed_at=dt.datetime(2027, 3, 1, 8)
    )
    assert data.startswith(b"%PDF-") and b"/FontFile2" in data
    assert b"/Count 1" in data  # one A4 page for six rows
