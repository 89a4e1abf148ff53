"""Channels over real HTTP against the local sandbox; a crash mid-batch sends nobody twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from backoffice.reminders.channels import MophPushChannel, SmsGatewayChannel
from backoffice.reminders.ledger import ReminderLedger
from backoffice.reminders.sandbox import ReminderSandbox, ReminderSandboxState
from backoffice.reminders.sender import send_reminders
from common.cid import is_valid_cid
from integrations.jhcis import appointments as q
from integrations.jhcis.engine import open_engine
from integrations.jhcis.synth_cases import TODAY, UNIT, seed_known_appointments
from integrations.moph.ic import MophIcClient
from integrations.moph.sandbox import MophSandboxState

pytestmark = pytest.mark.integration

NOON = dt.datetime.combine(TODAY, dt.time(12, 0))
SMS_KEY = "sms-test-key"


@pytest.fixture
def box() -> Iterator[ReminderSandbox]:
    state = ReminderSandboxState(SMS_KEY, MophSandboxState("u1", "p1", UNIT))
    with ReminderSandbox(state) as sandbox:
        yield sandbox


@pytest.fixture
def engine(jhcis_sqlite_url: str) -> Iterator[Engine]:
    engine = open_engine(jhcis_sqlite_url)
    seed_known_appointments(engine)
    yield engine
    engine.dispose()


def _push(box: ReminderSandbox, timeout_s: float = 10.0) -> MophPushChannel:
    client = MophIcClient(
        token_base=box.url, claim_base=box.url, username="u1", password="p1",
        hospital_code=UNIT, timeout_s=timeout_s,
    )  # fmt: skip
    return MophPushChannel(client, "รพ.สต.ทดสอบ")


def _run(engine: Engine, channels: list, now: dt.datetime = NOON) -> dict[str, int]:  # type: ignore[type-arg]
    report = send_reminders(
        q.due(engine, TODAY, 30), channels, ReminderLedger(engine), now=now,
        clinic_name="รพ.สต.ทดสอบ", clinic_phone="043000000",
    )  # fmt: skip
    return report.counts()


def test_sms_and_push_reach_the_sandbox_once(engine: Engine, box: ReminderSandbox) -> None:
    sms = SmsGatewayChannel(box.sms_url, SMS_KEY)
    push = _push(box)
    counts = _run(engine, [sms, push])
    state = box.reminders.snapshot()
    phones = sorted(m["to"] for m in state["sms"])
    assert phones == ["0812345671", "0812345672", "0812345675", "0812345675"]
    assert all("รพ.สต.ทดสอบ" in m["message"] and "2570" in m["message"] for m in state["sms"])
    assert len({m["reference"] for m in state["sms"]}) == 4
    due_people = {a.pid for a in q.due(engine, TODAY, 30)}
    assert len(state["pushes"]) == len(q.due(engine, TODAY, 30))  # every synthetic CID is valid
    assert all(len(p["target"]) == 1 and is_valid_cid(p["target"][0]) for p in state["pushes"])
    assert state["pushes"][0]["hospital"]["hospital_code"] == UNIT
    assert counts["sent"] == 4 + len(due_people) + 1  # pid 5 has two appointments
    # A second run (the next timer tick) sends nothing more.
    again = _run(engine, [sms, push])
    assert set(again) == {"already", "no_address"}
    assert len(box.reminders.snapshot()["sms"]) == 4
    sms.close()
    push.close()


def test_expired_token_is_renewed_once(engine: Engine, box: ReminderSandbox) -> None:
    push = _push(box)
    a = q.due(engine, TODAY, 2, kinds=("epi",))[0]
    push.send(a, "ทดสอบ", "ref-1")
    assert push.client.token_fetches == 1
    box.state.expire_tokens()
    push.send(a, "ทดสอบ", "ref-2")
    assert push.client.token_fetches == 2
    assert len(box.reminders.snapshot()["pushes"]) == 2
    push.close()


def test_gateway_faults(engine: Engine, box: ReminderSandbox) -> None:
    a = q.due(engine, TODAY, 2, kinds=("epi",))[0]
    wrong = SmsGatewayChannel(box.sms_url, "wrong-key")
    with pytest.raises(Exception) as refused:
        wrong.send(a, "x", "r")
    assert getattr(refused.value, "code", "") == "reminders.channel_rejected"
    httpx.post(box.url + "/_sandbox/faults", json={"server_error": True})
    sms = SmsGatewayChannel(box.sms_url, SMS_KEY)
    counts = _run(engine, [sms])
    assert counts == {"failed": 4, "no_address": 1}
    httpx.post(box.url + "/_sandbox/faults", json={"delay_s": 1.5})
    slow = SmsGatewayChannel(box.sms_url, SMS_KEY, timeout_s=0.5)
    counts = _run(engine, [slow])
    # Timed out: the gateway may have sent it, so it is never retried automatically.
    assert counts == {"uncertain": 4, "no_address": 1}
    httpx.post(box.url + "/_sandbox/faults", json={})
    assert set(_run(engine, [sms])) == {"uncertain", "no_address"}
    for channel in (wrong, sms, slow):
        channel.close()


class _DiesAfterSending(SmsGatewayChannel):
    """The real SMS channel; the process 'dies' right after the gateway took message 2."""

    calls = 0

    def send(self, a: q.Appointment, text: str, reference: str) -> str:
        answer = super().send(a, text, reference)
        type(self).calls += 1
        if type(self).calls == 2:
            raise KeyboardInterrupt  # like SIGINT/SIGTERM between send and log write
        return answer


def test_crash_in_the_middle_of_a_batch(engine: Engine, box: ReminderSandbox) -> None:
    with pytest.raises(KeyboardInterrupt):
        _run(engine, [_DiesAfterSending(box.sms_url, SMS_KEY)])
    assert len(box.reminders.snapshot()["sms"]) == 2
    counts = _run(engine, [SmsGatewayChannel(box.sms_url, SMS_KEY)])
    received = [m["reference"] for m in box.reminders.snapshot()["sms"]]
    assert len(received) == len(set(received)) == 4
    assert counts == {"already": 1, "uncertain": 1, "sent": 2, "no_address": 1}


def test_no_personal_data_in_logs_or_the_reminder_log(
    engine: Engine, box: ReminderSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    due = q.due(engine, TODAY, 30)
    secrets = {v for a in due for v in (a.cid, a.phone, a.first_name, a.last_name) if v}
    httpx.post(box.url + "/_sandbox/faults", json={"server_error": True})
    with caplog.at_level("DEBUG"):
        _run(engine, [SmsGatewayChannel(box.sms_url, SMS_KEY), _push(box)])
        httpx.post(box.url + "/_sandbox/faults", json={})
        _run(engine, [SmsGatewayChannel(box.sms_url, SMS_KEY), _push(box)])
    assert len(box.reminders.snapshot()["sms"]) == 4  # the retry went through
    text = caplog.text
    rows = " ".join(str(e.as_dict()) for e in ReminderLedger(engine).entries())
    for value in secrets:
        assert value not in text
        assert value not in rows
