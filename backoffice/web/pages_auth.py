"""Sign-in, sign-out and the language toggle."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from backoffice.web.errors import AccountLocked, CsrfFailed, SignInFailed
from backoffice.web.framework import Page, guard, safe_next, threaded
from backoffice.web.i18n import LANG_COOKIE, LANGS
from backoffice.web.sessions import LOGIN_COOKIE, SESSION_COOKIE, SESSION_LIFETIME


def _login_form(page: Page, *, error: Exception | None = None, status: int = 200) -> Response:
    cookie, token = page.deps.sessions.new_login_token()
    response = page.render(
        "login.html",
        status=status,
        login_token=token,
        next=safe_next(page.query("next", limit=200) or page.field("next")),
        error=error,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        cookie,
        max_age=1800,
        httponly=True,
        samesite="strict",
        secure=page.deps.secure_cookies,
    )
    return response


@guard(None)
async def login_get(page: Page) -> Response:
    return _login_form(page)


@guard(None)
async def login_post(page: Page) -> Response:
    deps = page.deps
    if not deps.sessions.login_token_ok(
        page.request.cookies.get(LOGIN_COOKIE), page.field("login_token", limit=100)
    ):
        return _login_form(page, error=CsrfFailed(), status=403)
    username = page.field("username", limit=35)
    password = page.field("password", limit=200)
    try:
        staff = await threaded(deps.directory.authenticate, username, password)
    except (SignInFailed, AccountLocked) as exc:
        await threaded(
            deps.audit.record,
            "sign_in",
            username=username or None,
            role=None,
            outcome=exc.code,
            client=page.client,
        )
        return _login_form(page, error=exc, status=exc.status)
    cookie, session = await threaded(deps.sessions.create, staff)
    page.session = session
    await threaded(page.audit, "sign_in")
    response = RedirectResponse(safe_next(page.field("next")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=deps.secure_cookies,
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


@guard("viewer")
async def logout(page: Page) -> Response:
    assert page.session is not None
    await threaded(page.deps.sessions.revoke, page.session)
    await threaded(page.audit, "sign_out")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
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
