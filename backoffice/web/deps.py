"""Everything the web app needs, built once from the settings (or by a test)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backoffice.claims.sync import ClaimSync, SyncReport, ensure_sync_tables
from backoffice.web.audit import AuditLog
from backoffice.web.auth import StaffDirectory
from backoffice.web.fragments import FragmentCache
from backoffice.web.sessions import SessionStore, ensure_session_key
from backoffice.web.tables import ensure_web_tables
from common.config import Settings
from common.secrets import Secrets, load_secrets
from hardware.printer import TicketPrinter, printer_from_settings
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.engine import configured_url, open_engine
from integrations.nhso.web import NhsoWebClient

WEB_POOL_SIZE = 10


@dataclass
class SyncJob:
    """The one claim sync this process runs at a time (started from the claims page)."""

    date_from: dt.date
    date_to: dt.date
    dry_run: bool
    username: str
    total: int
    report: SyncReport | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    progress: int = 0


@dataclass
class WebDeps:
    settings: Settings
    clinic: ClinicDatabase
    directory: StaffDirectory
    sessions: SessionStore
    audit: AuditLog
    config_path: Path | None
    nhso_client: Callable[[], NhsoWebClient]
    printer: Callable[[], TicketPrinter]
    clock: Callable[[], dt.datetime] = dt.datetime.now
    secure_cookies: bool = False
    #: How often the queue page refetches its table (the browser tests shorten it).
    queue_refresh_ms: int = 15000
    fragments: FragmentCache = field(default_factory=FragmentCache)
    job: SyncJob | None = None
    job_lock: threading.Lock = field(default_factory=threading.Lock)

    def secrets(self) -> Secrets:
        return load_secrets(self.settings.secrets_file)

    def claim_sync(self, client: NhsoWebClient) -> ClaimSync:
        return ClaimSync(self.clinic, client, clock=self.clock, ensure_tables=False)


def build_deps(
    settings: Settings,
    *,
    db_url: str | None = None,
    config_path: Path | None = None,
    secure_cookies: bool = False,
    clock: Callable[[], dt.datetime] = dt.datetime.now,
) -> WebDeps:
    """Open the clinic database, create our missing tables, make sure a session key exists."""
    from integrations.nhso.providers import web_client_from_settings

    engine = open_engine(
        db_url or configured_url(settings),
        connect_timeout_s=settings.database.connect_timeout_s,
        lock_timeout_s=settings.database.lock_timeout_s,
        # Several staff PCs refresh the queue at once; each request holds one connection.
        pool_size=WEB_POOL_SIZE,
    )
    clinic = ClinicDatabase(
        engine,
        hcode=settings.clinic.hcode,
        lock_timeout_s=settings.database.lock_timeout_s,
        username="kiosk-web",
    )
    clinic.check()  # fail early when the database is unreachable; creates the kiosk_ tables
    ensure_web_tables(engine)
    ensure_sync_tables(engine)
    key = ensure_session_key(settings.secrets_file, load_secrets(settings.secrets_file))
    deps = WebDeps(
        settings=settings,
        clinic=clinic,
        directory=StaffDirectory(
            engine,
            lockout_attempts=settings.backoffice.lockout_attempts,
            lockout_minutes=settings.backoffice.lockout_minutes,
            clock=clock,
        ),
        sessions=SessionStore(engine, key, clock=clock),
        audit=AuditLog(engine, clock=clock),
        config_path=config_path,
        nhso_client=lambda: web_client_from_settings(deps.settings, deps.secrets()),
        printer=lambda: printer_from_settings(deps.settings),
        clock=clock,
        secure_cookies=secure_cookies,
    )
    return deps
