"""The device watcher against the real things: pcscd's reader list (vpcd readers), the
clinic database (SQLite, MariaDB, and an address nothing listens on), the loopback ESC/POS
printer answering DLE EOT as a printer in each state would, and the NHSO sandbox over
HTTP (then stopped)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from common.config import load_settings
from common.secrets import Secrets
from hardware.printer import LoopbackPrinter, LoopbackState, printer_from_uri
from integrations.jhcis import ClinicDatabase
from integrations.nhso.providers import authen_provider_from_settings
from integrations.nhso.sandbox import SandboxServer
from kiosk.adapters.card import PcscCardMonitor
from kiosk.adapters.clinic import JhcisClinic
from kiosk.adapters.nhso import ProviderRights
from kiosk.adapters.printer import TicketPrinterPort
from kiosk.device_status import DeviceStatus, DeviceWatcher, probe
from kiosk.health import HealthRecorder
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


def test_paper_out_and_nhso_down_are_known_before_a_card_goes_in(tmp_path: Path) -> None:
    """The loopback printer runs out of paper and NHSO goes away: the watcher's next look
    says so (the idle screen's notes, the health file), without printing anything and
    without asking NHSO about anyone; and both clear when they are back."""
    health_file = tmp_path / "kiosk-health.json"
    with LoopbackPrinter(width_dots=576) as loopback, SandboxServer(port=0) as sandbox:
        services = FakeWorld().services()
        services.printer = TicketPrinterPort(printer_from_uri(loopback.uri), clinic_name="x")
        settings = load_settings(None, {"nhso.sandbox_port": sandbox.port, "nhso.timeout_s": 2})
        provider = authen_provider_from_settings(settings, Secrets())
        services.rights = ProviderRights(provider)
        watcher = DeviceWatcher(services, HealthRecorder(health_file, write_interval_s=0))
        try:
            assert watcher.check_now() == DeviceStatus(printer="ok", nhso="ok")
            loopback.state = LoopbackState.PAPER_OUT
            sandbox.stop()
            status = watcher.check_now(nhso=True)
            # The sandbox is the agent's stand-in: nothing answers where the agent should.
            assert status == DeviceStatus(printer="paper_out", nhso="agent_not_running")
            assert status.notes == ("printer_paper_out", "nhso_down")
            components = json.loads(health_file.read_text())["components"]
            assert components["printer"] | {"at": None} == {
                "status": "failed",
                "code": "paper_out",
                "at": None,
            }
            assert (components["nhso"]["status"], components["nhso"]["code"]) == (
                "down",
                "agent_not_running",
            )
            for state, word in (
                (LoopbackState.NEAR_END, "near_end"),
                (LoopbackState.COVER_OPEN, "cover_open"),
                (LoopbackState.OFFLINE, "offline"),
                (LoopbackState.SILENT, "unknown"),  # no return channel: not a fault
                (LoopbackState.READY, "ok"),
            ):
                loopback.state = state
                assert watcher.check_now().printer == word, state
            assert watcher.status.notes == ("nhso_down",)
            assert loopback.jobs == []  # status requests only: nothing was printed
        finally:
            provider.close()
    assert sandbox.sandbox.served == 0  # a HEAD is no API call: nobody was asked about


def test_an_unplugged_printer_is_offline(tmp_path: Path) -> None:
    loopback = LoopbackPrinter(width_dots=576).start()
    uri = loopback.uri
    loopback.stop()  # nothing listens there any more
    services = FakeWorld().services()
    services.printer = TicketPrinterPort(printer_from_uri(uri), clinic_name="x")
    status = probe(services, nhso=False)
    assert status.printer == "offline" and status.notes == ("printer_offline",)
