"""Who brought a patient checked in by staff: written with the visit, read for its page.

A child without an ID card cannot use the kiosk (NHSO's documented interfaces issue a
claim code for the person whose card is read, or, without a card, for a citizen ID a
staff member records: ``backoffice/checkin``). Staff check the child in by the child's
citizen ID and note who brought them; that note lives here, in ``kiosk_visit_guardian``,
never in JHCIS's own person columns.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select

from integrations.jhcis.own_tables import kiosk_visit_guardian
from integrations.jhcis.records import Guardian, Visit

_g = kiosk_visit_guardian


def record_guardian(
    conn: Connection, of: Visit, guardian: Guardian, at: dt.datetime, recorded_by: str | None
) -> None:
    """Inside the check-in's transaction: one row for the visit it opened."""
    key = guardian.person
    conn.execute(
        _g.insert().values(
            pcucode=of.pcucode,
            visitno=of.visitno,
            visitdate=of.visitdate,
            pcucodeperson=of.pcucodeperson,
            pid=of.pid,
            relation=guardian.relation,
            guardian_name=guardian.name.strip()[:200] or None,
            guardian_pcucodeperson=key[0] if key else None,
            guardian_pid=key[1] if key else None,
            recorded_by=(recorded_by or "")[:35] or None,
            recorded_at=at,
        )
    )


def guardian_of(conn: Connection, of: Visit) -> Guardian | None:
    """The guardian recorded with `of` (unit, number, person and day must all match)."""
    query = (
        select(_g)
        .where(
            _g.c.pcucode == of.pcucode,
            _g.c.visitno == of.visitno,
            _g.c.visitdate == of.visitdate,
            _g.c.pcucodeperson == of.pcucodeperson,
            _g.c.pid == of.pid,
        )
        .order_by(_g.c.id.desc())
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    unit, pid = row["guardian_pcucodeperson"], row["guardian_pid"]
    return Guardian(
        relation=row["relation"],
        name=row["guardian_name"] or "",
        person=(unit, int(pid)) if unit and pid is not None else None,
    )
