"""Our ledger of 13-file claims to NHSO's Digital Platform (``kiosk_`` prefixed).

Kept in the claims room beside close right's own table: closing a right links the
visit here (:func:`link_closed_visit`), and the NDP room (backoffice/ndp) reads and
writes these rows; the room graph stays one-way (ndp -> claims).

``kiosk_ndp_claim``: one row per visit whose right was closed, unique by visit, made
when the close right succeeds (``linked``) or when an export first meets the visit. It
says where the visit's claim is: in which batch, whether and how it was sent, NHSO's
``uid`` for it and the last status NHSO gave (code, NHSO's own message, its findings).

``kiosk_ndp_request``: one row per submit request, inserted and committed **before**
the request leaves (``sending``), then ``sent``, ``failed`` or ``unknown``. A visit is
moved to ``sending`` with the request's id by a conditional UPDATE in the same
transaction, so two senders can never both take it, and a kill between sending and
recording leaves ``sending`` rows that block a silent second send.

status of a claim: linked -> exported -> sending -> sent | failed | unknown
(failed -> exported/sending again; unknown only with an explicit resend).
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    update,
)
from sqlalchemy.exc import IntegrityError

from integrations.jhcis.ledger import now
from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.types import JhcisDateTime

ndp_metadata = MetaData()

kiosk_ndp_claim = Table(
    "kiosk_ndp_claim",
    ndp_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pcucode", CHAR(5), nullable=False),
    Column("visitno", Integer, nullable=False),
    Column("close_right_id", Integer),  # kiosk_close_right.id of the close it follows
    Column("transaction_id", String(64)),  # the close right's transactionId
    Column("status", String(16), nullable=False),
    Column("batch", String(120)),
    Column("request_id", Integer),  # kiosk_ndp_request.id of the last send
    Column("attempts", Integer, nullable=False, default=0),
    Column("uid", String(64)),  # NHSO's id of the claim, what status tracks asks about
    Column("nhso_code", String(8)),
    Column("nhso_message", String(255)),
    Column("nhso_results", Text),  # JSON: [{code, message, solution, allowClaim}]
    Column("allow_claim", String(1)),
    Column("error_code", String(40)),
    Column("sent_by", String(64)),
    Column("exported_at", JhcisDateTime),
    Column("sent_at", JhcisDateTime),
    Column("checked_at", JhcisDateTime),
    Column("created_at", JhcisDateTime, nullable=False),
    Column("updated_at", JhcisDateTime, nullable=False),
    UniqueConstraint("pcucode", "visitno", name="kiosk_ndp_claim_visit"),
    Index("kiosk_ndp_claim_status", "status"),
    Index("kiosk_ndp_claim_uid", "uid"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

kiosk_ndp_request = Table(
    "kiosk_ndp_request",
    ndp_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hcode", CHAR(5), nullable=False),
    Column("batch", String(120), nullable=False),
    Column("status", String(16), nullable=False),  # sending | sent | failed | unknown
    Column("visits", Integer, nullable=False, default=0),
    Column("request_bytes", Integer, nullable=False, default=0),
    Column("content_sha256", CHAR(64), nullable=False),
    Column("http_status", Integer),
    Column("upload_id", String(64)),
    Column("answer_message", String(255)),
    Column("error_code", String(40)),
    Column("sent_by", String(64)),
    Column("created_at", JhcisDateTime, nullable=False),
    Column("updated_at", JhcisDateTime, nullable=False),
    Index("kiosk_ndp_request_batch", "hcode", "batch"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

NDP_TABLES: tuple[Table, ...] = (kiosk_ndp_claim, kiosk_ndp_request)
assert all(t.name.startswith("kiosk_") for t in NDP_TABLES)


def ensure_ndp_tables(engine: Engine) -> list[str]:
    """Create or complete the tables of this module (never touches any other table)."""
    return ensure_kiosk_tables(engine, NDP_TABLES)


def link_closed_visit(
    engine: Engine, pcucode: str, visitno: int, *, close_right_id: int, transaction_id: str
) -> None:
    """The close-right flow's link: the visit's 13-file claim is now due (``linked``)."""
    ensure_ndp_tables(engine)
    moment = now()
    values = {
        "pcucode": pcucode, "visitno": visitno, "close_right_id": close_right_id,
        "transaction_id": transaction_id, "status": "linked", "attempts": 0,
        "created_at": moment, "updated_at": moment,
    }  # fmt: skip
    try:
        with engine.begin() as conn:
            conn.execute(insert(kiosk_ndp_claim).values(**values))
    except IntegrityError:
        # Linked before (a close cancelled and rolled back): keep its history, renew the link.
        c = kiosk_ndp_claim.c
        with engine.begin() as conn:
            conn.execute(
                update(kiosk_ndp_claim)
                .where(c.pcucode == pcucode, c.visitno == visitno)
                .values(close_right_id=close_right_id, transaction_id=transaction_id)
            )
