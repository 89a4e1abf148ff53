"""Sending one visit's content to MOPH through a visit ledger, and what came of it.

Shared by the MOPH-PHR sender and the MOPH IC vaccination push (``backoffice.reminders``):
both keep a :func:`~integrations.jhcis.visit_ledger.visit_send_table` ledger and upload
one JSON body per visit to a server that answers the ``{MessageCode, Message}`` envelope.

:class:`LedgerSender` asks the ledger whether the content may go
(:func:`~integrations.jhcis.visit_ledger.plan`), fetches the token once before the first
row is written, commits the ``sending`` row, sends, and records the answer: ``sent``,
``rejected`` (MOPH's reason kept), ``unknown`` (MOPH may have acted on it), or
``failed`` (nothing reached MOPH; tried again in the run after ``retry_delays_s``, then
by later runs after the ledger's back-off). An account problem stops the run
(``stopped``): the visits after it are reported ``not_tried``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from common.errors import BilingualError
from integrations.jhcis import visit_ledger as vl
from integrations.moph.envelope import UploadAnswer
from integrations.moph.errors import (
    MophError,
    MophLoginFailed,
    MophNotConfigured,
    MophRateLimited,
    MophTokenRejected,
    MophUnreachable,
)

log = logging.getLogger(__name__)

STOPPING = (MophNotConfigured, MophLoginFailed, MophTokenRejected)
RETRYABLE = (MophUnreachable, MophRateLimited)  # nothing was sent: safe to try again now
DEFAULT_RETRY_DELAYS_S = (2.0, 8.0)


@dataclass
class VisitOutcome:
    """What happened to one visit in a run. Holds no name and no citizen ID."""

    visitno: int
    visitdate: dt.date
    hn: int
    status: str  # sent|rejected|failed|unknown|skipped|waiting|cannot_send|dry_run|not_tried
    reason: str = ""
    seq: int = 0
    attempts: int = 0
    items: int = 0  # vaccinations in the content
    answer_message: str = ""
    error: BilingualError | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "visitno": self.visitno,
            "visitdate": self.visitdate.isoformat(),
            "hn": self.hn,
            "status": self.status,
            "reason": self.reason,
            "seq": self.seq,
            "attempts": self.attempts,
            "vaccinations": self.items,
            "answer_message": self.answer_message,
            **(self.error.as_dict() if self.error else {}),
        }


@dataclass(frozen=True)
class Upload:
    """One visit's content, ready to go."""

    pcucode: str
    visitno: int
    visitdate: dt.date
    content_sha256: str
    items: int
    body: dict[str, Any]


def counts(outcomes: Iterable[VisitOutcome]) -> dict[str, int]:
    found: dict[str, int] = {}
    for o in outcomes:
        key = f"{o.status}:{o.reason}" if o.status == "skipped" else o.status
        found[key] = found.get(key, 0) + 1
    return dict(sorted(found.items()))


BAD = frozenset({"failed", "unknown", "rejected", "not_tried"})


@dataclass
class SendReport:
    """A run's outcomes; ``ok`` when nothing failed, was refused, is unknown or was left."""

    outcomes: list[VisitOutcome] = field(default_factory=list)
    stopped: BilingualError | None = None

    def counts(self) -> dict[str, int]:
        return counts(self.outcomes)

    @property
    def ok(self) -> bool:
        return self.stopped is None and not any(o.status in BAD for o in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": self.counts(),
            "stopped": self.stopped.as_dict() if self.stopped else None,
            "visits": [o.as_dict() for o in self.outcomes],
        }


class LedgerSender:
    def __init__(
        self,
        ledger: vl.VisitLedger,
        *,
        upload: Callable[[dict[str, Any]], UploadAnswer] | None,
        ready: Callable[[], None] | None,
        sent_by: str = "",
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        retry_delays_s: Iterable[float] = DEFAULT_RETRY_DELAYS_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ledger = ledger
        self.upload = upload
        self.ready = ready
        self.sent_by = sent_by[:64]
        self.clock = clock
        self.retry_delays_s = tuple(retry_delays_s)
        self.sleep = sleep
        self.stopped: BilingualError | None = None
        self._ready = False

    def now(self) -> dt.datetime:
        return self.clock().replace(microsecond=0)

    def offer(
        self,
        item: Upload,
        prior: dict[str, Any] | None,
        outcome: VisitOutcome,
        *,
        resend: bool = False,
        dry_run: bool = False,
    ) -> None:
        """Send `item` if the ledger lets it go; `outcome` says what happened."""
        outcome.items = item.items
        if self.stopped is not None:
            outcome.status = "not_tried"
            return
        chosen = vl.plan(prior, item.content_sha256, self.now(), resend=resend)
        if chosen.action == "skip":
            outcome.status, outcome.reason = "skipped", chosen.reason
            return
        if dry_run or self.upload is None:
            outcome.status, outcome.reason = "dry_run", "changed" if chosen.changed else ""
            return
        if not self._ready and self.ready is not None:
            try:
                self.ready()
            except STOPPING as error:
                self.stopped = outcome.error = error
                outcome.status = "not_tried"
                return
        self._ready = True
        self._send(item, chosen, prior, outcome)

    def _send(
        self, item: Upload, chosen: vl.Plan, prior: dict[str, Any] | None, outcome: VisitOutcome
    ) -> None:
        now = self.now()
        if chosen.action == "retry" and prior is not None:
            row_id: int | None = chosen.row_id if self.ledger.retake(chosen.row_id) else None
            seq, base_attempts = int(prior["seq"]), int(prior["attempts"]) + 1
        else:
            row_id = self.ledger.take(
                {"pcucode": item.pcucode, "visitno": item.visitno, "visitdate": item.visitdate,
                 "seq": chosen.seq, "content_sha256": item.content_sha256, "items": item.items,
                 "sent_by": self.sent_by or None}
            )  # fmt: skip
            seq, base_attempts = chosen.seq, 1
        if row_id is None:
            outcome.status, outcome.reason = "skipped", "in_progress"
            return
        outcome.seq = seq
        values, tries = self._post(item.body, outcome, row_id)
        outcome.attempts = base_attempts + tries - 1
        values["attempts"] = outcome.attempts
        if values["status"] == vl.FAILED:
            values["next_try_at"] = now + dt.timedelta(seconds=vl.backoff_s(outcome.attempts))
        if isinstance(outcome.error, STOPPING):
            self.stopped = outcome.error
        self.ledger.record(row_id, **values)
        outcome.status = str(values["status"])
        log.info(
            "%s visit %s seq %d: %s", self.ledger.table.name, item.visitno, seq, outcome.status
        )

    def _post(
        self, body: dict[str, Any], outcome: VisitOutcome, row_id: int
    ) -> tuple[dict[str, Any], int]:
        """Send once, and again after the delays while nothing could reach MOPH."""
        assert self.upload is not None
        tries = 0
        for delay in (0.0, *self.retry_delays_s):
            if delay:
                self.sleep(delay)
            tries += 1
            try:
                answer = self.upload(body)
            except RETRYABLE as error:
                outcome.error = error
                continue
            except MophError as error:
                outcome.error = error
                status = vl.UNKNOWN if error.maybe_processed else vl.FAILED
                return {"status": status, "error_code": error.code,
                        "answer_message": error.detail[:255]}, tries  # fmt: skip
            except BaseException:
                # Our bug or an interrupt mid-send: whether MOPH took it is unknown.
                self.ledger.record(row_id, status=vl.UNKNOWN, error_code="internal")
                raise
            outcome.error = None
            outcome.answer_message = answer.message
            status = {"accepted": vl.SENT, "refused": vl.REJECTED}.get(answer.verdict, vl.UNKNOWN)
            return {
                "status": status, "http_status": answer.http_status,
                "answer_code": answer.message_code[:16] or None,
                "answer_message": answer.message or None, "error_code": None,
            }, tries  # fmt: skip
        assert outcome.error is not None
        return {"status": vl.FAILED, "error_code": outcome.error.code,
                "answer_message": outcome.error.detail[:255]}, tries  # fmt: skip
