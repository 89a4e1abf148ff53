"""Our ledger of MOPH-PHR uploads, ``kiosk_phr_send``: one row per attempt to send a visit.

The shape and the rules are :mod:`integrations.jhcis.visit_ledger`'s (shared with the
MOPH IC vaccination push): a row is committed (``sending``) before the request leaves
and updated with MOPH's answer (``sent`` / ``rejected`` / ``failed`` / ``unknown``).
"""

from __future__ import annotations

from sqlalchemy import Engine, MetaData

from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.visit_ledger import VisitLedger, visit_send_table

phr_metadata = MetaData()
kiosk_phr_send = visit_send_table("kiosk_phr_send", phr_metadata)


def phr_ledger(engine: Engine) -> VisitLedger:
    """The ledger, its table created or completed first (never touches another table)."""
    ensure_kiosk_tables(engine, (kiosk_phr_send,))
    return VisitLedger(engine, kiosk_phr_send)
