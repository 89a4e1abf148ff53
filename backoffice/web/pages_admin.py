"""Settings, staff roles and the audit log (admin only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette.responses import RedirectResponse, Response

from backoffice.web.config_file import update_config
from backoffice.web.errors import BadInput, ReauthFailed
from backoffice.web.framework import Page, guard, threaded
from backoffice.web.tables import ROLE_NONE, ROLES
from common.config import ConfigError, NhsoMode
from common.errors import BilingualError
from common.printer_uri import check_printer_uri
from common.secrets import write_secret
from integrations.jhcis.staff import Provider, unit_providers

TOKEN_FIELDS = ("nhso_token", "nhso_claim_token")


def _providers(page: Page) -> list[Provider] | None:
    """The unit's accounts for the provider list; None when JHCIS cannot say now (the
    page must still open: it is where the unit code is set)."""
    clinic = page.deps.clinic
    try:
        return unit_providers(clinic.engine, clinic.unit_code())
    except (BilingualError, DBAPIError):
        return None


async def _settings_context(page: Page, **extra: Any) -> dict[str, Any]:
    secrets = page.deps.secrets()
    return {
        "s": page.deps.settings,
        "providers": await threaded(_providers, page),
        "modes": [str(m) for m in NhsoMode],
        "token_set": {name: getattr(secrets, name) is not None for name in TOKEN_FIELDS},
        "config_path": page.deps.config_path,
        **extra,
    }


@guard("admin")
async def settings_page(page: Page) -> Response:
    saved = page.query("saved", limit=5) == "1"
    return page.render("settings.html", **await _settings_context(page, saved=saved, error=None))


@guard("admin")
async def settings_save(page: Page) -> Response:
    deps = page.deps
    assert page.session is not None
    # Re-authentication: a session left open on a shared PC must not reconfigure the kiosk.
    password = page.raw_field("current_password", limit=200)
    if not await threaded(
        deps.directory.reauthenticate, page.session.username, password, client=page.client
    ):
        await threaded(page.audit, "settings", outcome="reauth_failed")
        return page.render(
            "settings.html", status=403, **await _settings_context(page, error=ReauthFailed())
        )
    current = deps.settings
    wanted = {
        "clinic.hcode": page.field("hcode", limit=5),
        "clinic.name": page.field("clinic_name", limit=120),
        "printer.uri": page.field("printer_uri", limit=200),
        "nhso.mode": page.field("nhso_mode", limit=10),
        "kiosk.provider": page.field("provider", limit=35),
    }
    now = {
        "clinic.hcode": current.clinic.hcode,
        "clinic.name": current.clinic.name,
        "printer.uri": current.printer.uri,
        "nhso.mode": str(current.nhso.mode),
        "kiosk.provider": current.kiosk.provider,
    }
    changes = {k: v for k, v in wanted.items() if v != now[k]}
    if "printer.uri" in changes:
        try:  # narrower than the configuration file allows (common/printer_uri.py)
            check_printer_uri(changes["printer.uri"], remote=True)
        except ValueError as exc:
            error = ConfigError(f"printer.uri: {exc}")
            detail = {"keys": ["printer.uri"]}
            await threaded(page.audit, "settings", outcome="invalid", detail=detail)
            return page.render(
                "settings.html", status=400, **await _settings_context(page, error=error)
            )
    provider = changes.get("kiosk.provider")
    if provider:  # the kiosk's visits will carry it: an account of this unit, checked
        try:
            await threaded(deps.clinic.check_provider, provider)
        except BilingualError as exc:
            return page.render(
                "settings.html", status=400, **await _settings_context(page, error=exc)
            )
    tokens = {name: page.field(name, limit=4000) for name in TOKEN_FIELDS}
    tokens = {k: v for k, v in tokens.items() if v}
    if changes and deps.config_path is None:
        error = ConfigError("no configuration file: start the backoffice with --config FILE")
        return page.render(
            "settings.html", status=409, **await _settings_context(page, error=error)
        )
    try:
        if changes:
            assert deps.config_path is not None
            deps.settings = await threaded(update_config, deps.config_path, changes)
        for name, value in tokens.items():
            await threaded(write_secret, deps.settings.secrets_file, name, value)
    except ConfigError as exc:
        await threaded(page.audit, "settings", outcome="invalid", detail={"keys": sorted(changes)})
        return page.render("settings.html", status=400, **await _settings_context(page, error=exc))
    if changes:
        # Values are not secret, but the audit keeps to names and the new values.
        await threaded(page.audit, "settings", detail={"changed": changes})
    for name in tokens:
        await threaded(page.audit, "token_set", target=name)
    return RedirectResponse("/settings?saved=1", status_code=303)


@guard("admin")
async def staff_page(page: Page) -> Response:
    accounts = await threaded(page.deps.directory.list_accounts)
    return page.render("staff.html", accounts=accounts, roles=(*ROLES, ROLE_NONE))


@guard("admin")
async def staff_role(page: Page) -> Response:
    assert page.session is not None
    username = page.field("username", limit=35)
    role = page.field("role", limit=10)
    if role not in (*ROLES, ROLE_NONE) or not username:
        raise BadInput("role")
    if username == page.session.username and role != "admin":
        raise BadInput("an administrator cannot demote their own account")
    try:
        await threaded(page.deps.directory.set_role, username, role, by=page.session.username)
    except LookupError as exc:
        raise BadInput("no such account") from exc
    await threaded(page.deps.sessions.set_role_everywhere, username, role)
    await threaded(page.audit, "role_set", target=username, detail={"role": role})
    return RedirectResponse("/staff", status_code=303)


@guard("admin")
async def audit_page(page: Page) -> Response:
    entries = await threaded(page.deps.audit.recent, 300)
    return page.render("audit.html", entries=entries)
