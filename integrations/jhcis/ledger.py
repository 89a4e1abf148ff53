"""Rows of our submission tables: take a slot before sending, record what came back.

Taking the slot is an INSERT guarded by the table's unique keys, so two backoffice
sessions (or a double click) can never both send the same visit: the second INSERT
fails and that caller is told the visit is already in hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Table, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

#: A ``sending`` row younger than this is a send still running (each client's own
#: timeout is a minute or two, a token renewal doubles it); older ones were interrupted.
#: One figure for every ledger of ours: e-Claim, NDP, PHR and MOPH IC.
IN_PROGRESS_S = 15 * 60


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def find(engine: Engine, table: Table, key: Mapping[str, Any]) -> dict[str, Any] | None:
    condition = and_(*(table.c[name] == value for name, value in key.items()))
    with engine.connect() as conn:
        row = conn.execute(select(table).where(condition)).mappings().first()
    return dict(row) if row else None


def take_slot(engine: Engine, table: Table, values: Mapping[str, Any]) -> int | None:
    """Insert a ``sending`` row; its id, or None when the unique keys say it exists."""
    moment = now()
    row = {"status": "sending", "attempts": 1, "created_at": moment, "updated_at": moment}
    row.update(values)
    try:
        with engine.begin() as conn:
            result = conn.execute(insert(table).values(**row))
            key = result.inserted_primary_key
    except IntegrityError:
        return None
    return int(key[0]) if key else None


def retake_slot(engine: Engine, table: Table, row_id: int, from_statuses: tuple[str, ...]) -> bool:
    """Move an existing row back to ``sending`` if it is in one of `from_statuses`.

    The conditional UPDATE is the lock: of two concurrent resends only one matches.
    """
    with engine.begin() as conn:
        result = conn.execute(
            update(table)
            .where(table.c.id == row_id, table.c.status.in_(from_statuses))
            .values(status="sending", attempts=table.c.attempts + 1, updated_at=now())
        )
    return result.rowcount == 1


def set_row(engine: Engine, table: Table, row_id: int, **values: Any) -> None:
    values.setdefault("updated_at", now())
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == row_id).values(**values))
