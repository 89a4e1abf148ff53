"""From settings to running ports: the real modules, and the simulators when asked.

:func:`start_runtime` builds the :class:`~kiosk.ports.KioskServices` that
``kiosk run`` and ``kiosk demo`` hand to the controller, and starts only the
simulators the configuration names:

* ``card.simulate``: the virtual card (``card.simulator_profile``, else the demo
  profile) in vpcd slot 0, read through pcscd like a real card; not inserted until
  :meth:`Runtime.insert_card`.
* ``nhso.mode = "sandbox"``: the NHSO sandbox in-process on a free loopback port; its
  agent reads the card in the kiosk's reader over PC/SC, as NHSO's agent does.
* ``printer.simulate`` with ``uri = "preview"``: a loopback ESC/POS printer on a free
  port; every job is decoded back to a PNG under ``<data_dir>/printer-jobs``. With
  ``uri = tcp://127.0.0.1:PORT`` the loopback printer listens there. Without
  ``simulate``, ``preview`` writes PNGs (``hardware.printer.PreviewPrinter``).
* ``database.url`` empty: the demo SQLite database under ``data_dir``, created with the
  synthetic generator when absent.

With no configuration file at all these are the embedded demo; nothing real is touched.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.config import NhsoMode, Settings
from common.secrets import Secrets, load_secrets
from kiosk.adapters.card import PcscCardMonitor, PcscCardReader
from kiosk.adapters.clinic import JhcisClinic
from kiosk.adapters.nhso import ProviderAuthen, ProviderRights
from kiosk.adapters.printer import TicketPrinterPort
from kiosk.ports import KioskServices

if TYPE_CHECKING:
    from hardware.card import VirtualCard
    from hardware.printer import LoopbackPrinter, TicketPrinter
    from integrations.jhcis import ClinicDatabase
    from integrations.nhso.providers import AuthenProvider
    from integrations.nhso.sandbox import CardSource, SandboxServer

log = logging.getLogger(__name__)

VPCD_FIRST_PORT = 35963  # vsmartcard-vpcd: slot N listens on 35963 + N
DEMO_PERSONS = 400
SANDBOX_LABEL = "ทดสอบ / SANDBOX"


def vpcd_reader_name(port: int) -> str:
    """The PC/SC name pcscd gives the vpcd slot listening on `port`."""
    return f"Virtual PCD 00 {port - VPCD_FIRST_PORT:02d}"


def demo_profile_path() -> Path:
    import hardware.card

    return Path(hardware.card.__file__).resolve().parent / "profiles" / "demo.json"


def check_provider(db: ClinicDatabase) -> None:
    """Start-up check of the visits' provider (visit.username must be a JHCIS account of
    the unit). A wrong name stops the kiosk with a clear message; a database that is
    down now is checked again by every check-in (the write names the column)."""
    from integrations.jhcis.errors import JhcisUnavailable

    if db.provider is None:
        log.warning("kiosk.provider is not set: visits open without a provider")
        return
    try:
        db.check_provider()
    except JhcisUnavailable:
        log.warning("provider not checked: the clinic database is not reachable now")


def ensure_demo_database(settings: Settings) -> Path:
    """The demo SQLite clinic database, generated (synthetic people) when absent."""
    path = settings.demo_db_path
    if path.exists():
        return path
    from integrations.jhcis.commands import create_demo
    from integrations.jhcis.engine import open_engine

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{partial}")
    try:
        create_demo(engine, persons=DEMO_PERSONS, visits=None, seed=1)
    finally:
        engine.dispose()
    partial.rename(path)  # a half-built database is never mistaken for a ready one
    log.info("demo clinic database created")
    return path


@dataclass
class Runtime:
    """The services plus the simulators behind them; :meth:`close` stops what started."""

    settings: Settings
    services: KioskServices
    clinic_db: ClinicDatabase
    provider: AuthenProvider
    printer: TicketPrinterPort
    reader_name: str | None
    virtual_card: VirtualCard | None = None
    sandbox: SandboxServer | None = None
    loopback: LoopbackPrinter | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def nhso_sandbox(self) -> bool:
        return self.settings.nhso.mode == NhsoMode.sandbox

    @property
    def display_settings(self) -> Settings:
        """What the screens show: the clinic name says SANDBOX when NHSO is the sandbox."""
        if not self.nhso_sandbox:
            return self.settings
        clinic = self.settings.clinic.model_copy(
            update={"name": f"{self.settings.clinic.name} · {SANDBOX_LABEL}"}
        )
        return self.settings.model_copy(update={"clinic": clinic})

    def insert_card(self) -> None:
        """Put the virtual card in (demo key `i`); off the caller's thread."""
        card = self.virtual_card
        if card is not None:
            threading.Thread(target=_quietly(card.insert), name="vcard-insert").start()

    def remove_card(self) -> None:
        card = self.virtual_card
        if card is not None:
            threading.Thread(target=_quietly(card.remove), name="vcard-remove").start()

    def close(self) -> None:
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:  # stopping one piece must not keep the others running
                log.exception("stopping a kiosk component failed")


def _quietly(action: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            action()
        except Exception as exc:
            log.warning("virtual card: %s", type(exc).__name__)

    return run


def start_runtime(
    settings: Settings,
    *,
    secrets: Secrets | None = None,
    vpcd_port: int = VPCD_FIRST_PORT,
    nhso_card_source: CardSource | None = None,
) -> Runtime:
    """Build the ports from `settings`, starting the simulators it asks for.

    `nhso_card_source` replaces what the sandbox agent sees in its reader (default: the
    kiosk's reader over PC/SC); the benchmark uses a fixed card to leave PC/SC out.
    """
    secrets = secrets if secrets is not None else load_secrets(settings.secrets_file)
    closers: list[Callable[[], None]] = []
    try:
        return _start(settings, secrets, vpcd_port, nhso_card_source, closers)
    except BaseException:
        for closer in reversed(closers):
            with contextlib.suppress(Exception):
                closer()
        raise


def _start(
    settings: Settings,
    secrets: Secrets,
    vpcd_port: int,
    nhso_card_source: CardSource | None,
    closers: list[Callable[[], None]],
) -> Runtime:
    from integrations.jhcis import ClinicDatabase
    from integrations.nhso.providers import authen_provider_from_settings

    # Clinic database.
    if settings.is_demo_db:
        ensure_demo_database(settings)
        if not settings.kiosk.provider:  # the synthetic clinic's own staff account
            from integrations.jhcis.synth import DEMO_PROVIDER

            kiosk = settings.kiosk.model_copy(update={"provider": DEMO_PROVIDER})
            settings = settings.model_copy(update={"kiosk": kiosk})
    db = ClinicDatabase.from_settings(settings)
    closers.append(db.dispose)
    check_provider(db)

    # Card.
    virtual_card = None
    reader_name: str | None = settings.card.reader or None
    if settings.card.simulate:
        from hardware.card import VirtualCard

        profile = settings.card.simulator_profile or demo_profile_path()
        virtual_card = VirtualCard(profile, port=vpcd_port)
        virtual_card.start(inserted=False)
        closers.append(virtual_card.stop)
        reader_name = vpcd_reader_name(vpcd_port)

    # NHSO.
    sandbox = None
    nhso_settings = settings
    if settings.nhso.mode == NhsoMode.sandbox:
        from integrations.nhso.sandbox import PcscCard, SandboxServer

        sandbox = SandboxServer(
            port=0,
            card_source=nhso_card_source or PcscCard(reader_name),
            hcode=settings.clinic.hcode or None,
        ).start()
        closers.append(sandbox.stop)
        nhso = settings.nhso.model_copy(update={"sandbox_port": sandbox.port})
        nhso_settings = settings.model_copy(update={"nhso": nhso})
    provider = authen_provider_from_settings(nhso_settings, secrets)
    closers.append(provider.close)

    # Printer.
    loopback, ticket_printer = _printer(settings, closers)
    printer = TicketPrinterPort(
        ticket_printer,
        clinic_name=settings.clinic.name,
        footer=settings.printer.footer,
        sandbox=sandbox is not None,
        next_step=settings.ticket_next_step,
    )

    services = KioskServices(
        card=PcscCardReader(reader_name, photo=settings.card.save_photo),
        clinic=JhcisClinic(db, update_person_right=settings.clinic.update_person_right),
        rights=ProviderRights(provider),
        authen=ProviderAuthen(provider, hcode=settings.clinic.hcode or None),
        printer=printer,
        monitor=PcscCardMonitor(reader_name, settle_s=settings.card.settle_s),
    )
    return Runtime(
        settings=settings,
        services=services,
        clinic_db=db,
        provider=provider,
        printer=printer,
        reader_name=reader_name,
        virtual_card=virtual_card,
        sandbox=sandbox,
        loopback=loopback,
        _closers=closers,
    )


def _printer(
    settings: Settings, closers: list[Callable[[], None]]
) -> tuple[LoopbackPrinter | None, TicketPrinter]:
    from hardware.printer import (
        LoopbackPrinter,
        printer_from_settings,
        printer_from_uri,
        simulator_from_settings,
    )

    config = settings.printer
    if not config.simulate:
        return None, printer_from_settings(settings)
    if config.uri == "preview":
        loopback = LoopbackPrinter(
            "127.0.0.1",
            0,
            out_dir=Path(settings.data_dir) / "printer-jobs",
            width_dots=config.width_dots,
        ).start()
        closers.append(loopback.stop)
        return loopback, printer_from_uri(loopback.uri, width_dots=config.width_dots)
    started = simulator_from_settings(settings)
    if started is not None:
        closers.append(started.stop)
    return started, printer_from_settings(settings)


def build_services(settings: Settings) -> KioskServices:
    """What ``kiosk run`` runs on: the adapters, with the simulators the configuration asks
    for started now and stopped when the process exits."""
    runtime = start_runtime(settings)
    atexit.register(runtime.close)
    return runtime.services
