"""The staff web application: routes, their roles, security headers.

``ROUTES`` lists every page with the lowest role that may use it (None = public);
the security tests walk this table, so a new page cannot be added without being
covered by the unauthenticated-access and role-escalation checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.claims import web as claims_web
from backoffice.exports import web as exports_web
from backoffice.reminders import web as reminders_web
from backoffice.web import pages_admin, pages_auth, pages_checkin, pages_claims, pages_queue
from backoffice.web.deps import WebDeps
from backoffice.web.framework import CSP, STATIC


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    endpoint: Callable[..., Awaitable[Any]]

    @property
    def min_role(self) -> str | None:
        role: str | None = getattr(self.endpoint, "min_role", None)
        return role


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("/", "GET", pages_auth.home),
    RouteSpec("/login", "GET", pages_auth.login_get),
    RouteSpec("/login", "POST", pages_auth.login_post),
    RouteSpec("/logout", "POST", pages_auth.logout),
    RouteSpec("/lang/{lang}", "GET", pages_auth.set_language),
    RouteSpec("/queue", "GET", pages_queue.queue),
    RouteSpec("/queue/rows", "GET", pages_queue.queue_rows),
    RouteSpec("/visits/{pcucode}/{visitno}", "GET", pages_queue.visit_page),
    RouteSpec("/visits/{pcucode}/{visitno}/ticket.png", "GET", pages_queue.ticket_preview),
    RouteSpec("/visits/{pcucode}/{visitno}/reprint", "POST", pages_queue.reprint),
    RouteSpec("/checkin", "GET", pages_checkin.checkin_form),
    RouteSpec("/checkin/find", "POST", pages_checkin.checkin_find),
    RouteSpec("/checkin/open", "POST", pages_checkin.checkin_open),
    RouteSpec("/health", "GET", pages_admin.health),
    RouteSpec("/settings", "GET", pages_admin.settings_page),
    RouteSpec("/settings", "POST", pages_admin.settings_save),
    RouteSpec("/staff", "GET", pages_admin.staff_page),
    RouteSpec("/staff/role", "POST", pages_admin.staff_role),
    RouteSpec("/audit", "GET", pages_admin.audit_page),
    RouteSpec("/claims", "GET", pages_claims.claims_page),
    RouteSpec("/claims/sync", "POST", pages_claims.claims_sync),
    RouteSpec("/claims/confirm", "POST", pages_claims.claims_confirm),
    RouteSpec("/reports/authen", "GET", pages_claims.report_page),
    RouteSpec("/reports/authen.csv", "GET", pages_claims.report_csv),
    RouteSpec("/reports/authen.xlsx", "GET", pages_claims.report_xlsx),
    *(RouteSpec(path, method, endpoint) for path, method, endpoint in reminders_web.ROUTES),
    *(RouteSpec(path, method, endpoint) for path, method, endpoint in exports_web.ROUTES),
    *(RouteSpec(path, method, endpoint) for path, method, endpoint in claims_web.ROUTES),
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
