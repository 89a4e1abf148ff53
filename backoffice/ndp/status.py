"""Ask NDP how each sent claim is doing (status tracks) and write the answer to the ledger.

For every claim of the unit that NDP gave a ``uid`` and whose last status is not final
(paid or closed, :data:`integrations.nhso.ndp_status.FINAL_KINDS`; ``--all`` asks about
those too), NDP's current status code, its message (NHSO's own words, in Thai, kept as
sent with citizen IDs masked), its findings (code, message, solution, allowClaim) and
the time of asking are written to ``kiosk_ndp_claim``. A uid NDP says nothing about is
counted, its row left as it was.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from backoffice.claims.ndp_tables import ensure_ndp_tables, kiosk_ndp_claim
from common.logs import redact
from integrations.jhcis.ledger import now
from integrations.nhso.ndp import NdpClient, TrackResult
from integrations.nhso.ndp_errors import NdpLedgerUnavailable
from integrations.nhso.ndp_status import FINAL_KINDS, kind_of

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    asked: int = 0
    updated: list[dict[str, Any]] = field(default_factory=list)  # {seq, code, message, kind}
    not_found: list[str] = field(default_factory=list)  # SEQs NDP said nothing of
    sandbox: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": "nhso-ndp-status", "sandbox": self.sandbox, "asked": self.asked,
            "updated": self.updated, "not_found": self.not_found,
        }  # fmt: skip


def _allow_claim(result: TrackResult) -> str | None:
    """N when any finding forbids claiming, else Y when one allows it, else nothing said."""
    flags = {item.allowClaim.strip().upper()[:1] for item in result.results}
    return "N" if "N" in flags else "Y" if "Y" in flags else None


def _findings(result: TrackResult) -> str | None:
    if not result.results:
        return None
    items = [
        {"code": i.code[:20], "message": redact(i.message)[:500],
         "solution": redact(i.solution)[:500], "allowClaim": i.allowClaim[:1]}
        for i in result.results
    ]  # fmt: skip
    return json.dumps(items, ensure_ascii=False)


def poll(
    engine: Engine, client: NdpClient, *, hcode: str, include_final: bool = False
) -> PollReport:
    c = kiosk_ndp_claim.c
    try:
        ensure_ndp_tables(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.visitno, c.uid, c.nhso_code)
                .where(c.pcucode == hcode, c.status == "sent", c.uid.is_not(None))
                .order_by(c.id)
            ).all()
    except SQLAlchemyError as exc:
        raise NdpLedgerUnavailable(type(exc).__name__) from None
    wanted = [r for r in rows if include_final or kind_of(r.nhso_code) not in FINAL_KINDS]
    report = PollReport(asked=len(wanted))
    if not wanted:
        return report
    by_uid = {str(r.uid): r for r in wanted}
    answered = {result.uid: result for result in client.track(list(by_uid))}
    moment = now()
    try:
        with engine.begin() as conn:
            for uid, row in by_uid.items():
                result = answered.get(uid)
                if result is None or result.status is None:
                    report.not_found.append(str(row.visitno))
                    conn.execute(
                        update(kiosk_ndp_claim).where(c.id == row.id).values(checked_at=moment)
                    )
                    continue
                code = result.status.code.strip()[:8]
                message = redact(result.status.message)[:255]
                conn.execute(
                    update(kiosk_ndp_claim)
                    .where(c.id == row.id)
                    .values(
                        nhso_code=code or None, nhso_message=message or None,
                        nhso_results=_findings(result), allow_claim=_allow_claim(result),
                        checked_at=moment, updated_at=moment,
                    )
                )  # fmt: skip
                report.updated.append(
                    {"seq": str(row.visitno), "code": code, "message": message,
                     "kind": kind_of(code)}
                )  # fmt: skip
    except SQLAlchemyError as exc:
        raise NdpLedgerUnavailable(type(exc).__name__) from None
    report.sandbox = client.sandbox_seen
    log.info("NDP status: %d asked, %d updated", report.asked, len(report.updated))
    return report
