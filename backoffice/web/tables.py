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
    # The periodic purge of expired rows must not scan (and lock) the whole table.
    Index("kiosk_web_session_expires", "expires_at"),
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

login_throttle = Table(
    "kiosk_login_throttle",
    metadata,
    # "addr:<client address>" per computer, "global" for all unknown computers together.
    Column("scope", String(80), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", DateTime),
    Column("blocked_until", DateTime),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

login_known = Table(
    "kiosk_login_known",
    metadata,
    # Where an account signed in successfully: "addr:<address>" or "device:<sha256 of
    # the device cookie's id>". A locked account still opens from these.
    Column("username", String(35), primary_key=True),
    Column("client", String(80), primary_key=True),
    Column("last_ok_at", DateTime, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# The audit trail's hash chain: one seal per kiosk_audit_log row (a table beside it,
# because we never alter a table a clinic already has), and the chain's head.
audit_seal = Table(
    "kiosk_audit_seal",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("prev_hash", CHAR(64), nullable=False),
    Column("hash", CHAR(64), nullable=False),
    Index("kiosk_audit_seal_seq", "seq", unique=True),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

audit_head = Table(
    "kiosk_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("seq", Integer, nullable=False),
    Column("hash", CHAR(64), nullable=False),
    # Where the chain starts: 0 and zeros, or the last entry a retention purge removed.
    Column("anchor_seq", Integer, nullable=False),
    Column("anchor_hash", CHAR(64), nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

WEB_TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)
assert all(t.name.startswith("kiosk_") for t in WEB_TABLES)


def ensure_web_tables(engine: Engine) -> None:
    """Create or complete the ``kiosk_`` tables of the backoffice (idempotent)."""
    ensure_kiosk_tables(engine, WEB_TABLES)
