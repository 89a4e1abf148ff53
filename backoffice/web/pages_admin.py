"""Kiosk health (everyone), settings, staff roles and the audit log (admin only)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.responses import RedirectResponse, Response

from backoffice.web.config_file import update_config
from backoffice.web.errors import BadInput
from backoffice.web.framework import Page, guard, threaded
from backoffice.web.tables import ROLE_NONE, ROLES
from common.config import ConfigError, NhsoMode, Settings
from common.errors import BilingualError
from common.secrets import write_secret
from integrations.jhcis.staff import Provider, unit_providers

HEALTH_FILE = "kiosk-health.json"
COMPONENTS = ("reader", "printer", "nhso", "database")
TOKEN_FIELDS = ("nhso_token", "nhso_claim_token")


def health_path(settings: Settings) -> Path:
    configured = settings.kiosk.health_file
    return Path(configured) if configured else settings.data_dir / HEALTH_FILE


def read_kiosk_health(settings: Settings) -> dict[str, Any] | None:
    """What the kiosk last wrote about itself; None when it never did (or it is unreadable)."""
    try:
        data = json.loads(health_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stamp(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _database_ok(page: Page) -> bool:
    try:
        with page.deps.clinic.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@guard("viewer")
async def health(page: Page) -> Response:
    data = await threaded(read_kiosk_health, page.deps.settings)
    components: list[dict[str, Any]] = []
    if data:
        raw = data.get("components")
        reported = raw if isinstance(raw, dict) else {}
        for name in COMPONENTS:
            entry = reported.get(name)
            entry = entry if isinstance(entry, dict) else {}
            components.append(
                {
                    "name": name,
                    "status": str(entry.get("status") or "unknown")[:20],
                    "code": str(entry.get("code") or "")[:40],
                    "at": _stamp(entry.get("at")),
                }
            )
    db_ok = await threaded(_database_ok, page)
    return page.render(
        "health.html",
        data=data,
        components=components,
        last_checkin=_stamp(data.get("last_checkin_at")) if data else None,
        updated=_stamp(data.get("updated_at")) if data else None,
        state=str(data.get("state") or "")[:20] if data else "",
        journal_pending=data.get("journal_pending") if data else None,
        db_ok=db_ok,
    )


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
