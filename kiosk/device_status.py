"""What works and what does not, while idle: card reader, clinic database, printer, NHSO.

Check-ins find a broken device only when a patient is already at the screen. The
watcher looks every ``interval_s`` seconds on its own thread, so that the idle screen
can say (in Thai and English) what is wrong and what still works before the card goes
in, the health file tells the backoffice the same, and ``systemctl status`` shows it
(``STATUS=``). A kiosk in that state still runs and reports READY: with the reader
unplugged the patient is told to see the staff; with the database down check-ins go
to the local journal; with the printer out of paper or NHSO unreachable the patient
still checks in (ticket at the counter, Authen Code later).

Only ports that can answer are asked: a clinic port and a rights port with ``ping()``,
a printer port with ``readiness()`` and a card monitor with ``connected``. The
in-memory fakes have none of these, so their status stays unknown. The printer (a
real-time status request, DLE EOT on ESC/POS printers) and NHSO (a HEAD to the agent
or NHSO's host, every ``nhso_interval_s``) are asked only while nobody is checking in
(``is_idle``), never with anything about a patient; :meth:`DeviceWatcher.nudge` asks
at once, when a check-in has just ended. A monitor that also reports the reader coming
and going (``on_presence``, as :class:`~kiosk.adapters.card.PcscCardMonitor` does) is
heard at once, without waiting for the next look and without asking the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from kiosk.about import local_address, software_version
from kiosk.health import HealthRecorder
from kiosk.ports import DatabaseUnavailable, KioskServices, NhsoRefused, NhsoUnavailable
from kiosk.sdnotify import notify

log = logging.getLogger(__name__)

AGENT_NOT_RUNNING = "nhso.agent_not_running"
# What the watcher found, as the health file's (status, code) of each component.
PRINTER_HEALTH: dict[str, tuple[str, str | None]] = {
    "ok": ("ok", None),
    "near_end": ("warning", "paper_near_end"),
    "paper_out": ("failed", "paper_out"),
    "cover_open": ("failed", "cover_open"),
    "offline": ("failed", "offline"),
}
NHSO_HEALTH: dict[str, tuple[str, str | None]] = {
    "ok": ("ok", None),
    "down": ("down", "unreachable"),
    "agent_not_running": ("down", "agent_not_running"),
}


@runtime_checkable
class Pingable(Protocol):
    def ping(self) -> None:
        """Return when the database (or NHSO) answers; raise its port's failure otherwise."""


@runtime_checkable
class PrinterReadiness(Protocol):
    def readiness(self) -> str:
        """ok | near_end | paper_out | cover_open | offline | unknown; never raises."""


@runtime_checkable
class ReaderPresence(Protocol):
    @property
    def connected(self) -> bool | None:
        """True when the reader is there, False when it is missing, None when not known yet."""


@runtime_checkable
class ReaderEvents(Protocol):
    def on_presence(self, listener: Callable[[bool], None]) -> None:
        """Call `listener` (on the monitor's thread) when the reader comes or goes."""


@dataclass(frozen=True)
class DeviceStatus:
    reader: str = "unknown"  # ok | missing | unknown
    database: str = "unknown"  # ok | down | unknown
    printer: str = "unknown"  # ok | near_end | paper_out | cover_open | offline | unknown
    nhso: str = "unknown"  # ok | down | agent_not_running | unknown

    @property
    def notes(self) -> tuple[str, ...]:
        """i18n keys of what the idle screen should say (nothing when all is well)."""
        printer = {"paper_out": "printer_paper_out", "cover_open": "printer_offline"}.get(
            self.printer, "printer_offline" if self.printer == "offline" else None
        )
        found = []
        if self.reader == "missing":
            found.append("reader_missing")
        if self.database == "down":
            # "You still get a ticket as usual" is not true without the printer.
            found.append("offline_note" if printer else "database_down")
        if printer:
            found.append(printer)
        if self.nhso in ("down", "agent_not_running"):
            found.append("nhso_down")
        return tuple(found)

    @property
    def summary(self) -> str:
        """For systemd's STATUS= and the journal: no personal data, no secrets."""
        return (
            f"reader {self.reader}, database {self.database}, "
            f"printer {self.printer}, nhso {self.nhso}"
        )


def reader_status(services: KioskServices) -> str:
    monitor = services.monitor
    if isinstance(monitor, ReaderPresence):
        connected = monitor.connected
        if connected is not None:
            return "ok" if connected else "missing"
    return "unknown"


def database_status(services: KioskServices) -> str:
    clinic = services.clinic
    if not isinstance(clinic, Pingable):
        return "unknown"
    try:
        clinic.ping()
    except DatabaseUnavailable:
        return "down"
    except Exception as exc:  # an adapter bug must not stop the watcher
        log.warning("database check failed unexpectedly: %s", type(exc).__name__)
        return "down"
    return "ok"


def printer_status(services: KioskServices) -> str:
    printer = services.printer
    if not isinstance(printer, PrinterReadiness):
        return "unknown"
    try:
        return printer.readiness()
    except Exception as exc:
        log.warning("printer check failed unexpectedly: %s", type(exc).__name__)
        return "unknown"


def nhso_status(services: KioskServices) -> str:
    rights = services.rights
    if not isinstance(rights, Pingable):
        return "unknown"
    try:
        rights.ping()
    except NhsoUnavailable as exc:
        return "agent_not_running" if exc.detail == AGENT_NOT_RUNNING else "down"
    except NhsoRefused:
        return "ok"  # it answered
    except Exception as exc:
        log.warning("NHSO check failed unexpectedly: %s", type(exc).__name__)
        return "down"
    return "ok"


def probe(
    services: KioskServices,
    *,
    printer: bool = True,
    nhso: bool = True,
    previous: DeviceStatus | None = None,
) -> DeviceStatus:
    """Ask the ports that can answer; what is not asked keeps `previous`. Never raises."""
    before = previous or DeviceStatus()
    return DeviceStatus(
        reader=reader_status(services),
        database=database_status(services),
        printer=printer_status(services) if printer else before.printer,
        nhso=nhso_status(services) if nhso else before.nhso,
    )


class DeviceWatcher:
    """Probes on a daemon thread; tells `on_change` (on that thread) when the status moves."""

    def __init__(
        self,
        services: KioskServices,
        health: HealthRecorder,
        *,
        on_change: Callable[[DeviceStatus], None] | None = None,
        interval_s: float = 15.0,
        nhso_interval_s: float = 60.0,
        first_after_s: float = 3.0,
        is_idle: Callable[[], bool] = lambda: True,
    ) -> None:
        self.services = services
        self.health = health
        self.on_change = on_change
        self.interval_s = interval_s
        self.nhso_interval_s = nhso_interval_s
        self.first_after_s = first_after_s  # the card monitor's first look at PC/SC
        self.is_idle = is_idle
        self.status = DeviceStatus()
        self._nhso_due = 0.0  # monotonic
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._nudged = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # the watcher's and the monitor's threads both report
        self._listening = False

    def start(self) -> None:
        monitor = self.services.monitor
        if not self._listening and isinstance(monitor, ReaderEvents):
            self._listening = True
            monitor.on_presence(self._reader_changed)
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="kiosk-devices", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def nudge(self) -> None:
        """Look at everything now (a check-in has just ended: paper may have run out)."""
        self._nudged = True
        self._wake.set()

    def check_now(self, *, nhso: bool | None = None) -> DeviceStatus:
        """One look. The printer and NHSO only while idle; NHSO when due or `nhso`."""
        idle = self.is_idle()
        now = time.monotonic()
        ask_nhso = idle and (now >= self._nhso_due if nhso is None else nhso)
        if ask_nhso:
            self._nhso_due = now + self.nhso_interval_s
        probed = probe(self.services, printer=idle, nhso=ask_nhso, previous=self.status)
        self.health.about(software_version(), local_address())
        with self._lock:
            # The reader may have come or gone while the others were being asked.
            return self._record(replace(probed, reader=reader_status(self.services)))

    def _reader_changed(self, _present: bool) -> None:
        if self._stop.is_set():
            return
        with self._lock:
            self._record(replace(self.status, reader=reader_status(self.services)))

    def _record(self, status: DeviceStatus) -> DeviceStatus:
        if status.reader != "unknown":
            self.health.component("reader", status.reader)
        if status.database != "unknown":
            self.health.component("database", status.database)
        if status.printer in PRINTER_HEALTH:
            self.health.component("printer", *PRINTER_HEALTH[status.printer])
        if status.nhso in NHSO_HEALTH:
            self.health.component("nhso", *NHSO_HEALTH[status.nhso])
        if status != self.status:
            self.status = status
            log.info("devices: %s", status.summary)
            notify(f"STATUS={status.summary}")
            if self.on_change is not None:
                try:
                    self.on_change(status)
                except Exception:
                    log.exception("device status listener failed")
        return status

    def _run(self) -> None:
        if self._stop.wait(self.first_after_s):
            return
        while not self._stop.is_set():
            self._wake.clear()  # before reading the flag: a nudge after this wakes us again
            nudged, self._nudged = self._nudged, False
            self.check_now(nhso=True if nudged else None)
            self._wake.wait(self.interval_s)
