"""Our own tables for close right and MOPH Claim submissions (``kiosk_`` prefixed).

One row per thing sent, created *before* the request goes out (status ``sending``),
so a crash between sending and recording leaves a row that says "outcome unknown"
instead of nothing, and the unique keys make a second submission of the same visit
impossible even from two backoffice sessions at once.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.types import JhcisDateTime

claims_metadata = MetaData()

# status: sending -> closed | failed | unknown; closed -> cancelled -> closed (rollback)
kiosk_close_right = Table(
    "kiosk_close_right",
    claims_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pcucode", CHAR(5), nullable=False),
    Column("visitno", Integer, nullable=False),
    Column("transaction_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("seq", String(32)),
    Column("authen_code", String(50)),
    Column("main_inscl", String(10)),
    Column("claim_service_code", String(20)),
    Column("total_amount", Numeric(11, 2)),
    Column("paid_amount", Numeric(11, 2)),
    Column("privilege_amount", Numeric(11, 2)),
    Column("error_code", String(40)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", JhcisDateTime, nullable=False),
    Column("updated_at", JhcisDateTime, nullable=False),
    UniqueConstraint("pcucode", "visitno", name="kiosk_close_right_visit"),
    UniqueConstraint("transaction_id", name="kiosk_close_right_transaction"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# kind: dm | ht | epi | dt. status: sending -> sent | failed | unknown;
# sent -> whatever MOPH's monitoring says (kept in moph_status).
kiosk_moph_claim = Table(
    "kiosk_moph_claim",
    claims_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pcucode", CHAR(5), nullable=False),
    Column("visitno", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("transaction_uid", String(64)),
    Column("moph_status", String(40)),
    Column("moph_status_th", String(255)),
    Column("error_code", String(40)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", JhcisDateTime, nullable=False),
    Column("updated_at", JhcisDateTime, nullable=False),
    Column("checked_at", JhcisDateTime),
    UniqueConstraint("pcucode", "visitno", "kind", name="kiosk_moph_claim_visit"),
    Index("kiosk_moph_claim_status", "status"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

CLAIM_TABLES: tuple[Table, ...] = (kiosk_close_right, kiosk_moph_claim)
assert all(t.name.startswith("kiosk_") for t in CLAIM_TABLES)


def ensure_claim_tables(engine: Engine) -> list[str]:
    """Create or complete the tables of this module (never touches any other table)."""
    return ensure_kiosk_tables(engine, CLAIM_TABLES)
