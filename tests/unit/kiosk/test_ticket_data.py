"""What the kiosk's ticket says (issue 20, item 6): the right apart from the service, how
many wait ahead and where to go while the visit waits, no number rather than a wrong one.
The flow builds the request with fakes; the printer adapter turns it into the ticket."""

from __future__ import annotations

import dataclasses
import datetime as dt

from kiosk import flow as f
from kiosk.adapters.printer import ticket_data
from kiosk.effects import Effects, SyncDriver
from kiosk.ports import TicketRequest, VisitRef
from kiosk.testing import FakeCard, FakeRights, FakeWorld, patient_touches, sample_identity

NOW = dt.datetime(2026, 11, 25, 9, 30)
GENERAL = "PG0060001"
CLINIC_WORDS = f.ClaimChoice(GENERAL, "ตรวจรักษาทั่วไป", "General treatment")


def checked_in(world: FakeWorld) -> TicketRequest:
    driver = SyncDriver(
        f.Flow(f.FlowConfig(claim_choices=(CLINIC_WORDS,))),
        Effects(world.services()),
        clock=lambda: NOW,
    )
    state = driver.send(f.CardInserted())
    while state.step not in f.END_STEPS:
        state = driver.send_all(patient_touches(state, GENERAL, "0812345678"))
    assert state.step == f.Step.DONE, state.step
    return world.printer.printed[-1]


def test_the_flow_hands_the_right_and_the_service_separately() -> None:
    world = FakeWorld(card=FakeCard(sample_identity(3)), rights=FakeRights(main_inscl="UCS"))
    request = checked_in(world)
    assert (request.right_code, request.service_name) == ("UCS", "ตรวจรักษาทั่วไป")
    visit = dataclasses.replace(request.visit, waiting_ahead=4)
    data = ticket_data(
        dataclasses.replace(request, visit=visit), clinic_name="x", next_step="ไปที่จุดซักประวัติ"
    )
    assert data.right_name == "บัตรทอง (UCS)"  # NHSO's right in a patient's words
    assert data.service_name == "ตรวจรักษาทั่วไป"  # not NHSO's claim type name
    assert (data.waiting_ahead, data.next_step) == (4, "ไปที่จุดซักประวัติ")


def request(**changes: object) -> TicketRequest:
    base = TicketRequest(
        queue_label="7",
        local=False,
        masked_name="นาย ทดสอบ ใ•••",
        claim_type=GENERAL,
        claim_type_name="เข้ารับบริการรักษาทั่วไป (OPD/ IPD/ PP)",
        claim_code="PP1",
        authen_status="ok",
        visit=VisitRef("99901", 1234, 7, GENERAL, "PP1", waiting_ahead=2, right="ข้าราชการ (OFC)"),
        issued_at=NOW,
        service_name="ตรวจรักษาทั่วไป",
    )
    return dataclasses.replace(base, **changes)


def test_without_nhso_the_right_jhcis_keeps_is_printed() -> None:
    assert ticket_data(request(), clinic_name="x").right_name == "ข้าราชการ (OFC)"
    nhso = ticket_data(request(right_code="SSS", right_name="(SSS) สิทธิประกันสังคม"), clinic_name="x")
    assert nhso.right_name == "ประกันสังคม (SSS)"


def test_waiting_and_where_next_only_while_the_visit_waits_in_line() -> None:
    waiting = ticket_data(request(), clinic_name="x", next_step="ไปที่จุดซักประวัติ")
    assert (waiting.waiting_ahead, waiting.next_step) == (2, "ไปที่จุดซักประวัติ")
    counter = ticket_data(request(counter_reason="refused"), clinic_name="x", next_step="ไปที่")
    assert (counter.waiting_ahead, counter.next_step) == (None, "")
    seen = request(visit=dataclasses.replace(request().visit, waiting=False, waiting_ahead=None))
    done = ticket_data(seen, clinic_name="x", next_step="ไปที่จุดซักประวัติ")
    assert (done.waiting_ahead, done.next_step) == (None, "")


def test_a_visit_without_a_number_prints_none() -> None:
    visit = VisitRef("99901", 1234, None, GENERAL)
    assert visit.queue_label == ""
    data = ticket_data(request(queue_label=visit.queue_label, visit=visit), clinic_name="x")
    assert data.queue_no == "" and data.visitno == 1234
