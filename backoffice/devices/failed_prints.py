"""Today's queue tickets the kiosk could not print, and which of them staff reprinted.

The kiosk lists each failure in its health file (visit key, queue label, why) and
drops it once the same visit's ticket comes out there after all (the patient's card
again). A reprint from the backoffice is in the audit log (``reprint``, the visit's
key): a failure with a successful reprint after it is done.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from backoffice.devices.report import KioskReport, PrintFailure
from backoffice.reports.visits import VisitRow, visits_between
from backoffice.web.audit import AuditLog
from common.errors import BilingualError, error_label
from integrations.jhcis.clinic import ClinicDatabase

log = logging.getLogger(__name__)

REPRINT_ACTION = "reprint"  # what backoffice/queue/web.py audits
AUDIT_LOOKBACK = 500


@dataclass(frozen=True)
class FailedTicket:
    failure: PrintFailure
    row: VisitRow | None  # None: held in the kiosk's journal, gone from JHCIS, or not checked
    reprinted_at: dt.datetime | None = None
    reprinted_by: str | None = None
    checked: bool = True  # False: JHCIS could not be asked (the list still shows)

    @property
    def waiting(self) -> bool:
        """Still to be reprinted from here (a journal-held visit cannot be, yet)."""
        return self.reprinted_at is None and (self.row is not None or not self.checked)


def todays_failures(report: KioskReport, day: dt.date) -> list[PrintFailure]:
    """One per visit (its latest failure), in the order they happened."""
    latest: dict[tuple[str, bool], PrintFailure] = {}
    for failure in report.print_failures:
        if failure.at is not None and failure.at.date() == day:
            latest.pop((failure.key, failure.local), None)
            latest[(failure.key, failure.local)] = failure
    return list(latest.values())


def failed_tickets(
    report: KioskReport, clinic: ClinicDatabase, audit: AuditLog, day: dt.date
) -> list[FailedTicket]:
    failures = todays_failures(report, day)
    if not failures:
        return []
    try:
        rows = {r.key: r for r in visits_between(clinic, day, day)}
        reprints = [
            e for e in audit.recent(AUDIT_LOOKBACK, action=REPRINT_ACTION) if e.outcome == "ok"
        ]
    except (BilingualError, SQLAlchemyError) as exc:
        # The page staff open when things break must open: the kiosk's list, unchecked.
        log.warning("failed tickets not checked against JHCIS: %s", error_label(exc))
        return [FailedTicket(failure, None, checked=False) for failure in failures]
    found = []
    for failure in failures:
        row = None if failure.local else rows.get(failure.key)
        after = [
            e
            for e in reprints
            if e.target == failure.key and (failure.at is None or e.at >= failure.at)
        ]
        done = min(after, key=lambda e: e.at) if after else None
        found.append(
            FailedTicket(
                failure,
                row,
                reprinted_at=done.at if done else None,
                reprinted_by=done.username if done else None,
            )
        )
    return found
