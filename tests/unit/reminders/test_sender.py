"""The reminder run: once per appointment and channel, crash-safe, opt-out, quiet hours, dry-run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import ClassVar

import pytest
from sqlalchemy import Engine

from backoffice.reminders.channels import Channel, normalise_phone, reminder_text
from backoffice.reminders.errors import ChannelUnavailable, ChannelUncertain
from backoffice.reminders.ledger import CLAIMED, FAILED, SENT, SKIPPED, ReminderLedger
from backoffice.reminders.sender import send_reminders
from common.quiet_hours import QuietHours
from integrations.jhcis import appointments as q
from integrations.jhcis.engine import open_engine
from integrations.jhcis.synth_cases import TODAY, UNIT, seed_known_appointments

NOON = dt.datetime.combine(TODAY, dt.time(12, 0))


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing may swallow it."""


class Recorder(Channel):
    name: ClassVar[str] = "sms"

    def __init__(self, fail: BaseException | None = None, crash_after: int | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail
        self.crash_after = crash_after

    def address(self, a: q.Appointment) -> str | None:
        return normalise_phone(a.phone)

    def send(self, a: q.Appointment, text: str, reference: str) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append((a.key, text))
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise Crash()
        return f"id-{len(self.sent)}"


@pytest.fixture
def engine(jhcis_sqlite_url: str) -> Iterator[Engine]:
    engine = open_engine(jhcis_sqlite_url)
    seed_known_appointments(engine)
    yield engine
    engine.dispose()


def _due(engine: Engine) -> list[q.Appointment]:
    return q.due(engine, TODAY, 30)


def _run(engine: Engine, channel: Channel, **kwargs: object) -> dict[str, int]:
    report = send_reminders(
        _due(engine),
        [channel],
        ReminderLedger(engine),
        now=kwargs.pop("now", NOON),  # type: ignore[arg-type]
        clinic_name="รพ.สต.ทดสอบ",
        **kwargs,  # type: ignore[arg-type]
    )
    return report.counts()


def test_each_appointment_once_then_already(engine: Engine) -> None:
    channel = Recorder()
    first = _run(engine, channel)
    # 5 due; pid 7 has no phone.
    assert first == {"sent": 4, "no_address": 1}
    assert len(channel.sent) == 4
    second = _run(engine, channel)
    assert second == {"already": 4, "no_address": 1}
    assert len(channel.sent) == 4
    states = {e.state for e in ReminderLedger(engine).entries()}
    assert states == {SENT, SKIPPED}
    text = channel.sent[0][1]
    assert "รพ.สต.ทดสอบ" in text and "2570" in text  # Buddhist-era date


def test_crash_between_send_and_log_never_sends_twice(engine: Engine) -> None:
    channel = Recorder(crash_after=2)
    with pytest.raises(Crash):
        _run(engine, channel)
    assert len(channel.sent) == 2
    resumed = Recorder()
    counts = _run(engine, resumed)
    sent_keys = [k for k, _ in channel.sent] + [k for k, _ in resumed.sent]
    assert len(sent_keys) == len(set(sent_keys)) == 4  # nobody got two
    assert counts["uncertain"] == 1  # the one whose confirmation was lost
    assert counts["sent"] == 2
    ledger = ReminderLedger(engine)
    uncertain = [e for e in ledger.entries() if e.uncertain]
    assert [e.appointment_key for e in uncertain] == [channel.sent[1][0]]
    assert uncertain[0].as_dict()["state"] == "uncertain"
    # Staff checked with the person and release it: the next run sends it again, once.
    assert ledger.release(channel.sent[1][0], "sms")
    again = Recorder()
    assert _run(engine, again)["sent"] == 1
    assert [k for k, _ in again.sent] == [channel.sent[1][0]]


def test_failure_before_sending_is_retried_uncertain_is_not(engine: Engine) -> None:
    counts = _run(engine, Recorder(fail=ChannelUnavailable("down")))
    assert counts == {"failed": 4, "no_address": 1}
    assert {e.state for e in ReminderLedger(engine).entries() if e.note != "no_address"} == {FAILED}
    retry = Recorder()
    assert _run(engine, retry)["sent"] == 4
    assert max(e.attempts for e in ReminderLedger(engine).entries()) == 2


def test_uncertain_answer_is_left_claimed(engine: Engine) -> None:
    counts = _run(engine, Recorder(fail=ChannelUncertain("timeout")))
    assert counts["uncertain"] == 4
    assert {e.state for e in ReminderLedger(engine).entries() if e.note != "no_address"} == {
        CLAIMED
    }
    later = Recorder()
    assert _run(engine, later)["uncertain"] == 4
    assert later.sent == []


def test_opt_out_quiet_hours_and_dry_run(engine: Engine) -> None:
    ledger = ReminderLedger(engine)
    assert ledger.opt_out((UNIT, 1), "*", NOON)
    assert not ledger.opt_out((UNIT, 1), "*", NOON)
    dry = Recorder()
    counts = _run(engine, dry, dry_run=True)
    assert counts == {"would_send": 3, "opted_out": 1, "no_address": 1}
    assert dry.sent == [] and ledger.entries() == []  # dry run logs nothing
    night = Recorder()
    counts = _run(engine, night, now=dt.datetime.combine(TODAY, dt.time(21, 30)))
    assert counts["quiet"] == 3 and night.sent == []
    day = Recorder()
    assert _run(engine, day)["sent"] == 3
    assert ledger.opt_in((UNIT, 1), "*")


def test_quiet_hours_parse() -> None:
    quiet = QuietHours.parse("20:00-08:00")
    assert quiet is not None
    assert quiet.contains(dt.time(23, 0)) and quiet.contains(dt.time(7, 59))
    assert not quiet.contains(dt.time(8, 0)) and not quiet.contains(dt.time(19, 59))
    assert QuietHours.parse("off") is None
    day = QuietHours.parse("12:00-13:00")
    assert day is not None and day.contains(dt.time(12, 30)) and not day.contains(dt.time(13, 0))
    with pytest.raises(Exception, match="quiet hours"):
        QuietHours.parse("8pm")


def test_phone_and_text() -> None:
    assert normalise_phone("081-234-5671") == "0812345671"
    assert normalise_phone("+66812345671") == "0812345671"
    assert normalise_phone("021234567") is None
    a = q.Appointment(
        kind="diag",
        pcucode=UNIT,
        visitno=1,
        code="I10",
        date=dt.date(2027, 3, 2),
        pcucodeperson=UNIT,
        pid=1,
        booked_on=None,
        what="รับยา",
        time=dt.time(9, 0),
        first_name="สมชาย",
        last_name="ใจดี",
    )
    text = reminder_text(a, "รพ.สต.ทดสอบ", "043000000")
    assert "2 มีนาคม 2570" in text and "09:00" in text and "043000000" in text
    assert "สมชาย" not in text  # no name in an SMS


def test_a_skip_does_not_block_a_later_send(engine: Engine) -> None:
    ledger = ReminderLedger(engine)
    ledger.opt_out((UNIT, 1), "sms", NOON)
    assert _run(engine, Recorder())["opted_out"] == 1
    ledger.opt_in((UNIT, 1), "sms")
    later = Recorder()
    assert _run(engine, later) == {"sent": 1, "already": 3, "no_address": 1}
    assert [k.split(":")[3] for k, _ in later.sent] == ["BCG"]
