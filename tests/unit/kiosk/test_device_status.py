"""The device watcher's decisions, with small stand-ins for the ports (the real adapters
are checked against pcscd and the databases in tests/integration/kiosk)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from kiosk.device_status import DeviceStatus, DeviceWatcher, probe
from kiosk.health import HealthRecorder
from kiosk.i18n import MESSAGES
from kiosk.ports import DatabaseUnavailable
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
    assert status.summary == "reader missing, database down"


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
