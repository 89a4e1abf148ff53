"""The backoffice's own tables (all ``kiosk_``-prefixed) in the clinic database.

Staff roles, sign-in lockout state, server-side sessions and the audit log live next
to the JHCIS tables but never touch them. :func:`ensure_web_tables` creates what is
missing and is safe to call on every start; it never alters or drops anything.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from integrations.jhcis.own_tables import ensure_kiosk_tables

metadata = MetaData()

# Our tables are utf8mb4/InnoDB whatever the clinic database defaults to (often tis620).

# Role names, lowest to highest; "none" in kiosk_staff_role disables an account here.
ROLES: tuple[str, ...] = ("viewer", "staff", "admin")
ROLE_NONE = "none"

staff_role = Table(
    "kiosk_staff_role",
    metadata,
    Column("username", String(35), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("updated_by", String(35)),
    Column("updated_at", DateTime),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

login_state = Table(
    "kiosk_login_state",
    metadata,
    # Lower-cased sign-in name as typed; unknown names are tracked too (no enumeration).
    Column("username", String(35), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", DateTime),
    Column("locked_until", DateTime),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

web_session = Table(
    "kiosk_web_session",
    metadata,
    # SHA-256 of the session id: a leaked table does not yield usable cookies.
    Column("id_hash", CHAR(64), primary_key=True),
    Column("username", String(35), nullable=False),
    Column("role", String(10), nullable=False),
    Column("display_name", String(150)),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("kiosk_web_session_user", "username"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

audit_log = Table(
    "kiosk_audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(35)),
    Column("role", String(10)),
    Column("action", String(64), nullable=False),
    Column("target", String(100)),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text),
    Column("client", String(64)),
    Index("kiosk_audit_log_at", "at"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

WEB_TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)
assert all(t.name.startswith("kiosk_") for t in WEB_TABLES)


def ensure_web_tables(engine: Engine) -> None:
    """Create or complete the ``kiosk_`` tables of the backoffice (idempotent)."""
    ensure_kiosk_tables(engine, WEB_TABLES)
