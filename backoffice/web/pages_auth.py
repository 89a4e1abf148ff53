"""Sign-in, sign-out and the language toggle.

A failed sign-in is audited under the JHCIS account it named, or under no name at all
when the typed name is no account (people type passwords into the name field).
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import RedirectResponse, Response

from backoffice.web.auth import sign_in_key
from backoffice.web.errors import AccountLocked, CsrfFailed, SignInFailed, SignInThrottled
from backoffice.web.framework import Page, guard, safe_next, threaded
from backoffice.web.i18n import LANG_COOKIE, LANGS
from backoffice.web.sessions import (
    DEVICE_COOKIE,
    DEVICE_LIFETIME,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    cookie_name,
)
from backoffice.web.throttle import device_client

LOGIN_FORM_LIFETIME = dt.timedelta(minutes=30)


def _cookie(page: Page, name: str) -> str:
    return cookie_name(name, page.deps.secure_cookies)


def _keep(page: Page, response: Response, name: str, value: str, life: dt.timedelta) -> None:
    """A cookie scripts cannot read, sent to this site only (Secure, __Host- over HTTPS)."""
    response.set_cookie(
        _cookie(page, name),
        value,
        max_age=int(life.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=page.deps.secure_cookies,
    )


def _login_form(page: Page, *, error: Exception | None = None, status: int = 200) -> Response:
    cookie, token = page.deps.sessions.new_login_token()
    response = page.render(
        "login.html",
        status=status,
        login_token=token,
        next=safe_next(page.query("next", limit=200) or page.field("next")),
        error=error,
    )
    _keep(page, response, LOGIN_COOKIE, cookie, LOGIN_FORM_LIFETIME)
    return response


@guard(None)
async def login_get(page: Page) -> Response:
    return _login_form(page)


@guard(None)
async def login_post(page: Page) -> Response:
    deps = page.deps
    if not deps.sessions.login_token_ok(
        page.request.cookies.get(_cookie(page, LOGIN_COOKIE)), page.field("login_token", limit=100)
    ):
        return _login_form(page, error=CsrfFailed(), status=403)
    username = page.field("username", limit=35)
    password = page.raw_field("password", limit=200)
    device = deps.sessions.device_id(page.request.cookies.get(_cookie(page, DEVICE_COOKIE)))
    try:
        staff = await threaded(
            deps.directory.authenticate, username, password, client=page.client, device=device
        )
    except (SignInFailed, AccountLocked, SignInThrottled) as exc:
        account = await threaded(deps.directory.account_name, username)
        await threaded(
            deps.audit.record,
            "sign_in",
            username=account,
            role=None,
            outcome=exc.code,
            detail={} if account else {"account": "unknown"},
            client=page.client,
        )
        response = _login_form(page, error=exc, status=exc.status)
        if isinstance(exc, SignInThrottled):
            response.headers["Retry-After"] = str(exc.wait_s)
        return response
    cookie, session = await threaded(deps.sessions.create, staff)
    page.session = session
    await threaded(page.audit, "sign_in")
    response = RedirectResponse(safe_next(page.field("next")), status_code=303)
    _keep(page, response, SESSION_COOKIE, cookie, SESSION_LIFETIME)
    if device is None:  # this browser's sign-in history starts now
        value, device = deps.sessions.new_device()
        await threaded(
            deps.directory.known.remember, sign_in_key(username), [device_client(device)]
        )
        _keep(page, response, DEVICE_COOKIE, value, DEVICE_LIFETIME)
    response.delete_cookie(
        _cookie(page, LOGIN_COOKIE), secure=deps.secure_cookies, samesite="strict"
    )
    return response


@guard("viewer")
async def logout(page: Page) -> Response:
    assert page.session is not None
    await threaded(page.deps.sessions.revoke, page.session)
    await threaded(page.audit, "sign_out")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        _cookie(page, SESSION_COOKIE), secure=page.deps.secure_cookies, samesite="strict"
    )
    return response


@guard(None)
async def set_language(page: Page) -> Response:
    lang = page.request.path_params.get("lang", "th")
    response = RedirectResponse(safe_next(page.query("next", limit=200)), status_code=303)
    if lang in LANGS:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            samesite="strict",
            secure=page.deps.secure_cookies,
        )
    return response


@guard(None)
async def home(page: Page) -> Response:
    return RedirectResponse("/queue", status_code=303)
