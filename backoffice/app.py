"""The staff web application: routes, their roles, security headers, and its bootstrap.

``ROUTES`` lists every page with the lowest role that may use it (None = public);
the security tests walk this table, so a new page cannot be added without being
covered by the unauthenticated-access and role-escalation checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.checkin import web as checkin_web
from backoffice.claims import web as claims_web
from backoffice.claims.sync import ensure_sync_tables
from backoffice.exports import web as exports_web
from backoffice.queue import web as queue_web
from backoffice.reminders import web as reminders_web
from backoffice.web import pages_admin, pages_auth
from backoffice.web.audit import AuditLog
from backoffice.web.auth import StaffDirectory
from backoffice.web.deps import WebDeps
from backoffice.web.framework import CSP, STATIC
from backoffice.web.sessions import SessionStore, ensure_session_key
from backoffice.web.tables import ensure_web_tables
from common.config import Settings
from common.secrets import load_secrets
from hardware.printer import printer_from_settings
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.engine import configured_url, open_engine
from integrations.nhso.providers import web_client_from_settings


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    endpoint: Callable[..., Awaitable[Any]]

    @property
    def min_role(self) -> str | None:
        role: str | None = getattr(self.endpoint, "min_role", None)
        return role


WEB_POOL_SIZE = 10

ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("/", "GET", pages_auth.home),
    RouteSpec("/login", "GET", pages_auth.login_get),
    RouteSpec("/login", "POST", pages_auth.login_post),
    RouteSpec("/logout", "POST", pages_auth.logout),
    RouteSpec("/lang/{lang}", "GET", pages_auth.set_language),
    RouteSpec("/health", "GET", pages_admin.health),
    RouteSpec("/settings", "GET", pages_admin.settings_page),
    RouteSpec("/settings", "POST", pages_admin.settings_save),
    RouteSpec("/staff", "GET", pages_admin.staff_page),
    RouteSpec("/staff/role", "POST", pages_admin.staff_role),
    RouteSpec("/audit", "GET", pages_admin.audit_page),
    *(
        RouteSpec(path, method, endpoint)
        for feature in (queue_web, checkin_web, reminders_web, exports_web, claims_web)
        for path, method, endpoint in feature.ROUTES
    ),
)


class SecurityHeaders:
    """CSP and friends on every response; no caching of pages that show patient data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                }
                if not is_static:
                    extra[b"cache-control"] = b"no-store"
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(deps: WebDeps) -> Starlette:
    routes: list[Route | Mount] = [
        Route(spec.path, spec.endpoint, methods=[spec.method]) for spec in ROUTES
    ]
    routes.append(Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"))
    app = Starlette(routes=routes)
    app.state.deps = deps
    app.add_middleware(SecurityHeaders)
    return app


def build_deps(
    settings: Settings,
    *,
    db_url: str | None = None,
    config_path: Path | None = None,
    secure_cookies: bool = False,
    clock: Callable[[], dt.datetime] = dt.datetime.now,
) -> WebDeps:
    """Open the clinic database, create our missing tables, make sure a session key exists."""
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
    )  # a visit opened here names the signed-in staff member as its provider
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
