"""The rows of ``kiosk_ndp_claim``: link a closed visit, decide whether it may go, record it.

May a visit's claim go (into a batch, into a request)?

* no row, ``linked``, ``exported``, ``failed`` (refused at the door or never reached):
  yes;
* ``sent``: no, whatever is asked, unless NHSO's last status refused it (a 3000,
  6000 ...) and the operator resends on purpose;
* ``unknown``, or ``sending`` for longer than :data:`IN_PROGRESS_S` (a kill, a crash):
  only when the operator resends on purpose, after looking at the NDP portal;
* ``sending`` younger than that: another send is running; never.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from backoffice.claims.ndp_tables import kiosk_ndp_claim
from integrations.jhcis.ledger import IN_PROGRESS_S, now
from integrations.nhso.ndp_status import kind_of

GOES = frozenset({"linked", "exported", "failed"})


@dataclass(frozen=True)
class Verdict:
    may_go: bool
    reason: str = ""  # sent | in_progress | outcome_unknown, when it may not


def verdict(row: dict[str, Any] | None, *, resend: bool, moment: dt.datetime) -> Verdict:
    if row is None or row["status"] in GOES:
        return Verdict(True)
    status = str(row["status"])
    if status == "sending":
        age = (moment - row["updated_at"]).total_seconds()
        if age < IN_PROGRESS_S:
            return Verdict(False, "in_progress")
        return Verdict(resend, "" if resend else "outcome_unknown")
    if status == "unknown":
        return Verdict(resend, "" if resend else "outcome_unknown")
    # sent: only a claim NHSO refused goes again, and only on purpose.
    refused = kind_of(row.get("nhso_code")) in ("rejected", "action")
    return Verdict(resend and refused, "" if resend and refused else "sent")


def claims_of(engine: Engine, pcucode: str, visitnos: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = sorted(set(visitnos))
    if not wanted:
        return {}
    c = kiosk_ndp_claim.c
    found: dict[int, dict[str, Any]] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            query = select(kiosk_ndp_claim).where(
                c.pcucode == pcucode, c.visitno.in_(wanted[start : start + 500])
            )
            found.update({int(r["visitno"]): dict(r) for r in conn.execute(query).mappings()})
    return found


def mark_exported(
    engine: Engine, pcucode: str, visits: Iterable[tuple[int, int | None, str]], batch: str
) -> None:
    """The visits (visitno, close_right_id, transactionId) are in `batch`: ``exported``.

    A visit whose row says it may not go is left as it is (the export left it out)."""
    _put(engine, pcucode, visits, batch, move=True)


def add_missing(
    engine: Engine, pcucode: str, visits: Iterable[tuple[int, int | None, str]], batch: str
) -> None:
    """A row (``exported``) for each of the visits that has none; others untouched."""
    _put(engine, pcucode, visits, batch, move=False)


def _put(
    engine: Engine,
    pcucode: str,
    visits: Iterable[tuple[int, int | None, str]],
    batch: str,
    *,
    move: bool,
) -> None:
    c = kiosk_ndp_claim.c
    moment = now()
    exported = {"status": "exported", "batch": batch[:120], "exported_at": moment,
                "updated_at": moment}  # fmt: skip
    for visitno, close_id, transaction in visits:
        key = and_(c.pcucode == pcucode, c.visitno == visitno)
        with engine.begin() as conn:
            if move:
                conn.execute(
                    update(kiosk_ndp_claim).where(key, c.status.in_(GOES)).values(**exported)
                )
            if conn.execute(select(c.id).where(key)).first() is not None:
                continue
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(kiosk_ndp_claim).values(
                        pcucode=pcucode, visitno=visitno, close_right_id=close_id,
                        transaction_id=transaction or None, attempts=0, created_at=moment,
                        **exported,
                    )
                )  # fmt: skip
        except IntegrityError:
            continue  # made meanwhile by another export or send: theirs stands


def recent_claims(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """The newest claims first; none when the table was never created."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(kiosk_ndp_claim.name):
            return []
        query = select(kiosk_ndp_claim).order_by(kiosk_ndp_claim.c.id.desc()).limit(limit)
        return [dict(r) for r in conn.execute(query).mappings()]
