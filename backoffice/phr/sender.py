"""Send JHCIS's finished visits to MOPH-PHR, each once, and settle the unknown outcomes.

A run (the ``jhcis-phr`` timer, ``backoffice phr send``, the ``/phr`` page):

1. lists the unit's visits of the days; those JHCIS has finished
   (:mod:`backoffice.phr.finished`) are candidates, the others are reported as waiting;
2. builds each candidate's payload (:mod:`backoffice.phr.payload`); a visit that cannot
   make a valid one (no valid citizen ID, birth date or sex) is reported, not sent;
3. hands the rest to :class:`~backoffice.phr.ledger_send.LedgerSender`, which asks the
   ledger whether the content may go (new content goes, a failure goes again once its
   back-off is over, content MOPH took never goes again, an unknown outcome is shown and
   never sent again unless the operator says ``resend``), commits a ``sending`` row,
   sends, and records the answer.

:meth:`PhrSender.check` asks PHR which encounters it holds for a day
(``OrganizationSummary``) and marks the unknown (and the stale in-flight) rows it lists
as sent; those it does not list stay unknown, with the time they were checked.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from backoffice.exports.source import ClaimSource
from backoffice.phr.finished import DEFAULT_FINISHED_FLAGS, visit_states
from backoffice.phr.ledger_send import (
    DEFAULT_RETRY_DELAYS_S,
    LedgerSender,
    SendReport,
    Upload,
    VisitOutcome,
)
from backoffice.phr.payload import build
from backoffice.phr.tables import phr_ledger
from common.logs import register_sensitive
from integrations.jhcis import visit_ledger as vl
from integrations.moph.phr import PhrClient

LISTED = "listed by PHR OrganizationSummary"
ABSENT = "not listed by PHR OrganizationSummary"


@dataclass(kw_only=True)
class PhrReport(SendReport):
    start: dt.date
    end: dt.date
    base_url: str
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": "moph-phr", "from": self.start.isoformat(), "to": self.end.isoformat(),
            "base_url": self.base_url, "dry_run": self.dry_run, **super().as_dict(),
        }  # fmt: skip


@dataclass(frozen=True)
class CheckOutcome:
    visitno: int
    before: str
    after: str

    def as_dict(self) -> dict[str, Any]:
        return {"visitno": self.visitno, "before": self.before, "after": self.after}


class PhrSender:
    def __init__(
        self,
        engine: Engine,
        client: PhrClient | None,
        *,
        hcode: str,
        hospital_name: str,
        finished_flags: Collection[str] = DEFAULT_FINISHED_FLAGS,
        sent_by: str = "",
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        retry_delays_s: Iterable[float] = DEFAULT_RETRY_DELAYS_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.client = client
        self.hcode = hcode
        self.hospital_name = hospital_name
        self.flags = frozenset(finished_flags)
        self.sent_by = sent_by
        self.clock = clock
        self.retry_delays_s = tuple(retry_delays_s)
        self.sleep = sleep
        self.ledger = phr_ledger(engine)

    def send(
        self,
        start: dt.date,
        end: dt.date,
        *,
        resend: bool = False,
        dry_run: bool = False,
        only: Collection[int] | None = None,
    ) -> PhrReport:
        """Send the finished visits of start..end (only those in `only`, when given)."""
        client = self.client
        report = PhrReport(
            start=start, end=end, base_url=client.phr_base if client else "", dry_run=dry_run
        )
        states = [
            s for s in visit_states(self.engine, self.hcode, start, end)
            if only is None or s.visitno in only
        ]  # fmt: skip
        done = {s.visitno: s for s in states if s.finished(self.flags)}
        for s in states:
            if s.visitno not in done:
                reason = f"flag_{s.flag or 'none'}"
                report.outcomes.append(
                    VisitOutcome(s.visitno, s.visitdate, s.pid, "waiting", reason)
                )
        if not done:
            return report
        sender = LedgerSender(
            self.ledger, upload=client.update_phr if client else None,
            ready=client.ready if client else None, sent_by=self.sent_by, clock=self.clock,
            retry_delays_s=self.retry_delays_s, sleep=self.sleep,
        )  # fmt: skip
        last = self.ledger.last_rows(self.hcode, done)
        source = ClaimSource(self.engine)
        for bundle in source.bundles(start, end, pcucode=self.hcode, visitnos=sorted(done)):
            state = done[bundle.visit.visitno]
            outcome = VisitOutcome(state.visitno, state.visitdate, state.pid, "not_tried")
            report.outcomes.append(outcome)
            register_sensitive([bundle.visit.first_name, bundle.visit.last_name])
            built = build(bundle, state, hcode=self.hcode, hospital_name=self.hospital_name)
            if isinstance(built, list):
                outcome.status, outcome.reason = "cannot_send", ",".join(built)
                continue
            item = Upload(self.hcode, state.visitno, state.visitdate, built.content_sha256,
                          built.vaccinations, built.payload)  # fmt: skip
            sender.offer(item, last.get(state.visitno), outcome, resend=resend, dry_run=dry_run)
        report.stopped = sender.stopped
        return report

    def check(self, day: dt.date) -> list[CheckOutcome]:
        """Ask PHR which encounters it holds for `day`; settle the unknown rows it lists."""
        rows = self.ledger.unsettled(self.hcode, day)
        if not rows or self.client is None:
            return []
        held = self.client.encounter_refs(day)
        now = self.clock().replace(microsecond=0)
        checked: list[CheckOutcome] = []
        for row in rows:
            before = vl.effective_status(row, now)
            row_id = int(row["id"])
            if str(row["visitno"]) in held:
                self.ledger.record(row_id, status=vl.SENT, checked_at=now, answer_message=LISTED)
                checked.append(CheckOutcome(int(row["visitno"]), before, vl.SENT))
            elif before == vl.UNKNOWN:
                # Still unknown (a stale "sending" now says so): shown, never resent by itself.
                self.ledger.record(row_id, status=vl.UNKNOWN, checked_at=now, answer_message=ABSENT)
                checked.append(CheckOutcome(int(row["visitno"]), before, vl.UNKNOWN))
            # a "sending" row of a run still going is left to that run
        return checked
