"""Whether the card reader is connected and the clinic database answers, while idle.

Check-ins find a broken device only when a patient is already at the screen. The
watcher looks every ``interval_s`` seconds on its own thread, so that the idle screen
can say (in Thai and English) that the reader is unplugged or JHCIS is unreachable,
the health file tells the backoffice the same, and ``systemctl status`` shows it
(``STATUS=``). A kiosk in that state still runs and reports READY: the patient is told
to see the staff, and check-ins while the database is down go to the local journal.

Only ports that can answer are asked: a clinic port with ``ping()`` and a card monitor
with ``connected``. The in-memory fakes have neither, so their status stays unknown.
A monitor that also reports the reader coming and going (``on_presence``, as
:class:`~kiosk.adapters.card.PcscCardMonitor` does) is heard at once, without waiting
for the next look and without asking the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from kiosk.health import HealthRecorder
from kiosk.ports import DatabaseUnavailable, KioskServices
from kiosk.sdnotify import notify

log = logging.getLogger(__name__)


@runtime_checkable
class Pingable(Protocol):
    def ping(self) -> None:
        """Return when the database answers; raise DatabaseUnavailable otherwise."""


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

    @property
    def notes(self) -> tuple[str, ...]:
        """i18n keys of what the idle screen should say (nothing when all is well)."""
        found = []
        if self.reader == "missing":
            found.append("reader_missing")
        if self.database == "down":
            found.append("database_down")
        return tuple(found)

    @property
    def summary(self) -> str:
        """For systemd's STATUS= and the journal: no personal data, no secrets."""
        return f"reader {self.reader}, database {self.database}"


def reader_status(services: KioskServices) -> str:
    monitor = services.monitor
    if isinstance(monitor, ReaderPresence):
        connected = monitor.connected
        if connected is not None:
            return "ok" if connected else "missing"
    return "unknown"


def probe(services: KioskServices) -> DeviceStatus:
    """Ask the ports that can answer; never raises."""
    reader = reader_status(services)
    database = "unknown"
    clinic = services.clinic
    if isinstance(clinic, Pingable):
        try:
            clinic.ping()
            database = "ok"
        except DatabaseUnavailable:
            database = "down"
        except Exception as exc:  # an adapter bug must not stop the watcher
            log.warning("database check failed unexpectedly: %s", type(exc).__name__)
            database = "down"
    return DeviceStatus(reader=reader, database=database)


class DeviceWatcher:
    """Probes on a daemon thread; tells `on_change` (on that thread) when the status moves."""

    def __init__(
        self,
        services: KioskServices,
        health: HealthRecorder,
        *,
        on_change: Callable[[DeviceStatus], None] | None = None,
        interval_s: float = 15.0,
        first_after_s: float = 3.0,
    ) -> None:
        self.services = services
        self.health = health
        self.on_change = on_change
        self.interval_s = interval_s
        self.first_after_s = first_after_s  # the card monitor's first look at PC/SC
        self.status = DeviceStatus()
        self._stop = threading.Event()
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
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def check_now(self) -> DeviceStatus:
        probed = probe(self.services)
        with self._lock:
            # The reader may have come or gone while the database was being asked.
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
            self.check_now()
            self._stop.wait(self.interval_s)
