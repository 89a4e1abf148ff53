"""The small amount of plumbing every page shares: rendering, guards, CSRF, headers.

Each route declares the lowest role that may use it; :func:`guard` checks the
session on every request (server-side, from ``kiosk_web_session``), and every POST
must carry the session's CSRF token. Pages are rendered by Jinja2 with
autoescaping on, so text from the database can never become markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backoffice.web.auth import role_rank
from backoffice.web.deps import WebDeps
from backoffice.web.errors import CsrfFailed, Forbidden, NotSignedIn, WebError
from backoffice.web.i18n import LANG_COOKIE, Translator
from backoffice.web.sessions import SESSION_COOKIE, Session
from common.errors import BilingualError
from integrations.jhcis.errors import JhcisUnavailable

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

Handler = Callable[["Page"], Awaitable[Response]]


@dataclass
class Page:
    """One request as a handler sees it: the request, the staff session, the form."""

    request: Request
    deps: WebDeps
    session: Session | None
    form: FormData | None
    t: Translator

    @property
    def lang(self) -> str:
        return self.t.lang

    def field(self, name: str, default: str = "", *, limit: int = 200) -> str:
        """A form field as stripped text, cut to `limit` characters."""
        if self.form is None:
            return default
        value = self.form.get(name)
        if not isinstance(value, str):
            return default
        return value.strip()[:limit]

    def query(self, name: str, default: str = "", *, limit: int = 40) -> str:
        return self.request.query_params.get(name, default).strip()[:limit]

    @property
    def client(self) -> str:
        return self.request.client.host if self.request.client else ""

    def audit(
        self,
        action: str,
        *,
        target: str | None = None,
        outcome: str = "ok",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        s = self.session
        self.deps.audit.record(
            action,
            username=s.username if s else None,
            role=s.role if s else None,
            target=target,
            outcome=outcome,
            detail=detail,
            client=self.client,
        )

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(self, template, status=status, **context)


def translator(request: Request) -> Translator:
    return Translator(request.cookies.get(LANG_COOKIE, "th"))


def render(page: Page, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    session = page.session
    html = env.get_template(template).render(
        t=page.t,
        lang=page.lang,
        session=session,
        csrf=session.csrf_token if session else "",
        role_rank=role_rank(session.role) if session else 0,
        path=page.request.url.path,
        clinic_name=page.deps.settings.clinic.name,
        sandbox=str(page.deps.settings.nhso.mode) == "sandbox",
        today=page.deps.clock().date(),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def error_page(page: Page, error: BilingualError, status: int | None = None) -> HTMLResponse:
    code = status or (error.status if isinstance(error, WebError) else 500)
    return render(page, "error.html", status=code, error=error)


def safe_next(target: str | None) -> str:
    """Only same-site absolute paths: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def guard(min_role: str | None, *, csrf: bool = True) -> Callable[[Handler], Any]:
    """Wrap a handler: session required (unless min_role is None), role and CSRF checked."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            deps: WebDeps = request.app.state.deps
            t = translator(request)
            form = await request.form() if request.method == "POST" else None
            session = None
            page = Page(request, deps, None, form, t)
            try:
                if min_role is not None:
                    cookie = request.cookies.get(SESSION_COOKIE)
                    session = await run_in_threadpool(deps.sessions.load, cookie)
                    page.session = session
                    if session is None:
                        if request.method == "GET" and not _is_fragment(request):
                            target = quote(str(request.url.path), safe="/")
                            return RedirectResponse(f"/login?next={target}", status_code=303)
                        raise NotSignedIn()
                    if role_rank(session.role) < role_rank(min_role):
                        raise Forbidden(f"needs {min_role}")
                    if request.method == "POST" and csrf:
                        submitted = page.field("csrf_token", limit=100) or request.headers.get(
                            "x-csrf-token"
                        )
                        if not session.csrf_ok(submitted):
                            raise CsrfFailed()
                return await handler(page)
            except WebError as exc:
                if isinstance(exc, Forbidden | CsrfFailed) and session is not None:
                    await run_in_threadpool(
                        page.audit,
                        "denied",
                        target=request.url.path,
                        outcome=exc.code,
                    )
                return error_page(page, exc)
            except JhcisUnavailable as exc:
                return error_page(page, exc, 503)

        endpoint.min_role = min_role  # type: ignore[attr-defined]
        return endpoint

    return decorate


def _is_fragment(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


async def threaded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run blocking database/NHSO/printer work off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def parse_date(text: str, default: dt.date) -> dt.date:
    """A date from a form or query: ISO (a year above 2400 is Buddhist era); else default."""
    try:
        day = dt.date.fromisoformat(text)
        return day.replace(year=day.year - 543) if day.year > 2400 else day
    except ValueError:
        return default
