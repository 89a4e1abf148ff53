"""The device watcher's decisions, with small stand-ins for the ports (the real adapters
are checked against pcscd and the databases in tests/integration/kiosk)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.device_status import DeviceStatus, DeviceWatcher, probe
from kiosk.health import HealthRecorder
from kiosk.i18n import MESSAGES
from kiosk.ports import DatabaseUnavailable, NhsoUnavailable
from kiosk.testing import FakeWorld


class Clinic:
    def __init__(self, up: bool) -> None:
        self.up = up
        self.pings = 0

    def ping(self) -> None:
        self.pings += 1
        if not self.up:
            raise DatabaseUnavailable("test")


class Monitor:
    def __init__(self, connected: bool | None) -> None:
        self.connected = connected

    def start(self, *_: object) -> None: ...

    def stop(self) -> None: ...


def services(clinic: object, monitor: object):  # type: ignore[no-untyped-def]
    base = FakeWorld().services()
    base.clinic = clinic  # type: ignore[assignment]
    base.monitor = monitor  # type: ignore[assignment]
    return base


def test_fakes_cannot_answer_so_nothing_is_shown() -> None:
    status = probe(FakeWorld().services())
    assert status == DeviceStatus("unknown", "unknown")
    assert status.notes == ()


def test_missing_reader_and_unreachable_database_are_both_noted() -> None:
    status = probe(services(Clinic(up=False), Monitor(connected=False)))
    assert status == DeviceStatus(reader="missing", database="down")
    assert status.notes == ("reader_missing", "database_down")
    for key in status.notes:
        th, en = MESSAGES[key]
        assert th and en and th != en
    assert status.summary == "reader missing, database down, printer unknown, nhso unknown"


def test_not_yet_known_reader_is_not_reported_missing() -> None:
    status = probe(services(Clinic(up=True), Monitor(connected=None)))
    assert status == DeviceStatus(reader="unknown", database="ok")
    assert status.notes == ()


def test_watcher_writes_health_and_tells_only_changes(tmp_path: Path) -> None:
    health_file = tmp_path / "health.json"
    health = HealthRecorder(health_file, write_interval_s=0)
    clinic, monitor = Clinic(up=True), Monitor(connected=False)
    seen: list[DeviceStatus] = []
    watcher = DeviceWatcher(services(clinic, monitor), health, on_change=seen.append)
    watcher.check_now()
    watcher.check_now()
    assert seen == [DeviceStatus(reader="missing", database="ok")]
    components = json.loads(health_file.read_text())["components"]
    assert components["reader"]["status"] == "missing"
    assert components["database"]["status"] == "ok"
    clinic.up, monitor.connected = False, True
    watcher.check_now()
    assert seen[-1] == DeviceStatus(reader="ok", database="down")
    assert json.loads(health_file.read_text())["components"]["database"]["status"] == "down"
    assert clinic.pings == 3


class EventMonitor(Monitor):
    """A monitor that says when the reader comes and goes (PcscCardMonitor does)."""

    def __init__(self, connected: bool | None) -> None:
        super().__init__(connected)
        self.listeners: list[Callable[[bool], None]] = []

    def on_presence(self, listener: Callable[[bool], None]) -> None:
        self.listeners.append(listener)

    def plug(self, connected: bool) -> None:
        self.connected = connected
        for listener in self.listeners:
            listener(connected)


def test_reader_events_reach_health_and_screen_at_once(tmp_path: Path) -> None:
    health_file = tmp_path / "health.json"
    health = HealthRecorder(health_file, write_interval_s=0)
    clinic, monitor = Clinic(up=True), EventMonitor(connected=True)
    seen: list[DeviceStatus] = []
    # The periodic check would come only after an hour: only the events can be seen.
    watcher = DeviceWatcher(
        services(clinic, monitor), health, on_change=seen.append, first_after_s=3600
    )
    watcher.start()
    try:
        monitor.plug(False)
        assert seen == [DeviceStatus(reader="missing", database="unknown")]
        assert seen[-1].notes == ("reader_missing",)
        components = json.loads(health_file.read_text())["components"]
        assert components["reader"]["status"] == "missing"
        monitor.plug(True)
        assert seen[-1].reader == "ok" and seen[-1].notes == ()
        assert json.loads(health_file.read_text())["components"]["reader"]["status"] == "ok"
        assert clinic.pings == 0  # a reader event never waits on the database
    finally:
        watcher.stop()


class Printer:
    """A printer port that says how it is (TicketPrinterPort.readiness does, over DLE EOT)."""

    def __init__(self, readiness: str) -> None:
        self.state = readiness
        self.asked = 0

    def readiness(self) -> str:
        self.asked += 1
        return self.state

    def print_ticket(self, ticket: object) -> None: ...

    def print_test_slip(self) -> None: ...


class Rights:
    """A rights port that can be pinged (ProviderRights.ping does, with a HEAD)."""

    def __init__(self, failure: str | None = None) -> None:
        self.failure = failure
        self.pings = 0

    def ping(self) -> None:
        self.pings += 1
        if self.failure is not None:
            raise NhsoUnavailable(self.failure)

    def check(self, identity: object) -> object:
        raise AssertionError("the watcher never asks about a person")


def all_ports(printer: Printer, rights: Rights):  # type: ignore[no-untyped-def]
    base = services(Clinic(up=True), Monitor(connected=True))
    base.printer = printer  # type: ignore[assignment]
    base.rights = rights  # type: ignore[assignment]
    return base


def test_paper_out_and_nhso_down_are_said_with_what_still_works() -> None:
    status = probe(all_ports(Printer("paper_out"), Rights("nhso.unavailable")))
    assert status == DeviceStatus("ok", "ok", "paper_out", "down")
    assert status.notes == ("printer_paper_out", "nhso_down")
    assert "ยังลงทะเบียนได้" in MESSAGES["printer_paper_out"][0]
    assert "รับบัตรคิวที่เคาน์เตอร์" in MESSAGES["printer_paper_out"][0]
    assert "รหัสยืนยันสิทธิ" in MESSAGES["nhso_down"][0]
    assert "Authen Code" in MESSAGES["nhso_down"][1]


@pytest.mark.parametrize(
    ("readiness", "notes"),
    [
        ("ok", ()),
        ("near_end", ()),  # for staff (the backoffice), not for the patient
        ("unknown", ()),
        ("cover_open", ("printer_offline",)),
        ("offline", ("printer_offline",)),
    ],
)
def test_what_the_printer_says_becomes_a_note(readiness: str, notes: tuple[str, ...]) -> None:
    assert probe(all_ports(Printer(readiness), Rights())).notes == notes


def test_no_ticket_as_usual_is_promised_when_the_printer_is_out_too() -> None:
    status = DeviceStatus(database="down", printer="offline")
    assert status.notes == ("offline_note", "printer_offline")
    assert "ยังรับบัตรคิว" not in MESSAGES["offline_note"][0]
    assert DeviceStatus(database="down").notes == ("database_down",)


def test_printer_and_nhso_reach_the_health_file_in_words_staff_read(tmp_path: Path) -> None:
    health_file = tmp_path / "health.json"
    printer, rights = Printer("paper_out"), Rights("nhso.agent_not_running")
    watcher = DeviceWatcher(
        all_ports(printer, rights), HealthRecorder(health_file, write_interval_s=0)
    )
    watcher.check_now()
    data = json.loads(health_file.read_text())
    components = data["components"]
    assert (components["printer"]["status"], components["printer"]["code"]) == (
        "failed",
        "paper_out",
    )
    assert (components["nhso"]["status"], components["nhso"]["code"]) == (
        "down",
        "agent_not_running",
    )
    assert watcher.status.nhso == "agent_not_running"
    assert data["kiosk"]["version"] and "address" in data["kiosk"]
    printer.state, rights.failure = "near_end", None
    watcher.check_now(nhso=True)
    components = json.loads(health_file.read_text())["components"]
    assert (components["printer"]["status"], components["printer"]["code"]) == (
        "warning",
        "paper_near_end",
    )
    assert components["nhso"]["status"] == "ok" and "code" not in components["nhso"]


def test_printer_and_nhso_are_never_asked_during_a_check_in(tmp_path: Path) -> None:
    printer, rights = Printer("ok"), Rights()
    idle = [True]
    watcher = DeviceWatcher(
        all_ports(printer, rights), HealthRecorder(None), is_idle=lambda: idle[-1]
    )
    assert watcher.check_now().printer == "ok"
    idle.append(False)
    printer.state = "paper_out"
    status = watcher.check_now(nhso=True)
    assert (printer.asked, rights.pings) == (1, 1)
    assert status.printer == "ok"  # the last look stands until the kiosk is idle again
    assert status.database == "ok"  # the database is still asked (it always was)
    idle.append(True)
    assert watcher.check_now().printer == "paper_out"


def wait_until(condition: Callable[[], bool], timeout_s: float = 5) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_nhso_is_asked_at_its_own_interval_and_when_nudged(tmp_path: Path) -> None:
    printer, rights = Printer("ok"), Rights()
    watcher = DeviceWatcher(
        all_ports(printer, rights), HealthRecorder(None), interval_s=0.05, nhso_interval_s=3600,
        first_after_s=0,
    )  # fmt: skip
    watcher.check_now()
    watcher.check_now()
    assert (printer.asked, rights.pings) == (2, 1)
    seen: list[DeviceStatus] = []
    watcher.on_change = seen.append
    printer.state, rights.failure = "paper_out", "nhso.unavailable"
    watcher.interval_s = 3600  # only a nudge makes the thread look again
    watcher.start()
    try:
        wait_until(lambda: printer.asked == 3)  # the thread's first look...
        assert rights.pings == 1  # ...without NHSO: not due yet
        watcher.nudge()  # a check-in has just ended
        wait_until(lambda: bool(seen) and seen[-1].nhso == "down")
    finally:
        watcher.stop()
    assert seen[-1] == DeviceStatus("ok", "ok", "paper_out", "down")
