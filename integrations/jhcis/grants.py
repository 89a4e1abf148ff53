"""Least-privilege MySQL accounts for the kiosk and the backoffice.

The kiosk reads a few code tables and the vaccine appointments (for the ticket),
registers walk-ins (INSERT/UPDATE ``person``, and what JHCIS's own card registration
writes: ``personaddresscontact``, ``personimages``), opens visits (INSERT/UPDATE
``visit``) and keeps its own ``kiosk_`` tables, which it may create (table-level CREATE
and INDEX on exactly those names). Of ``user`` it sees two columns, ``pcucode`` and
``username``, to check its provider is an account of the unit, never the passwords.
Nothing else: no DELETE, no DROP or ALTER anywhere.

The backoffice also reads the clinical tables (claims, exports, reminders) and
``user`` (staff sign-in with JHCIS accounts), and updates ``visit`` (claim codes,
close-right results). ``GET_LOCK`` needs no privilege.
"""

from __future__ import annotations

import re
from typing import Literal

from integrations.jhcis.own_tables import RUNTIME_TABLES
from integrations.jhcis.tables import JHCIS_TABLES

Role = Literal["kiosk", "backoffice"]

# CREATE INDEX needs INDEX: without it our tables were created without their indexes
# (and ensure_own_tables took the half-made table for a finished one).
_OWN_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "CREATE", "INDEX")
_OWN = {t.name: _OWN_PRIVILEGES for t in RUNTIME_TABLES}
# The tables the backoffice's other parts keep (web sign-in and sessions, audit, claim
# sync, close right, MOPH claims, reminders), by name: this module imports none of
# them. Expired sessions and sign-in counters are deleted; they are ours, not JHCIS's.
_BACKOFFICE_OWN: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "kiosk_call_entry",
            "kiosk_call_event",
            "kiosk_claim_sync_item",
            "kiosk_claim_sync_run",
            "kiosk_close_right",
            "kiosk_display_screen",
            "kiosk_eclaim_upload",
            "kiosk_ic_history",
            "kiosk_ic_push",
            "kiosk_moph_claim",
            "kiosk_ndp_claim",
            "kiosk_ndp_request",
            "kiosk_phr_send",
            "kiosk_reminder_log",
            "kiosk_reminder_optout",
            "kiosk_ssop_session",
            "kiosk_staff_role",
        ),
        _OWN_PRIVILEGES,
    ),
    "kiosk_audit_log": (*_OWN_PRIVILEGES, "DELETE"),  # retention only
    "kiosk_login_state": (*_OWN_PRIVILEGES, "DELETE"),
    "kiosk_web_session": (*_OWN_PRIVILEGES, "DELETE"),
    # Sign-in throttles and where accounts signed in before (issue 19).
    "kiosk_login_throttle": (*_OWN_PRIVILEGES, "DELETE"),
    "kiosk_login_known": _OWN_PRIVILEGES,
    # The audit trail's seals and chain head; retention deletes the oldest entries.
    "kiosk_audit_seal": (*_OWN_PRIVILEGES, "DELETE"),
    "kiosk_audit_head": _OWN_PRIVILEGES,
}

PROVIDER_COLUMNS = "SELECT (pcucode, username)"

KIOSK_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "office": ("SELECT",),
    "ctitle": ("SELECT",),
    "cright": ("SELECT",),
    "chospital": ("SELECT",),
    "village": ("SELECT",),
    "house": ("SELECT",),
    "person": ("SELECT", "INSERT", "UPDATE"),
    "visit": ("SELECT", "INSERT", "UPDATE"),
    # The provider check (visit (pcucode, username) -> user): these columns only.
    "user": (PROVIDER_COLUMNS,),
    # What JHCIS's card registration writes, and what the kiosk checks before a visit
    # (optional tables: a JHCIS without one needs no grant for it).
    "persondeath": ("SELECT",),
    "cprovince": ("SELECT",),
    "cdistrict": ("SELECT",),
    "csubdistrict": ("SELECT",),
    "personaddresscontact": ("SELECT", "INSERT"),
    "personimages": ("SELECT", "INSERT", "UPDATE"),
    # The ticket's "next vaccine appointment" line (read with the patient, kiosk.adapters.clinic).
    "visitepiappoint": ("SELECT",),
    "visitepi": ("SELECT",),
    "cdrug": ("SELECT",),
    # The ticket's "waiting ahead" leaves out whom the calling room already called
    # (integrations/jhcis/call_line.py); the backoffice creates and writes the table.
    # CREATE only because MySQL refuses a grant on a table that is not there yet unless
    # it includes CREATE; the kiosk never creates it.
    "kiosk_call_entry": ("SELECT", "CREATE"),
    **_OWN,
}

BACKOFFICE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    **{t.name: ("SELECT",) for t in JHCIS_TABLES},
    "person": ("SELECT", "INSERT", "UPDATE"),
    "visit": ("SELECT", "INSERT", "UPDATE"),
    "personaddresscontact": ("SELECT", "INSERT"),
    "personimages": ("SELECT", "INSERT", "UPDATE"),
    **_OWN,
    **_BACKOFFICE_OWN,
}

_NAME_RE = re.compile(r"^[A-Za-z0-9_$.%-]{1,64}$")


def privileges(role: Role) -> dict[str, tuple[str, ...]]:
    return dict(KIOSK_PRIVILEGES if role == "kiosk" else BACKOFFICE_PRIVILEGES)


def _checked(value: str, what: str) -> str:
    if not _NAME_RE.match(value):
        raise ValueError(f"{what} may contain only letters, digits and _ $ . % -")
    return value


def grant_statements(role: Role, *, database: str, user: str, host: str = "%") -> list[str]:
    """The GRANT statements for `role` (one per table), MySQL 5.6 / MariaDB syntax."""
    db = _checked(database, "database")
    account = f"'{_checked(user, 'user')}'@'{_checked(host, 'host')}'"
    return [
        f"GRANT {', '.join(privs)} ON `{db}`.`{table}` TO {account};"
        for table, privs in sorted(privileges(role).items())
    ]


def grants_script(role: Role, *, database: str, user: str, host: str = "%") -> str:
    """A script an administrator runs once (the account must exist already)."""
    header = [
        f"-- Least-privilege grants for the {role} account on {database}.",
        f"-- Create the account first: CREATE USER '{user}'@'{host}' IDENTIFIED BY '...';",
    ]
    return "\n".join(
        [*header, *grant_statements(role, database=database, user=user, host=host), ""]
    )


_GRANT_RE = re.compile(r"^GRANT (?P<privs>.+?) ON (?P<db>[^.\s]+)\.(?P<table>\S+) TO ", re.I)
_SPLIT_RE = re.compile(r",\s*(?![^()]*\))")  # commas outside column lists
ALL = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX"})
RISKY = ("DELETE", "DROP", "ALTER")


def _unquote(name: str) -> str:
    return name.strip("`'\"").replace("\\_", "_")


def effective_privileges(grant_lines: list[str], database: str) -> dict[str, set[str]]:
    """Table -> privileges (``*`` for the whole database) from SHOW GRANTS lines.

    A column-level grant counts only as itself ("SELECT (pcucode, username)"): it allows
    no whole-row read or write.
    """
    result: dict[str, set[str]] = {}
    for line in grant_lines:
        match = _GRANT_RE.match(line.strip())
        if not match:
            continue
        db, table = _unquote(match["db"]), _unquote(match["table"])
        if db not in {"*", database}:
            continue
        parts = [p.strip().upper() for p in _SPLIT_RE.split(match["privs"])]
        if "ALL PRIVILEGES" in parts or "ALL" in parts:
            privs = set(ALL)
        else:
            privs = {_normal(p) for p in parts}
        result.setdefault("*" if table == "*" else table.lower(), set()).update(privs)
    return result


def _normal(privilege: str) -> str:
    """One spelling of a privilege: SELECT (`b`, `a`) and SELECT (a,b) compare equal."""
    text = re.sub(r"\s+|`", "", privilege).upper()
    base, _, columns = text.partition("(")
    if not columns:
        return text
    return f"{base}({','.join(sorted(columns.rstrip(')').split(',')))})"


def _held(needed: str, have: set[str]) -> bool:
    """A column-level privilege is also held through the whole table's."""
    return _normal(needed) in have or _normal(needed).split("(")[0] in have


def missing_privileges(role: Role, granted: dict[str, set[str]]) -> list[str]:
    """What `role` needs and the account lacks, as "PRIV on table" strings."""
    everywhere = granted.get("*", set())
    missing: list[str] = []
    for table, needed in sorted(privileges(role).items()):
        have = everywhere | granted.get(table, set())
        missing.extend(f"{p} on {table}" for p in needed if not _held(p, have))
    return missing


def risky_privileges(granted: dict[str, set[str]]) -> list[str]:
    """DELETE/DROP/ALTER the account holds on JHCIS tables (least privilege says none)."""
    everywhere = granted.get("*", set())
    found: list[str] = []
    for table in sorted(t.name for t in JHCIS_TABLES):
        have = everywhere | granted.get(table, set())
        found.extend(f"{p} on {table}" for p in RISKY if p in have)
    return found
