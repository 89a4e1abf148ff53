"""Vaccine history from MOPH IC over real HTTP (the MOPH sandbox), merged with JHCIS's.

The done-when: a child with a dose recorded only in the MOPH IC sandbox is dropped from
the due list (and from the reminders) and shown in the timeline. Also: a dose given
elsewhere before the booking is a warning only; the clinic's doses go to MOPH IC once
(``UpdateImmunization``) and then show from both sources; a lost answer is shown, not
resent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from backoffice.reminders import given_elsewhere
from backoffice.reminders.ic_push import IcPusher
from backoffice.reminders.ic_service import look_up, refresh
from backoffice.reminders.ic_tables import kiosk_ic_push
from backoffice.testing import make_deps
from backoffice.web.deps import WebDeps
from integrations.jhcis import appointments as q
from integrations.jhcis import tables as t
from integrations.jhcis.engine import open_engine
from integrations.jhcis.synth_cases import TODAY, UNIT, seed_known_appointments
from integrations.moph.ic import MophIcClient
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState
from tests.conftest import MariaDBDatabases
from tests.signed_in import signed_in

pytestmark = pytest.mark.integration

NOW = dt.datetime.combine(TODAY, dt.time(10))
ELSEWHERE = {"hospital_code": "10999", "hospital_name": "รพ.ที่อื่น"}


@pytest.fixture
def engine(jhcis_sqlite_url: str) -> Iterator[Engine]:
    engine = open_engine(jhcis_sqlite_url)
    seed_known_appointments(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def box() -> Iterator[MophSandboxServer]:
    with MophSandboxServer(MophSandboxState("u1", "p1", UNIT)) as server:
        yield server


def cid_of(engine: Engine, pid: int) -> str:
    p = t.person
    with engine.connect() as conn:
        query = select(p.c.idcard).where(p.c.pcucodeperson == UNIT, p.c.pid == pid)
        return str(conn.execute(query).scalar_one())


def ic(box: MophSandboxServer) -> MophIcClient:
    return MophIcClient(token_base=box.url, claim_base=box.url, username="u1", password="p1",
                        hospital_code=UNIT)  # fmt: skip


def due_keys(engine: Engine) -> set[tuple[int, str]]:
    items, _ = given_elsewhere.due(engine, TODAY, 30, own_hcode=UNIT)
    return {(a.pid, a.code) for a in items if a.kind == "epi"}


def test_a_dose_only_moph_ic_holds_drops_the_child_from_the_due_list(
    engine: Engine, box: MophSandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    # pid 2: MMR1 (43-file 073) booked 1 Feb, due 10 Mar; MOPH IC: given elsewhere 20 Feb
    box.state.ic_state.add_doses(cid_of(engine, 2), [
        {"vaccine_code": "073", "vaccine_name": "MMR", **ELSEWHERE,
         "immunization_datetime": "2027-02-20T10:15:00.000", "vaccine_plan_no": "1"},
    ])  # fmt: skip
    # pid 1: BCG (010) due 2 Mar; MOPH IC: BCG before the booking -> a warning only
    box.state.ic_state.add_doses(cid_of(engine, 1), [
        {"vaccine_code": "010", "vaccine_name": "BCG", **ELSEWHERE,
         "immunization_datetime": "2026-12-01T09:00:00.000"},
    ])  # fmt: skip
    assert (2, "MMR1") in due_keys(engine)  # MOPH IC not asked yet: still due
    with ic(box) as client:
        report = refresh(engine, client, q.due(engine, TODAY, 30), NOW)
    assert report.refreshed == report.people == 3 and report.errors == {}  # pids 1, 2, 5
    keys = due_keys(engine)
    assert (2, "MMR1") not in keys  # dropped
    assert (1, "BCG") in keys  # a dose before the booking does not drop it
    _, found = given_elsewhere.due(engine, TODAY, 30, own_hcode=UNIT)
    assert sorted((e.appointment.pid, e.after_booking) for e in found) == [(1, False), (2, True)]
    with ic(box) as client:
        found_2 = look_up(engine, client, cid_of(engine, 2), own_hcode=UNIT,
                          clinic_name="รพ.สต.ทดสอบ", now=NOW)  # fmt: skip
    timeline = found_2.timeline
    assert found_2.ic_error is None and timeline.person is not None and timeline.person.pid == 2
    elsewhere = [e for e in timeline.entries if e.sources == ["moph_ic"]]
    assert [(e.given_on, e.code43, e.place) for e in elsewhere] == [
        (dt.date(2027, 2, 20), "073", "รพ.ที่อื่น")
    ]
    assert [
        (a.code, hit is not None and hit.after_booking) for a, hit in timeline.appointments
    ] == [("MMR1", True)]
    assert cid_of(engine, 2) not in caplog.text and cid_of(engine, 1) not in caplog.text


def test_the_reminder_run_skips_a_dose_given_elsewhere(
    engine: Engine, box: MophSandboxServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from backoffice.cli import main as backoffice_main

    box.state.ic_state.add_doses(cid_of(engine, 2), [
        {"vaccine_code": "073", **ELSEWHERE, "immunization_datetime": "2027-02-20T10:15:00"},
    ])  # fmt: skip
    for key, value in {
        "KIOSK_MOPH__IC_BASE_URL": box.url, "KIOSK_SECRET_MOPH_USERNAME": "u1",
        "KIOSK_SECRET_MOPH_PASSWORD": "p1",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    db = ["--db", str(engine.url), "--json"]
    send = ["reminders", "send", "--date", "2027-03-01", "--days", "30", "--channel", "mophpush",
            "--quiet-hours", "off", "--kind", "epi", "--check-ic", *db]  # fmt: skip
    assert backoffice_main(send) == 0
    report = json.loads(capsys.readouterr().out)
    targets = {p["target"][0] for p in box.state.ic_state.pushes}
    assert cid_of(engine, 2) not in targets and cid_of(engine, 1) in targets
    assert not any(o["appointment_key"].startswith("epi:") and ":MMR1:" in o["appointment_key"]
                   for o in report["outcomes"])  # fmt: skip
    assert backoffice_main(["reminders", "due", "--date", "2027-03-01", "--days", "30", *db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [g["dropped"] for g in listed["given_elsewhere"]] == [True]
    assert all(a["pid"] != 2 or a["kind"] != "epi" for a in listed["appointments"])


def test_the_clinics_doses_go_to_moph_ic_once(engine: Engine, box: MophSandboxServer) -> None:
    # pid 6 received DTP-HB1 (091) here on 15 Feb (synth_cases.GIVEN)
    cid = cid_of(engine, 6)
    with ic(box) as client:
        pusher = IcPusher(
            engine, client, hcode=UNIT, hospital_name="รพ.สต.ทดสอบ", clock=lambda: NOW
        )
        first = pusher.push_person((UNIT, 6))
        assert [(o.status, o.items) for o in first.outcomes] == [("sent", 1)]
        assert pusher.push_person((UNIT, 6)).counts() == {"skipped:sent": 1}
        body = box.state.ic_state.updates[0]
        assert body["patient"]["cid"] == cid and body["hospital"]["hospital_code"] == UNIT
        shot = body["visit"]["visit_immunization"][0]
        assert (shot["vaccine_code"], shot["immunization_datetime"][:10]) == ("091", "2027-02-15")
        assert (
            body["visit"]["visit_guid"].startswith("{") and len(body["visit"]["visit_guid"]) == 38
        )
        found = look_up(engine, client, cid, own_hcode=UNIT, clinic_name="รพ.สต.ทดสอบ", now=NOW)
    assert len(box.state.ic_state.updates) == 1
    both = [e for e in found.timeline.entries if e.code43 == "091"]
    assert [(e.sources, e.pushed) for e in both] == [(["clinic", "moph_ic"], "sent")]


def test_a_lost_push_answer_is_shown_not_resent(engine: Engine, box: MophSandboxServer) -> None:
    box.state.faults.lose_answer, box.state.faults.paths = 1, ("UpdateImmunization",)
    with ic(box) as client:
        pusher = IcPusher(engine, client, hcode=UNIT, hospital_name="x", clock=lambda: NOW)
        assert [o.status for o in pusher.push_person((UNIT, 6)).outcomes] == ["unknown"]
        assert pusher.push_person((UNIT, 6)).counts() == {"skipped:unknown": 1}
    assert len(box.state.ic_state.updates) == 1  # MOPH IC got it once; we do not know that
    with engine.connect() as conn:
        assert conn.execute(select(kiosk_ic_push.c.status)).scalars().all() == ["unknown"]


@pytest.fixture
def deps(
    engine: Engine, tmp_path: Path, box: MophSandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WebDeps]:
    for key, value in {
        "KIOSK_MOPH__IC_BASE_URL": box.url, "KIOSK_SECRET_MOPH_USERNAME": "u1",
        "KIOSK_SECRET_MOPH_PASSWORD": "p1",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    built = make_deps(str(engine.url), tmp_path / "web", clock=lambda: NOW)
    yield built
    built.clinic.dispose()


def mmr_given_elsewhere(engine: Engine, box: MophSandboxServer) -> str:
    """pid 2's MMR1, only in MOPH IC (given at another unit on 20 Feb); their citizen ID."""
    cid = cid_of(engine, 2)
    box.state.ic_state.add_doses(cid, [
        {"vaccine_code": "073", "vaccine_name": "MMR", **ELSEWHERE,
         "immunization_datetime": "2027-02-20T10:15:00.000"},
    ])  # fmt: skip
    return cid


def test_the_page_shows_one_timeline_and_the_due_list_leaves_the_child_out(
    deps: WebDeps, engine: Engine, box: MophSandboxServer
) -> None:
    cid = mmr_given_elsewhere(engine, box)
    client = signed_in(deps, "t_staff")
    page = client.get("/reminders?date=2027-03-01&days=30")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token and 'action="/reminders/vaccine-history"' in page.text
    due_before = page.text.split('id="due"')[1].split("</table>")[0]
    history = client.post("/reminders/vaccine-history",
                          data={"csrf_token": token.group(1), "cid": cid})  # fmt: skip
    assert history.status_code == 200
    timeline = history.text.split('id="timeline"')[1].split("</table>")[0]
    assert "20 ก.พ. 2570" in timeline and "รพ.ที่อื่น" in timeline and "MOPH IC" in timeline
    appointments = history.text.split('id="appointments"')[1].split("</table>")[0]
    assert "ได้รับแล้วที่ รพ.ที่อื่น" in appointments
    assert cid not in history.text  # shown masked only; the push form names the person
    pushed = client.post("/reminders/vaccine-history/push",
                         data={"csrf_token": token.group(1), "person": f"{UNIT}:2"})  # fmt: skip
    assert pushed.status_code == 200 and cid not in pushed.text
    assert "ผลการส่งไป MOPH IC" in pushed.text  # pid 2 has no dose here: nothing to push
    due_after = client.get("/reminders?date=2027-03-01&days=30").text
    due_rows = due_after.split('id="due"')[1].split("</table>")[0]
    assert due_rows.count("<tr>") == due_before.count("<tr>") - 1
    assert 'id="elsewhere"' in due_after
    bad = client.post("/reminders/vaccine-history",
                      data={"csrf_token": token.group(1), "cid": "1234567890123"})  # fmt: skip
    assert bad.status_code == 400 and "ไม่ถูกต้อง" in bad.text
    audit = client.get("/audit")
    assert cid not in audit.text


def test_staff_assisted_check_in_opens_the_same_timeline(
    deps: WebDeps, engine: Engine, box: MophSandboxServer
) -> None:
    """The issue's staff-assisted check-in: the person found by citizen ID has a
    "ประวัติวัคซีน" button that posts the person (never the citizen ID) to the lookup."""
    cid = mmr_given_elsewhere(engine, box)
    client = signed_in(deps, "t_staff")
    form = client.get("/checkin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    person = client.post("/checkin/find", data={"csrf_token": token.group(1), "cid": cid})
    assert person.status_code == 200
    button = person.text.split('id="vaccine-history"')[1].split("</form>")[0]
    assert f'name="person" value="{UNIT}:2"' in button and cid not in button
    history = client.post("/reminders/vaccine-history",
                          data={"csrf_token": token.group(1), "person": f"{UNIT}:2"})  # fmt: skip
    assert history.status_code == 200
    timeline = history.text.split('id="timeline"')[1].split("</table>")[0]
    assert "20 ก.พ. 2570" in timeline and "MOPH IC" in timeline
    assert cid not in history.text


def test_on_mariadb_the_cache_is_replaced_and_the_push_ledger_holds(
    mariadb_databases: MariaDBDatabases, box: MophSandboxServer
) -> None:
    engine = open_engine(mariadb_databases.jhcis("tis620", persons=60, visits=60))
    try:
        seed_known_appointments(engine)
        box.state.ic_state.add_doses(cid_of(engine, 2), [
            {"vaccine_code": "073", **ELSEWHERE, "immunization_datetime": "2027-02-20T10:15:00"},
        ])  # fmt: skip
        with ic(box) as client:
            for _ in range(2):  # the second time replaces what the first stored
                assert refresh(engine, client, q.due(engine, TODAY, 30), NOW).refreshed == 3
            assert (2, "MMR1") not in due_keys(engine) and (1, "BCG") in due_keys(engine)
            pusher = IcPusher(engine, client, hcode=UNIT, hospital_name="ทดสอบ", clock=lambda: NOW)
            assert pusher.push_person((UNIT, 6)).counts() == {"sent": 1}
            assert pusher.push_person((UNIT, 6)).counts() == {"skipped:sent": 1}
    finally:
        engine.dispose()
