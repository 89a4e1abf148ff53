"""Least-privilege MySQL accounts for the kiosk and the backoffice.

The kiosk reads a few code tables, registers walk-ins (INSERT/UPDATE ``person``),
opens visits (INSERT/UPDATE ``visit``) and keeps its own ``kiosk_`` tables, which it
may create (table-level CREATE on exactly those names). Nothing else: no DELETE, no
DROP or ALTER anywhere, no access to ``user`` (JHCIS's accounts and passwords).

The backoffice also reads the clinical tables (claims, exports, reminders) and
``user`` (staff sign-in with JHCIS accounts), and updates ``visit`` (claim codes,
close-right results). ``GET_LOCK`` needs no privilege.
"""

from __future__ import annotations

import re
from typing import Literal

from backoffice.jhcis.own_tables import RUNTIME_TABLES
from backoffice.jhcis.tables import JHCIS_TABLES

Role = Literal["kiosk", "backoffice"]

_OWN = {t.name: ("SELECT", "INSERT", "UPDATE", "CREATE") for t in RUNTIME_TABLES}

KIOSK_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "office": ("SELECT",),
    "ctitle": ("SELECT",),
    "cright": ("SELECT",),
    "chospital": ("SELECT",),
    "village": ("SELECT",),
    "house": ("SELECT",),
    "person": ("SELECT", "INSERT", "UPDATE"),
    "visit": ("SELECT", "INSERT", "UPDATE"),
    **_OWN,
}

BACKOFFICE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    **{t.name: ("SELECT",) for t in JHCIS_TABLES},
    "person": ("SELECT", "INSERT", "UPDATE"),
    "visit": ("SELECT", "INSERT", "UPDATE"),
    **_OWN,
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
