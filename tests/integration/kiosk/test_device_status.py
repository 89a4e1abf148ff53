"""The device watcher against the real things: pcscd's reader list (vpcd readers) and the
clinic database (SQLite, MariaDB, and an address nothing listens on)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from integrations.jhcis import ClinicDatabase
from kiosk.adapters.card import PcscCardMonitor
from kiosk.adapters.clinic import JhcisClinic
from kiosk.device_status import DeviceStatus, probe
from kiosk.ports import DatabaseUnavailable
from kiosk.testing import FakeWorld

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("fixture", ["jhcis_sqlite_url", "jhcis_mariadb_utf8_url"])
def test_ping_answers_on_a_reachable_database(fixture: str, request: pytest.FixtureRequest) -> None:
    db = ClinicDatabase.from_url(request.getfixturevalue(fixture))
    try:
        clinic = JhcisClinic(db)
        clinic.ping()
        clinic.ping()  # the second one queries too (the profile is cached by then)
    finally:
        db.dispose()


def test_ping_on_an_unreachable_database_is_database_unavailable() -> None:
    db = ClinicDatabase.from_url(
        "mysql+pymysql://nobody:x@127.0.0.1:9/jhcis", hcode="99999", connect_timeout_s=1
    )
    try:
        with pytest.raises(DatabaseUnavailable):
            JhcisClinic(db).ping()
    finally:
        db.dispose()


def wait_connected(monitor: PcscCardMonitor, timeout_s: float = 10) -> bool | None:
    deadline = time.monotonic() + timeout_s
    while monitor.connected is not True and time.monotonic() < deadline:
        time.sleep(0.1)
    return monitor.connected


def test_reader_presence_follows_pcscd(vpcd_ports: list[int], tmp_path: Path) -> None:
    present = PcscCardMonitor(f"Virtual PCD 00 {vpcd_ports[0] - 35963:02d}")
    absent = PcscCardMonitor("No Such Reader 99")
    assert present.connected is None  # not started: unknown, never "missing"
    present.start(lambda: None, lambda: None)
    absent.start(lambda: None, lambda: None)
    try:
        assert wait_connected(present) is True
        time.sleep(2)  # the monitor has looked at PC/SC's list by now
        assert absent.connected is False
        world = FakeWorld().services()
        world.monitor = absent
        assert probe(world) == DeviceStatus(reader="missing", database="unknown")
    finally:
        present.stop()
        absent.stop()
