"""The reminder log and the opt-out list: our own ``kiosk_`` tables in the clinic database.

At most one reminder per appointment per channel, even across a crash. Each send
walks three steps, each its own committed transaction:

1. **claim**: insert ``(appointment_key, channel)`` with state ``claimed``. The
   primary key makes a second claim fail, so two runs (a timer and a staff click)
   never both send.
2. **send** through the channel.
3. **confirm**: state ``sent`` (or ``failed`` when the channel says nothing went out,
   which frees the row for a later run).

A crash between 1 and 3 leaves ``claimed``: the message may or may not have left, so
it is never sent again automatically; the log shows it as *uncertain* for staff, who
can check with the person and ``release`` it. ``dry-run`` claims nothing. Nothing
here DELETEs (the backoffice account has no DELETE privilege): release and opt-in
are UPDATEs.

The log holds no name, citizen ID or phone: the person is ``(pcucodeperson, pid)``
and the appointment its key (see :attr:`Appointment.key`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CHAR,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from integrations.jhcis.own_tables import ensure_kiosk_tables
from integrations.jhcis.types import JhcisDate, JhcisDateTime

CLAIMED = "claimed"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"  # opted out or no address: recorded so staff see why
RELEASED = "released"  # staff allowed a failed/uncertain reminder to go again
RETAKEABLE = (FAILED, SKIPPED, RELEASED)  # nothing reached the person: may be claimed again
ANY_CHANNEL = "*"

reminder_metadata = MetaData()

kiosk_reminder_log = Table(
    "kiosk_reminder_log",
    reminder_metadata,
    Column("appointment_key", String(120), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("state", String(10), nullable=False),
    Column("pcucodeperson", CHAR(5), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("appointment_date", JhcisDate, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_at", JhcisDateTime, nullable=False),
    Column("finished_at", JhcisDateTime),
    Column("reference", String(80)),  # what the channel answered (message id), never PII
    Column("note", String(255)),  # error code or skip reason
    Index("kiosk_reminder_log_date", "appointment_date"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

kiosk_reminder_optout = Table(
    "kiosk_reminder_optout",
    reminder_metadata,
    Column("pcucodeperson", CHAR(5), primary_key=True),
    Column("pid", Integer, primary_key=True, autoincrement=False),
    Column("channel", String(20), primary_key=True),  # "*" = every channel
    Column("active", Integer, nullable=False, default=1),  # 0 = opted back in
    Column("created_at", JhcisDateTime, nullable=False),
    Column("created_by", String(35)),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

REMINDER_TABLES = (kiosk_reminder_log, kiosk_reminder_optout)


def ensure_reminder_tables(engine: Engine) -> None:
    """Create or complete our two tables (never touches a JHCIS table)."""
    ensure_kiosk_tables(engine, REMINDER_TABLES)


@dataclass(frozen=True)
class LogEntry:
    appointment_key: str
    channel: str
    state: str
    pcucodeperson: str
    pid: int
    appointment_date: dt.date
    attempts: int
    claimed_at: dt.datetime
    finished_at: dt.datetime | None
    reference: str | None
    note: str | None

    @property
    def uncertain(self) -> bool:
        """Claimed and never confirmed: the run stopped between send and log."""
        return self.state == CLAIMED

    def as_dict(self) -> dict[str, Any]:
        return {
            "appointment_key": self.appointment_key,
            "channel": self.channel,
            "state": "uncertain" if self.uncertain else self.state,
            "pcucodeperson": self.pcucodeperson,
            "pid": self.pid,
            "appointment_date": self.appointment_date.isoformat(),
            "attempts": self.attempts,
            "claimed_at": self.claimed_at.isoformat(sep=" "),
            "finished_at": self.finished_at.isoformat(sep=" ") if self.finished_at else None,
            "reference": self.reference,
            "note": self.note,
        }


class ReminderLedger:
    """Claim / confirm / release on ``kiosk_reminder_log``; the opt-out list."""

    def __init__(self, engine: Engine, *, ensure_tables: bool = True) -> None:
        self.engine = engine
        if ensure_tables:
            ensure_reminder_tables(engine)

    def claim(
        self,
        key: str,
        channel: str,
        person: tuple[str, int],
        day: dt.date,
        now: dt.datetime,
    ) -> bool:
        """Take the right to send; False when another run sent, is sending or may have sent."""
        log = kiosk_reminder_log
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(log).values(
                        appointment_key=key,
                        channel=channel,
                        state=CLAIMED,
                        pcucodeperson=person[0],
                        pid=person[1],
                        appointment_date=day,
                        attempts=1,
                        claimed_at=now,
                    )
                )
            return True
        except IntegrityError:
            pass
        # Only a row where nothing left (failed, skipped) may be taken again, and only
        # by one run: the UPDATE's WHERE on the old state decides who wins.
        with self.engine.begin() as conn:
            result = conn.execute(
                update(log)
                .where(log.c.appointment_key == key, log.c.channel == channel)
                .where(log.c.state.in_(RETAKEABLE))
                .values(
                    state=CLAIMED, attempts=log.c.attempts + 1, claimed_at=now, finished_at=None
                )
            )
            return bool(result.rowcount == 1)

    def finish(
        self,
        key: str,
        channel: str,
        state: str,
        now: dt.datetime,
        *,
        reference: str | None = None,
        note: str | None = None,
    ) -> None:
        log = kiosk_reminder_log
        with self.engine.begin() as conn:
            conn.execute(
                update(log)
                .where(log.c.appointment_key == key, log.c.channel == channel)
                .values(
                    state=state,
                    finished_at=now,
                    reference=(reference or None) and reference[:80],
                    note=(note or None) and note[:255],
                )
            )

    def record_skip(
        self,
        key: str,
        channel: str,
        person: tuple[str, int],
        day: dt.date,
        now: dt.datetime,
        *,
        reason: str,
    ) -> None:
        """Note once why this appointment is not reminded on this channel. A skipped row
        never blocks a later send (the person may opt in or add a phone number)."""
        with contextlib.suppress(IntegrityError), self.engine.begin() as conn:
            conn.execute(
                insert(kiosk_reminder_log).values(
                    appointment_key=key,
                    channel=channel,
                    state=SKIPPED,
                    pcucodeperson=person[0],
                    pid=person[1],
                    appointment_date=day,
                    attempts=0,
                    claimed_at=now,
                    finished_at=now,
                    note=reason[:255],
                )
            )

    def release(self, key: str, channel: str) -> bool:
        """Staff checked an uncertain or failed reminder: allow it to be sent again.

        An UPDATE, not a DELETE: the backoffice account has no DELETE privilege, and the
        row keeps its attempt count."""
        log = kiosk_reminder_log
        with self.engine.begin() as conn:
            result = conn.execute(
                update(log)
                .where(
                    log.c.appointment_key == key,
                    log.c.channel == channel,
                    log.c.state.in_([CLAIMED, FAILED]),
                )
                .values(state=RELEASED, note="released by staff")
            )
            return bool(result.rowcount)

    def entries(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        keys: Iterable[str] | None = None,
    ) -> list[LogEntry]:
        log = kiosk_reminder_log
        query = select(log).order_by(log.c.appointment_date, log.c.appointment_key, log.c.channel)
        if since is not None:
            query = query.where(log.c.appointment_date >= since)
        if until is not None:
            query = query.where(log.c.appointment_date <= until)
        if keys is not None:
            query = query.where(log.c.appointment_key.in_(list(keys)))
        with self.engine.connect() as conn:
            return [LogEntry(**dict(row._mapping)) for row in conn.execute(query)]

    # -- opt-out ----------------------------------------------------------------------

    def opt_out(
        self, person: tuple[str, int], channel: str, now: dt.datetime, by: str = ""
    ) -> bool:
        """Stop reminders to a person on one channel (or ``*``); False when already out."""
        o = kiosk_reminder_optout
        where = (o.c.pcucodeperson == person[0], o.c.pid == person[1], o.c.channel == channel)
        with self.engine.begin() as conn:
            again = conn.execute(
                update(o)
                .where(*where, o.c.active == 0)
                .values(active=1, created_at=now, created_by=by[:35] or None)
            )
            if again.rowcount:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(o).values(
                        pcucodeperson=person[0],
                        pid=person[1],
                        channel=channel,
                        active=1,
                        created_at=now,
                        created_by=by[:35] or None,
                    )
                )
            return True
        except IntegrityError:
            return False

    def opt_in(self, person: tuple[str, int], channel: str) -> bool:
        o = kiosk_reminder_optout
        with self.engine.begin() as conn:
            result = conn.execute(
                update(o)
                .where(
                    o.c.pcucodeperson == person[0],
                    o.c.pid == person[1],
                    o.c.channel == channel,
                    o.c.active == 1,
                )
                .values(active=0)
            )
            return bool(result.rowcount)

    def opted_out(self) -> set[tuple[str, int, str]]:
        o = kiosk_reminder_optout
        query = select(o.c.pcucodeperson, o.c.pid, o.c.channel).where(o.c.active == 1)
        with self.engine.connect() as conn:
            return {(row.pcucodeperson, int(row.pid), row.channel) for row in conn.execute(query)}
