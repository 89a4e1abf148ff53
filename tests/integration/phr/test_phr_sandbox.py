"""MOPH-PHR uploads of the synthetic clinic over real HTTP, against the MOPH sandbox.

The issue's done-when: finishing visits (JHCIS's ``flagservice`` 03) produces PHR sends
recorded in the ledger; an unknown outcome is shown, not resent; a refused one keeps
MOPH's reason; nothing that reached PHR goes twice; a connection that could not be made
is retried with back-off. The kill-and-rerun test is in ``test_phr_kill.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text, update

from backoffice.phr.sender import PhrSender
from backoffice.phr.tables import kiosk_phr_send
from common.cid import is_valid_cid
from integrations.jhcis import tables as t
from integrations.jhcis.engine import open_engine
from integrations.moph.phr import PhrClient
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState

pytestmark = pytest.mark.integration

UNIT = "99901"
USER, PASSWORD = "phr-user", "phr-pass"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def engine(jhcis_sqlite_url: str) -> Iterator[Engine]:
    engine = open_engine(jhcis_sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def box() -> Iterator[MophSandboxServer]:
    with MophSandboxServer(MophSandboxState(USER, PASSWORD, UNIT)) as server:
        yield server


def busiest_day(engine: Engine) -> dt.date:
    """The synthetic day with the most visits that include a vaccination."""
    query = text(
        "SELECT v.visitdate, COUNT(*) AS n FROM visit v WHERE v.pcucode = :u AND EXISTS "
        "(SELECT 1 FROM visitepi e WHERE e.pcucode = v.pcucode AND e.visitno = v.visitno) "
        "GROUP BY v.visitdate ORDER BY n DESC, v.visitdate LIMIT 1"
    )
    with engine.connect() as conn:
        value = conn.execute(query, {"u": UNIT}).first()
    assert value is not None
    day = value[0]
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))


def visits_of(engine: Engine, day: dt.date) -> list[int]:
    v = t.visit
    with engine.connect() as conn:
        query = select(v.c.visitno).where(v.c.pcucode == UNIT, v.c.visitdate == day)
        return sorted(int(r.visitno) for r in conn.execute(query))


def set_flag(engine: Engine, visitnos: list[int], flag: str) -> None:
    """What JHCIS does when staff move a visit along (the test stands in for JHCIS)."""
    v = t.visit
    with engine.begin() as conn:
        conn.execute(
            update(v).where(v.c.pcucode == UNIT, v.c.visitno.in_(visitnos)).values(flagservice=flag)
        )


def client_for(box: MophSandboxServer, **kw: Any) -> PhrClient:
    options: dict[str, Any] = {
        "phr_base": box.url, "token_base": box.url, "username": USER, "password": PASSWORD,
        "hospital_code": UNIT,
    }  # fmt: skip
    options.update(kw)
    return PhrClient(**options)


def sender_for(engine: Engine, client: PhrClient | None, clock: Clock | None = None) -> PhrSender:
    return PhrSender(
        engine, client, hcode=UNIT, hospital_name="รพ.สต.ทดสอบ", retry_delays_s=(0.0,),
        clock=clock or Clock(dt.datetime(2026, 1, 20, 10, 0)),
    )  # fmt: skip


def ledger(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(kiosk_phr_send).order_by(kiosk_phr_send.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def receipts(box: MophSandboxServer) -> list[str]:
    return list(box.state.phr_state.snapshot()["receipts"])


def test_finishing_visits_produces_sends_recorded_in_the_ledger(
    engine: Engine, box: MophSandboxServer
) -> None:
    day = busiest_day(engine)
    visits = visits_of(engine, day)
    assert len(visits) >= 2
    set_flag(engine, visits, "01")  # opened, waiting: as the kiosk leaves them
    with client_for(box) as client:
        sender = sender_for(engine, client)
        first = sender.send(day, day)
        assert {o.status for o in first.outcomes} == {"waiting"}
        assert receipts(box) == [] and ledger(engine) == []
        set_flag(engine, visits[:1], "03")  # JHCIS: จบบริการ
        second = sender.send(day, day)
        assert [(o.visitno, o.status) for o in second.outcomes if o.status != "waiting"] == [
            (visits[0], "sent")
        ]
        set_flag(engine, visits[1:], "03")
        third = sender.send(day, day)
        assert (
            third.ok
            and sorted(o.visitno for o in third.outcomes if o.status == "sent") == (visits[1:])
        )
        again = sender.send(day, day)
        assert again.counts() == {"skipped:sent": len(visits)}
    assert sorted(receipts(box), key=int) == [str(v) for v in visits]  # each exactly once
    rows = ledger(engine)
    assert [(r["visitno"], r["status"], r["seq"]) for r in rows] == [(v, "sent", 1) for v in visits]
    assert all(r["answer_code"] == "200" and r["http_status"] == 200 for r in rows)
    assert sum(r["items"] for r in rows) >= 1  # the day has vaccinations, and they went
    stored = box.state.phr_state.encounters
    shots = [s for e in stored.values() for s in e["Immunization"]]
    assert shots and all(len(s["vaccineCode"]["coding"][0]["code"]) == 3 for s in shots)


def test_the_payload_is_the_specifications_shape(engine: Engine, box: MophSandboxServer) -> None:
    day = busiest_day(engine)
    with client_for(box) as client:
        assert sender_for(engine, client).send(day, day).ok
    payloads = [p for p in box.state.phr_state.encounters.values()]
    assert payloads
    encounter = payloads[0]
    assert encounter["status"] == "finished" and encounter["class"]["code"] == "AMB"
    assert encounter["period"]["start"].startswith(day.isoformat())
    assert encounter["period"]["start"].endswith("+07:00")
    vitals = encounter["vital_signs"]
    assert set(vitals) >= {"body_weight_kg", "body_height_cm", "bp_systolic_mmhg"}
    codes = [c["code"]["coding"][0]["code"] for e in payloads for c in e["Condition"]]
    assert codes and all(len(c) == 3 or c[3] == "." for c in codes)  # ICD-10 written with its dot


def test_an_unknown_outcome_is_shown_not_resent_and_a_check_settles_it(
    engine: Engine, box: MophSandboxServer
) -> None:
    day = busiest_day(engine)
    visits = visits_of(engine, day)
    box.state.faults.lose_answer, box.state.faults.paths = 1, ("UpdatePHRv1",)
    with client_for(box) as client:
        sender = sender_for(engine, client)
        report = sender.send(day, day)
        unknown = [o for o in report.outcomes if o.status == "unknown"]
        assert len(unknown) == 1 and not report.ok
        assert unknown[0].error is not None and unknown[0].error.code == "moph.unavailable"
        lost = unknown[0].visitno
        assert receipts(box).count(str(lost)) == 1  # PHR has it; we do not know that
        rerun = sender.send(day, day)
        assert [o.reason for o in rerun.outcomes if o.visitno == lost] == ["unknown"]
        assert receipts(box).count(str(lost)) == 1  # not resent
        checked = sender.check(day)
        assert [(c.visitno, c.before, c.after) for c in checked] == [(lost, "unknown", "sent")]
        assert sender.send(day, day).counts() == {"skipped:sent": len(visits)}
    row = next(r for r in ledger(engine) if r["visitno"] == lost)
    assert row["status"] == "sent" and row["checked_at"] is not None


def test_an_unknown_outcome_goes_again_only_on_purpose(
    engine: Engine, box: MophSandboxServer
) -> None:
    day = busiest_day(engine)
    box.state.faults.lose_answer, box.state.faults.paths = 1, ("UpdatePHRv1",)
    with client_for(box) as client:
        sender = sender_for(engine, client)
        lost = next(o.visitno for o in sender.send(day, day).outcomes if o.status == "unknown")
        again = sender.send(day, day, resend=True, only={lost})
        assert [(o.status, o.seq) for o in again.outcomes] == [("sent", 2)]
    assert receipts(box).count(str(lost)) == 2  # the operator's choice, recorded as such
    assert [r["status"] for r in ledger(engine) if r["visitno"] == lost] == ["unknown", "sent"]


def test_a_refusal_keeps_phrs_reason_and_corrected_content_goes(
    engine: Engine, box: MophSandboxServer
) -> None:
    day = busiest_day(engine)
    box.state.faults.reject, box.state.faults.paths = 1, ("UpdatePHRv1",)
    with client_for(box) as client:
        sender = sender_for(engine, client)
        refused = [o for o in sender.send(day, day).outcomes if o.status == "rejected"]
        assert len(refused) == 1
        visitno = refused[0].visitno
        assert refused[0].answer_message == "rejected (sandbox fault)"
        assert [o.reason for o in sender.send(day, day).outcomes if o.visitno == visitno] == [
            "rejected"
        ]
        v = t.visit
        with engine.begin() as conn:  # staff correct the visit in JHCIS
            conn.execute(
                update(v).where(v.c.pcucode == UNIT, v.c.visitno == visitno).values(symptoms="ไอ")
            )
        fixed = [o for o in sender.send(day, day).outcomes if o.visitno == visitno]
        assert [(o.status, o.seq) for o in fixed] == [("sent", 2)]
    rows = [r for r in ledger(engine) if r["visitno"] == visitno]
    assert [(r["status"], r["answer_message"]) for r in rows] == [
        ("rejected", "rejected (sandbox fault)"), ("sent", "OK")
    ]  # fmt: skip
    assert rows[0]["content_sha256"] != rows[1]["content_sha256"]


def test_no_connection_is_failed_then_retried_after_its_back_off(
    engine: Engine, box: MophSandboxServer
) -> None:
    import socket

    day = busiest_day(engine)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    clock = Clock(dt.datetime(2026, 1, 20, 10, 0))
    with client_for(box, phr_base=closed) as down:
        report = sender_for(engine, down, clock).send(day, day)
    assert {o.status for o in report.outcomes} == {"failed"}
    assert {o.error.code for o in report.outcomes if o.error} == {"moph.unreachable"}
    rows = ledger(engine)
    assert all(r["attempts"] == 2 for r in rows)  # one try and one retry in the run
    assert all(r["next_try_at"] == clock.now + dt.timedelta(minutes=10) for r in rows)
    with client_for(box) as up:
        sender = sender_for(engine, up, clock)
        assert {o.reason for o in sender.send(day, day).outcomes} == {"waiting"}
        assert receipts(box) == []
        clock.now += dt.timedelta(minutes=11)
        assert {o.status for o in sender.send(day, day).outcomes} == {"sent"}
    after = ledger(engine)
    assert [r["id"] for r in after] == [r["id"] for r in rows]  # the same rows, retried
    assert all(r["status"] == "sent" and r["attempts"] == 3 for r in after)


def test_a_wrong_password_stops_before_any_row(engine: Engine, box: MophSandboxServer) -> None:
    day = busiest_day(engine)
    with client_for(box, password="wrong") as client:
        report = sender_for(engine, client).send(day, day)
    assert report.stopped is not None and report.stopped.code == "moph.login_failed"
    assert {o.status for o in report.outcomes} == {"not_tried"}
    assert ledger(engine) == [] and receipts(box) == []


def test_the_fixed_phr_token_is_used_for_uploads_only(
    engine: Engine, box: MophSandboxServer
) -> None:
    day = busiest_day(engine)
    box.state.phr_state.fixed_tokens.add(f"{UNIT}:{{ABC-123}}")
    with client_for(box, password="wrong", phr_token=f"{UNIT}:{{ABC-123}}") as client:
        assert sender_for(engine, client).send(day, day).ok  # no Account Center login needed
    assert box.state.token_requests == 0 and receipts(box)


def test_no_personal_data_in_logs_or_the_ledger(
    engine: Engine, box: MophSandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    day = busiest_day(engine)
    box.state.faults.reject, box.state.faults.paths = 1, ("UpdatePHRv1",)
    with caplog.at_level("DEBUG"), client_for(box) as client:
        sender_for(engine, client).send(day, day)
    p = t.person
    with engine.connect() as conn:
        rows = conn.execute(select(p.c.idcard, p.c.fname, p.c.lname)).all()
    secrets = {v for r in rows for v in (r.idcard, r.fname, r.lname) if v and len(v) > 2}
    stored = json.dumps(ledger(engine), default=str, ensure_ascii=False)
    assert all(is_valid_cid(r.idcard) for r in rows[:5])
    for value in secrets:
        assert value not in caplog.text
        assert value not in stored


def test_command_line_send_and_check(
    engine: Engine,
    box: MophSandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from backoffice.cli import main as backoffice_main

    day = busiest_day(engine)
    for key, value in {
        "KIOSK_MOPH__PHR_BASE_URL": box.url, "KIOSK_MOPH__IC_BASE_URL": box.url,
        "KIOSK_SECRET_MOPH_USERNAME": USER, "KIOSK_SECRET_MOPH_PASSWORD": PASSWORD,
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    args = ["--date", day.isoformat(), "--db", str(engine.url), "--json"]
    assert backoffice_main(["phr", "send", "--dry-run", *args]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["dry_run"] and {v["status"] for v in dry["visits"]} == {"dry_run"}
    assert receipts(box) == [] and box.state.token_requests == 0
    box.state.faults.lose_answer, box.state.faults.paths = 1, ("UpdatePHRv1",)
    assert backoffice_main(["phr", "send", *args]) == 1  # an unknown outcome: exit 1
    sent = json.loads(capsys.readouterr().out)
    assert sorted(sent["counts"]) == ["sent", "unknown"]
    assert all("cid" not in json.dumps(v) for v in sent["visits"])
    assert backoffice_main(["phr", "check", *args]) == 0
    checked = json.loads(capsys.readouterr().out)["checked"]
    assert [c["after"] for c in checked] == ["sent"]
    assert backoffice_main(["phr", "send", *args]) == 0
    assert set(json.loads(capsys.readouterr().out)["counts"]) == {"skipped:sent"}
