"""One reminder run: which appointments, which channels, quiet hours, dry-run, the log.

``send_reminders`` never sends one appointment twice on one channel: it claims the
pair in ``kiosk_reminder_log`` before sending and confirms after (see
:mod:`backoffice.reminders.ledger` for why a crash in between is safe). Only
:class:`ReminderError` and ordinary exceptions from a channel are handled here; a
crash (``KeyboardInterrupt``, ``SystemExit``, a killed process) leaves the claim.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from backoffice.reminders.channels import Channel, reminder_text
from backoffice.reminders.errors import ReminderError
from backoffice.reminders.ledger import ANY_CHANNEL, FAILED, RETAKEABLE, SENT, ReminderLedger
from common.quiet_hours import QuietHours
from integrations.jhcis.appointments import Appointment

log = logging.getLogger(__name__)


DEFAULT_QUIET_HOURS = QuietHours(dt.time(20, 0), dt.time(8, 0))


@dataclass
class Outcome:
    appointment_key: str
    channel: str
    result: str  # sent | would_send | already | opted_out | no_address | failed | uncertain | quiet
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "appointment_key": self.appointment_key,
            "channel": self.channel,
            "result": self.result,
            "note": self.note,
        }


@dataclass
class RunReport:
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(Counter(o.result for o in self.outcomes))

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


def send_reminders(
    appointments: Sequence[Appointment],
    channels: Sequence[Channel],
    ledger: ReminderLedger,
    *,
    now: dt.datetime,
    clinic_name: str,
    clinic_phone: str = "",
    dry_run: bool = False,
    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS,
) -> RunReport:
    """Remind each open appointment once per channel; returns what happened to each pair."""
    report = RunReport(dry_run=dry_run)
    opted = ledger.opted_out()
    done = {
        (e.appointment_key, e.channel): e
        for e in ledger.entries(keys=[a.key for a in appointments])
    }
    quiet = quiet_hours is not None and quiet_hours.contains(now.time())
    for a in appointments:
        if a.kept:
            continue
        text = reminder_text(a, clinic_name, clinic_phone)
        for channel in channels:
            report.outcomes.append(
                _one(
                    a,
                    channel,
                    text,
                    ledger,
                    opted=opted,
                    done=done,
                    now=now,
                    dry_run=dry_run,
                    quiet=quiet,
                )
            )
    counts = report.counts()
    log.info("reminder run (dry_run=%s): %s", dry_run, counts)
    return report


def _one(
    a: Appointment,
    channel: Channel,
    text: str,
    ledger: ReminderLedger,
    *,
    opted: set[tuple[str, int, str]],
    done: dict[tuple[str, str], Any],
    now: dt.datetime,
    dry_run: bool,
    quiet: bool,
) -> Outcome:
    key, name = a.key, channel.name
    previous = done.get((key, name))
    if previous is not None and previous.state not in RETAKEABLE:
        result = "uncertain" if previous.uncertain else "already"
        return Outcome(key, name, result, previous.state)
    if {(*a.person, name), (*a.person, ANY_CHANNEL)} & opted:
        if not dry_run:
            ledger.record_skip(key, name, a.person, a.date, now, reason="opted_out")
        return Outcome(key, name, "opted_out")
    if channel.address(a) is None:
        if not dry_run:
            ledger.record_skip(key, name, a.person, a.date, now, reason="no_address")
        return Outcome(key, name, "no_address")
    if quiet and channel.quiet_hours_apply:
        return Outcome(key, name, "quiet")
    if dry_run:
        return Outcome(key, name, "would_send")
    if not ledger.claim(key, name, a.person, a.date, now):
        return Outcome(key, name, "already")
    reference = f"{key}:{name}"
    try:
        provider_ref = channel.send(a, text, reference)
    except ReminderError as exc:
        if exc.nothing_sent:
            ledger.finish(key, name, FAILED, now, note=exc.code)
            return Outcome(key, name, "failed", exc.code)
        # Leave the claim: the message may have gone out and must not go twice.
        return Outcome(key, name, "uncertain", exc.code)
    except Exception as exc:  # a bug in a channel: the message may have gone out
        log.exception("reminder channel %s failed unexpectedly", name)
        return Outcome(key, name, "uncertain", type(exc).__name__)
    ledger.finish(key, name, SENT, now, reference=provider_ref or reference)
    return Outcome(key, name, "sent")
