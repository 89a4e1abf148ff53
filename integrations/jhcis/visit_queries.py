"""Pieces of queries over JHCIS visits that every reader shares.

``on_days`` writes a date range so that every engine uses the visit date index;
``claim_expr`` reads a visit's NHSO claim field from JHCIS's own column where this
JHCIS version has it, else from our ``kiosk_visit`` copy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func

from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.own_tables import kiosk_visit
from integrations.jhcis.tables import visit

MAX_DAYS_AS_LIST = 400


def on_days(column: Any, start: dt.date, end: dt.date) -> Any:
    """`column` between two dates, written so that every engine uses the date index.

    SQLite (no statistics) prefers the (pcucode, visitno) key for a range, scanning
    the whole unit; an equality or a short IN list makes it use ``visit_date``.
    """
    days = (end - start).days + 1
    if days <= MAX_DAYS_AS_LIST:
        return column.in_([start + dt.timedelta(days=i) for i in range(days)])
    return and_(column >= start, column <= end)


def claim_expr(clinic: ClinicDatabase, visit_column: str, own_column: str) -> Any:
    """A visit's claim field: JHCIS's column when this version has it, else our copy."""
    if clinic.profile.has_column("visit", visit_column):
        return func.coalesce(visit.c[visit_column], kiosk_visit.c[own_column])
    return kiosk_visit.c[own_column]
