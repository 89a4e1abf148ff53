"""The staff web application: routes, their roles, security headers, and its bootstrap.

``ROUTES`` lists every page with the lowest role that may use it (None = public);
the security tests walk this table, so a new page cannot be added without being
covered by the unauthenticated-access and role-escalation checks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.calling import web as calling_web
from backoffice.calling.tables import ensure_calling_tables
from backoffice.checkin import web as checkin_web
from backoffice.claims import web as claims_web
from backoffice.claims.sync import ensure_sync_tables
from backoffice.devices import web as devices_web
from backoffice.exports import web as exports_web
from backoffice.ndp import web as ndp_web
from backoffice.phr import web as phr_web
from backoffice.queue import web as queue_web
from backoffice.reminders import web as reminders_web
from backoffice.web import pages_admin, pages_auth
from backoffice.web.audit import AuditLog, ensure_audit_key
from backoffice.web.auth import StaffDirectory
from backoffice.web.deps import WebDeps
from backoffice.web.errors import ServerFault
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


log = logging.getLogger(__name__)

WEB_POOL_SIZE = 10

ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("/", "GET", pages_auth.home),
    RouteSpec("/login", "GET", pages_auth.login_get),
    RouteSpec("/login", "POST", pages_auth.login_post),
    RouteSpec("/logout", "POST", pages_auth.logout),
    RouteSpec("/lang/{lang}", "GET", pages_auth.set_language),
    RouteSpec("/settings", "GET", pages_admin.settings_page),
    RouteSpec("/settings", "POST", pages_admin.settings_save),
    RouteSpec("/staff", "GET", pages_admin.staff_page),
    RouteSpec("/staff/role", "POST", pages_admin.staff_role),
    RouteSpec("/audit", "GET", pages_admin.audit_page),
    *(
        RouteSpec(path, method, endpoint)
        for feature in (
            queue_web,
            checkin_web,
            reminders_web,
            exports_web,
            claims_web,
            ndp_web,
            devices_web,
            phr_web,
            calling_web,
        )
        for path, method, endpoint in feature.ROUTES
    ),
)


#: HTTPS only, for two years, once a browser has seen the backoffice over TLS.
HSTS = b"max-age=63072000"


class SecurityHeaders:
    """CSP and friends on every response, error pages included; HSTS over HTTPS; no
    caching of pages that show patient data; no server banner."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")
        is_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                }
                if not is_static:
                    extra[b"cache-control"] = b"no-store"
                if is_https:
                    extra[b"strict-transport-security"] = HSTS
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


_FAULT_PAGE = (
    '<!doctype html><html lang="th"><meta charset="utf-8"><title>500</title>'
    '<body data-error-code="{code}"><h1>{th}</h1><p>{en}</p></body></html>'
)


async def fault_page(request: Request, exc: Exception) -> Response:
    """What a failure outside every page's own net shows (logged by type only)."""
    log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
    fault = ServerFault()
    body = _FAULT_PAGE.format(code=fault.code, th=fault.th, en=fault.en)
    return HTMLResponse(body, status_code=500)


class BackofficeApp(Starlette):
    """Starlette with the security headers outside its error middleware, so that a 500
    carries them as every other answer does."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(deps: WebDeps) -> Starlette:
    routes: list[Route | Mount] = [
        Route(spec.path, spec.endpoint, methods=[spec.method]) for spec in ROUTES
    ]
    routes.append(Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"))
    app = BackofficeApp(routes=routes, exception_handlers={Exception: fault_page})
    app.state.deps = deps
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
    ensure_calling_tables(engine)
    loaded = load_secrets(settings.secrets_file)
    key = ensure_session_key(settings.secrets_file, loaded)
    audit_key = ensure_audit_key(settings.secrets_file, loaded)
    office = settings.backoffice
    deps = WebDeps(
        settings=settings,
        clinic=clinic,
        directory=StaffDirectory(
            engine,
            lockout_attempts=office.lockout_attempts,
            lockout_minutes=office.lockout_minutes,
            address_free=office.throttle_free_attempts,
            overall_free=office.throttle_overall_free_attempts,
            max_delay_s=office.throttle_max_delay_s,
            clock=clock,
        ),
        sessions=SessionStore(engine, key, clock=clock),
        audit=AuditLog(engine, key=audit_key, clock=clock),
        config_path=config_path,
        nhso_client=lambda: web_client_from_settings(deps.settings, deps.secrets()),
        printer=lambda: printer_from_settings(deps.settings),
        clock=clock,
        secure_cookies=secure_cookies,
    )
    return deps
