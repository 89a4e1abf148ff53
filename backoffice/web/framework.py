"""The small amount of plumbing every page shares: rendering, guards, CSRF, headers.

Each route declares the lowest role that may use it; :func:`guard` checks the
session on every request (server-side, from ``kiosk_web_session``), and every POST
must carry the session's CSRF token. The session and the role are checked *before*
the body is read, and a body is read only up to the route's limit (a few hundred KB
for forms): anything larger is refused with 413 before a byte of it is parsed. Pages
are rendered by Jinja2 with autoescaping on, so text from the database can never
become markup. An unexpected failure becomes a bilingual 500 page (logged by type).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backoffice.web.auth import role_rank
from backoffice.web.deps import WebDeps
from backoffice.web.errors import (
    BadInput,
    BodyTooLarge,
    CsrfFailed,
    Forbidden,
    NotSignedIn,
    ServerFault,
    UnsupportedBody,
    WebError,
)
from backoffice.web.i18n import LANG_COOKIE, Translator
from backoffice.web.sessions import SESSION_COOKIE, Session, cookie_name
from common.errors import BilingualError, error_label
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


def add_template_folder(folder: Path) -> None:
    """Let the web app's Jinja2 environment find a room's templates (once)."""
    loader = env.loader
    if isinstance(loader, ChoiceLoader) and any(
        isinstance(x, FileSystemLoader) and str(folder) in x.searchpath for x in loader.loaders
    ):
        return
    assert loader is not None
    env.loader = ChoiceLoader([loader, FileSystemLoader(str(folder))])


def texts(table: dict[str, tuple[str, str]], lang: str) -> Callable[[str], str]:
    """A room's own words in the session's language (Thai or English)."""
    index = 0 if lang == "th" else 1
    return lambda key: table[key][index]


Handler = Callable[["Page"], Awaitable[Response]]

#: What a form may weigh (urlencoded; our largest field is a 4,000-character token).
FORM_LIMIT = 256 * 1024
MAX_FIELDS = 500
FORM_TYPE = "application/x-www-form-urlencoded"

#: What every signed-in page shows above its content, from the features that add to it
#: (the kiosk's problems, backoffice/devices): each takes the page and returns the HTML
#: its own autoescaping template rendered, or "". They run on every page: keep them quick.
TOP_NOTICES: list[Callable[[Page], str]] = []


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
        return self.raw_field(name, default, limit=limit).strip()

    def raw_field(self, name: str, default: str = "", *, limit: int = 200) -> str:
        """A form field exactly as typed (a password: JHCIS keeps its spaces), cut."""
        if self.form is None:
            return default
        value = self.form.get(name)
        if not isinstance(value, str):
            return default
        return value[:limit]

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


def top_notices(page: Page) -> Markup:
    if page.session is None:
        return Markup("")
    parts = []
    for notice in TOP_NOTICES:
        try:
            parts.append(notice(page))
        except Exception as exc:  # a broken notice must not take every page down with it
            log.warning("page notice failed: %s", error_label(exc))
    return Markup("".join(parts))  # noqa: S704 - each part rendered by an autoescaping template


def render(page: Page, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    session = page.session
    html = env.get_template(template).render(
        notices=top_notices(page),
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


async def read_form(request: Request, limit: int) -> FormData:
    """The urlencoded form of a POST, read only up to `limit` bytes (413 beyond)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise BodyTooLarge(f"declared {length[:20]} bytes, limit {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"more than {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if body and kind != FORM_TYPE:
        raise UnsupportedBody(kind[:60] or "no content type")
    try:
        pairs = parse_qsl(
            body.decode("utf-8", errors="replace"),
            keep_blank_values=True,
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:
        raise BadInput("too many fields") from None
    fields: list[tuple[str, str | UploadFile]] = list(pairs)
    return FormData(fields)


def guard(
    min_role: str | None, *, csrf: bool = True, max_body: int = FORM_LIMIT
) -> Callable[[Handler], Any]:
    """Wrap a handler: session required (unless min_role is None), role and CSRF checked.

    Order matters: who asks (session, role) is settled from the cookie alone; only then
    is the body read, within `max_body` bytes; then the CSRF token is checked.
    """

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            deps: WebDeps = request.app.state.deps
            t = translator(request)
            session = None
            page = Page(request, deps, None, None, t)
            try:
                if min_role is not None:
                    name = cookie_name(SESSION_COOKIE, deps.secure_cookies)
                    cookie = request.cookies.get(name)
                    session = await run_in_threadpool(deps.sessions.load, cookie)
                    page.session = session
                    if session is None:
                        if request.method == "GET" and not _is_fragment(request):
                            target = quote(str(request.url.path), safe="/")
                            return RedirectResponse(f"/login?next={target}", status_code=303)
                        raise NotSignedIn()
                    if role_rank(session.role) < role_rank(min_role):
                        raise Forbidden(f"needs {min_role}")
                if request.method == "POST":
                    page.form = await read_form(request, max_body)
                    if min_role is not None and csrf:
                        assert session is not None
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
            except Exception as exc:  # the last net: a page, not a traceback
                # The type only: a driver's message may quote what it was given.
                log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
                return error_page(page, ServerFault(type(exc).__name__))

        endpoint.min_role = min_role  # type: ignore[attr-defined]
        endpoint.max_body = max_body  # type: ignore[attr-defined]
        return endpoint

    return decorate


def _is_fragment(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


async def threaded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run blocking database/NHSO/printer work off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


#: Years a date of ours may have (Christian era): JHCIS holds no earlier visit, and
#: date arithmetic near year 1 or 9999 overflows.
YEARS = range(1900, 2201)


def parse_date(text: str, default: dt.date) -> dt.date:
    """A date from a form or query: ISO (a year above 2400 is Buddhist era); else default.

    A well-formed date outside :data:`YEARS` is refused (400), not silently replaced.
    """
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return default
    if day.year > 2400:
        day = day.replace(year=day.year - 543)
    if day.year not in YEARS:
        raise BadInput("date out of range")
    return day
