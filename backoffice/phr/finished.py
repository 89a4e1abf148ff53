"""Which visits JHCIS has finished, and what of them the claim reader does not read.

JHCIS marks where a visit stands in ``visit.flagservice`` (reference §1.3 and §2):
``01`` waiting (what the kiosk and other public check-in tools write), ``03`` "จบบริการ"
(service finished), ``99`` cancelled / not counted. JHCIS's own PHR sender sends a visit
"ส่งอัตโนมัติ เมื่อจบบริการ (visit) นั้น" (seed §16, PHR conditions), so a visit is sent
once its flag is one of ``moph.phr_finished_flags`` (default ``["03"]``). How sure and
how to confirm on a clinic: ``README.md`` of this folder.

Besides the flag this reads what :class:`~backoffice.exports.source.ClaimSource` does not
carry and a PHR encounter wants: weight, height and the visit's end time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, select

from common.thaidate import parse_db_date
from integrations.jhcis import tables as t
from integrations.jhcis.types import as_time
from integrations.jhcis.visit_queries import on_days

DEFAULT_FINISHED_FLAGS = ("03",)
CANCELLED_FLAG = "99"


@dataclass(frozen=True)
class VisitState:
    visitno: int
    visitdate: dt.date
    pid: int
    flag: str  # visit.flagservice, "" when NULL
    timestart: dt.time | None
    timeend: dt.time | None
    weight: Decimal | None
    height: Decimal | None

    def finished(self, flags: Collection[str]) -> bool:
        return self.flag in flags


def visit_states(engine: Engine, pcucode: str, start: dt.date, end: dt.date) -> list[VisitState]:
    """The unit's visits dated start..end with their flag, in date and number order."""
    v = t.visit
    query = (
        select(
            v.c.visitno, v.c.visitdate, v.c.pid, v.c.flagservice, v.c.timestart, v.c.timeend,
            v.c.weight, v.c.height,
        )
        .where(v.c.pcucode == pcucode, on_days(v.c.visitdate, start, end))
        .order_by(v.c.visitdate, v.c.visitno)
    )  # fmt: skip
    states = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            day = parse_db_date(row.visitdate)
            if day is None:
                continue
            states.append(
                VisitState(
                    int(row.visitno), day, int(row.pid), str(row.flagservice or "").strip(),
                    as_time(row.timestart), as_time(row.timeend), _decimal(row.weight),
                    _decimal(row.height),
                )
            )  # fmt: skip
    return states


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    found = value if isinstance(value, Decimal) else Decimal(str(value))
    return found if found > 0 else None
