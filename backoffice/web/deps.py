"""Everything a page may ask for, built once by ``backoffice.app.build_deps`` (or a test).

Features keep their own long-lived state under their own key in ``state`` (the
claims page keeps its one running sync there), so this module knows no feature.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backoffice.web.audit import AuditLog
from backoffice.web.auth import StaffDirectory
from backoffice.web.fragments import FragmentCache
from backoffice.web.sessions import SessionStore
from common.config import Settings
from common.secrets import Secrets, load_secrets
from hardware.printer import TicketPrinter
from integrations.jhcis.clinic import ClinicDatabase
from integrations.nhso.web import NhsoWebClient


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
    #: What a feature keeps for the app's lifetime, under its own key.
    state: dict[str, object] = field(default_factory=dict)
    state_lock: threading.Lock = field(default_factory=threading.Lock)

    def secrets(self) -> Secrets:
        return load_secrets(self.settings.secrets_file)
