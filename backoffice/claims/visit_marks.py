"""The one JHCIS write of the claims room: the visit's close-right result columns.

JHCIS (recent versions) shows a closed right from ``visit.nhso_seq_closed``,
``nhso_authencode_closed`` and ``money_closed_all`` (reference §1.3, KIOSK_JHCIS's
close-right controller writes the same three). Only those columns, only where the
database has them, only on the one visit: nothing is created, altered or dropped.

Room boundary: the rule is that only ``backoffice/jhcis`` writes JHCIS tables. The
JHCIS layer had no close-right writer when this was built; this module is kept
self-contained so it can move there as a ``ClinicDatabase`` method unchanged.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, update

from backoffice.jhcis import tables as t
from backoffice.jhcis.profile import SchemaProfile

CLOSE_RIGHT_COLUMNS = ("nhso_seq_closed", "nhso_authencode_closed", "money_closed_all")


def write_close_right(
    engine: Engine,
    profile: SchemaProfile,
    pcucode: str,
    visitno: int,
    *,
    seq: str | None,
    authen_code: str | None,
    amount: Decimal | None,
) -> list[str]:
    """Set (or, with Nones, clear) the close-right columns; returns the columns written."""
    values = profile.only_present(
        t.visit,
        {"nhso_seq_closed": seq, "nhso_authencode_closed": authen_code, "money_closed_all": amount},
    )
    if not values:
        return []
    with engine.begin() as conn:
        conn.execute(
            update(t.visit)
            .where(t.visit.c.pcucode == pcucode, t.visit.c.visitno == visitno)
            .values(**values)
        )
    return sorted(values)
