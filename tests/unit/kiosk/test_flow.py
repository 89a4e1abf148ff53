"""The check-in state machine, driven inline against the in-memory fakes."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import flow as f
from kiosk.effects import Effects, SyncDriver
from kiosk.health import HealthRecorder
from kiosk.journal import Journal, replay
from kiosk.ports import ClaimType, NhsoRefused, Patient, Rights, VisitRef
from kiosk.testing import (
    GENERAL,
    HOME_WARD,
    NHSO_UC_CLAIM_TYPES,
    FakeWorld,
    patient_touches,
    sample_identity,
)

NOW = dt.datetime(2026, 11, 25, 9, 30)
ROOT = Path(__file__).resolve().parents[3]


def make(
    world: FakeWorld, tmp_path: Path, *, journal: bool = True
) -> tuple[SyncDriver, HealthRecorder]:
    health = HealthRecorder(tmp_path / "health.json", clock=lambda: NOW)
    effects = Effects(
        world.services(),
        journal=Journal(tmp_path / "journal" / "j.sqlite", clock=lambda: NOW) if journal else None,
        health=health,
        pcucode=world.clinic.pcucode,
    )
    return SyncDriver(f.Flow(), effects, clock=lambda: NOW), health


@pytest.fixture
def world() -> FakeWorld:
    w = FakeWorld()
    w.clinic.add_person(w.card.identity, mobile="0812345678")
    return w


def insert(driver: SyncDriver, checkin_id: str = "c1") -> f.FlowState:
    return driver.send(f.CardInserted(checkin_id))


def test_returning_patient_confirms_with_one_touch(world: FakeWorld, tmp_path: Path) -> None:
    driver, health = make(world, tmp_path)
    state = insert(driver)
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN
    assert state.session is not None and state.session.one_touch
    assert state.session.claim_type == GENERAL
    state = driver.send(f.MobileConfirmed())
    assert state.step == f.Step.DONE
    assert len(world.authen.requests) == 1
    assert world.authen.requests[0].mobile == "0812345678"
    (ticket,) = world.printer.printed
    assert ticket.claim_code is not None and ticket.claim_code.startswith("PP")
    assert ticket.authen_status == "ok" and not ticket.local and not ticket.reprint
    (visit,) = world.clinic.visits.values()
    assert visit.claim_code == ticket.claim_code
    assert ticket.masked_name == "นาย สมชาย ใ•••"
    snap = health.snapshot()
    assert snap["checkins"] == 1 and snap["last_outcome"]["outcome"] == "done"
    assert {c["status"] for c in snap["components"].values()} == {"ok"}


def test_several_claim_types_returning_patient_confirms_the_main_one(
    world: FakeWorld, tmp_path: Path
) -> None:
    # The question goes: the confirm screen names the main type and offers the others.
    world.rights.claim_types = (GENERAL, HOME_WARD)
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN
    session = state.session
    assert session is not None and session.one_touch and session.claim_type == GENERAL
    assert session.main_choice is not None and session.main_choice.code == GENERAL.code
    assert [c.code for c in session.other_choices] == [HOME_WARD.code]
    assert driver.send(f.MobileConfirmed()).step == f.Step.DONE
    assert world.authen.requests[0].claim_type == GENERAL.code


def test_other_services_from_the_confirm_and_back(world: FakeWorld, tmp_path: Path) -> None:
    world.rights.claim_types = (GENERAL, HOME_WARD)
    driver, _ = make(world, tmp_path)
    insert(driver)
    state = driver.send(f.OtherServicesRequested())
    assert state.step == f.Step.RIGHTS_CHECKED and state.session is not None
    assert [c.code for c in state.session.shown_choices] == [HOME_WARD.code]
    assert driver.send(f.ClaimTypeChosen("PG9999999")).step == f.Step.RIGHTS_CHECKED
    state = driver.send(f.OtherServicesClosed())  # back: the main one, as it was
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN and state.session is not None
    assert state.session.claim_type == GENERAL and state.session.one_touch
    driver.send(f.OtherServicesRequested())
    state = driver.send(f.ClaimTypeChosen(HOME_WARD.code))
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN and state.session is not None
    assert state.session.claim_type == HOME_WARD and state.session.claim_label("en") == "Home Ward"
    driver.send(f.MobileConfirmed())
    assert world.authen.requests[0].claim_type == HOME_WARD.code
    assert world.printer.printed[0].claim_type == HOME_WARD.code


def test_first_time_patient_is_asked_main_type_first(tmp_path: Path) -> None:
    world = FakeWorld()
    world.rights.claim_types = (GENERAL, HOME_WARD)
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    # Typing a number anyway: the claim choice is asked, the main type alone and big.
    assert state.step == f.Step.RIGHTS_CHECKED and state.session is not None
    assert [c.code for c in state.session.shown_choices] == [GENERAL.code]
    state = driver.send(f.OtherServicesRequested())
    assert [c.code for c in state.session.shown_choices] == [HOME_WARD.code]  # type: ignore[union-attr]
    state = driver.send(f.OtherServicesClosed())
    assert state.step == f.Step.RIGHTS_CHECKED and state.session is not None
    assert not state.session.showing_others
    state = driver.send(f.ClaimTypeChosen(GENERAL.code))
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN and state.session is not None
    assert state.session.editing_mobile
    assert driver.send(f.MobileEntered("0812223333")).step == f.Step.DONE
    assert world.authen.requests[0].claim_type == GENERAL.code


def clinic_flow(claims: tuple[f.ClaimChoice, ...] | None = None) -> f.Flow:
    """The flow with the kiosk's default clinic list (or `claims`)."""
    from common.config import KioskSettings
    from kiosk.app import claim_choices

    choices = claim_choices(KioskSettings()) if claims is None else claims
    return f.Flow(f.FlowConfig(claim_choices=choices))


def nhso_answers(machine: f.Flow, patient: Patient, answer: f.Result) -> f.Transition:
    """Card read, `patient` found; what the flow does with NHSO's `answer`."""
    state = machine.initial()
    for event in (
        f.CardInserted("x"),
        f.CardRead("x", sample_identity()),
        f.PatientIdentified("x", patient),
    ):
        state = machine.handle(state, event, NOW).state
    return machine.handle(state, answer, NOW)


def rights_for(machine: f.Flow, claims: tuple[ClaimType, ...], patient: Patient) -> f.FlowState:
    return nhso_answers(machine, patient, f.RightsChecked("x", Rights(claims, "UCS"))).state


RETURNING = Patient("99999", 1, mobile="0812345678")
FIRST_TIME = Patient("99999", None, newly_registered=True)


def test_the_clinic_list_filters_orders_and_names_nhsos_claim_types() -> None:
    state = rights_for(clinic_flow(), NHSO_UC_CLAIM_TYPES, FIRST_TIME)
    assert state.step == f.Step.RIGHTS_CHECKED and state.session is not None
    session = state.session
    assert session.main_choice == f.ClaimChoice(GENERAL.code, "ตรวจรักษาทั่วไป", "General treatment")
    # The clinic's order, not NHSO's; the Bangkok-only check-up is not offered.
    assert [c.code for c in session.other_choices] == [
        "PG0150001",
        "PG0140001",
        "PG0130001",
        "PG0120001",
        "PG0110001",
    ]
    assert all(c.en.isascii() and c.th != c.en for c in session.choices)
    machine = clinic_flow()
    assert machine.handle(state, f.ClaimTypeChosen("PG0180001"), NOW).state == state
    chosen = machine.handle(state, f.ClaimTypeChosen("PG0130001"), NOW).state
    assert chosen.session is not None and chosen.session.claim_type is not None
    # NHSO's own name goes on the visit and the ticket; the patient's words on screen.
    assert chosen.session.claim_type.name == "บริการฟอกเลือดด้วยเครื่องไตเทียม (HD)"
    assert chosen.session.claim_label("th") == "ฟอกไต"
    assert chosen.session.claim_label("en") == "Kidney dialysis"


def test_one_type_left_after_the_clinic_list_asks_nothing() -> None:
    bangkok = next(c for c in NHSO_UC_CLAIM_TYPES if c.code == "PG0180001")
    state = rights_for(clinic_flow(), (bangkok, GENERAL), FIRST_TIME)
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN and state.session is not None
    assert state.session.claim_type == GENERAL and state.session.editing_mobile
    assert state.session.other_choices == ()


def test_only_types_the_clinic_does_not_offer_go_to_the_counter() -> None:
    bangkok = next(c for c in NHSO_UC_CLAIM_TYPES if c.code == "PG0180001")
    answer = f.RightsChecked("x", Rights((bangkok,), "UCS"))
    result = nhso_answers(clinic_flow(), RETURNING, answer)
    assert result.state.step == f.Step.AUTHENTICATED
    assert result.state.counter_reason == "no_rights"
    assert [type(c) for c in result.commands] == [f.OpenVisit]


def test_without_the_main_type_the_others_are_listed_without_back() -> None:
    others = tuple(c for c in NHSO_UC_CLAIM_TYPES if c.code in ("PG0130001", "PG0140001"))
    machine = clinic_flow()
    state = rights_for(machine, others, RETURNING)
    assert state.step == f.Step.RIGHTS_CHECKED and state.session is not None
    assert state.session.main_choice is None
    assert [c.code for c in state.session.shown_choices] == ["PG0140001", "PG0130001"]
    for touch in (f.OtherServicesRequested(), f.OtherServicesClosed()):
        after = machine.handle(state, touch, NOW).state
        assert after.session is not None
        assert after.session.shown_choices == state.session.shown_choices


def test_nhso_down_names_the_default_type_in_the_clinics_words() -> None:
    state = nhso_answers(clinic_flow(), RETURNING, f.NhsoDown("x")).state
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN and state.session is not None
    assert state.session.claim_type == f.GENERAL_VISIT
    assert state.session.claim_label("en") == "General treatment"
    assert state.session.other_choices == ()


@pytest.mark.parametrize(
    ("patient", "taps"), [(RETURNING, 1), (FIRST_TIME, 12)], ids=["returning", "first-time"]
)
def test_taps_to_check_in_with_the_clinic_list(patient: Patient, taps: int) -> None:
    machine = clinic_flow()
    state = rights_for(machine, NHSO_UC_CLAIM_TYPES, patient)
    touches = 0
    while state.step in f.WAITING_STEPS:
        for touch in patient_touches(state, GENERAL.code, "0812345678"):
            state = machine.handle(state, touch, NOW).state
            touches += 1
    assert state.step == f.Step.MOBILE_CONFIRMED
    assert touches == taps


def test_no_mobile_on_file_uses_the_keypad(tmp_path: Path) -> None:
    world = FakeWorld()
    world.clinic.add_person(world.card.identity, mobile=None)
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    assert state.session is not None and state.session.editing_mobile
    assert not state.session.one_touch
    # A confirm without a number does nothing.
    assert driver.send(f.MobileConfirmed()).step == f.Step.CLAIM_TYPE_CHOSEN
    for bad in ("812345678", "1812345678", "08123456789", "08x2345678", ""):
        state = driver.send(f.MobileEntered(bad))
        assert state.step == f.Step.CLAIM_TYPE_CHOSEN
        assert state.session is not None and state.session.mobile_error
    state = driver.send(f.MobileEntered("0998887777"))
    assert state.step == f.Step.DONE
    assert world.authen.requests[0].mobile == "0998887777"
    (visit_request_mobile,) = {r.mobile for r in world.authen.requests}
    assert visit_request_mobile == "0998887777"


def test_junk_mobile_on_file_is_not_offered(tmp_path: Path) -> None:
    world = FakeWorld()
    world.clinic.add_person(world.card.identity, mobile="042-123456")
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    assert state.session is not None and state.session.editing_mobile


def test_editing_the_masked_mobile(world: FakeWorld, tmp_path: Path) -> None:
    driver, _ = make(world, tmp_path)
    insert(driver)
    state = driver.send(f.MobileEditRequested())
    assert state.session is not None and state.session.editing_mobile
    state = driver.send(f.MobileEditCancelled())
    assert state.session is not None and state.session.one_touch
    driver.send(f.MobileEditRequested())
    driver.send(f.MobileEntered("0891112222"))
    opened = [c for c in driver.commands if isinstance(c, f.OpenVisit)]
    assert opened[0].request.mobile == "0891112222" and opened[0].request.mobile_changed


def test_second_checkin_same_day_reprints_without_authen(world: FakeWorld, tmp_path: Path) -> None:
    driver, _ = make(world, tmp_path)
    insert(driver, "first")
    driver.send(f.MobileConfirmed())
    driver.send(f.CardRemoved())
    state = insert(driver, "second")
    assert state.step == f.Step.DONE
    assert len(world.authen.requests) == 1
    assert len(world.clinic.visits) == 1
    first, second = world.printer.printed
    assert second.reprint and second.claim_code == first.claim_code
    assert second.queue_label == first.queue_label


@pytest.mark.parametrize("claim", [GENERAL, HOME_WARD], ids=["same-type", "other-type"])
def test_back_the_same_day_is_asked_what_for(
    world: FakeWorld, tmp_path: Path, claim: ClaimType
) -> None:
    # A patient with a visit today may have come for another service: no shortcut. The
    # same type reprints that visit's ticket; another is a new visit.
    world.rights.claim_types = (GENERAL, HOME_WARD)
    driver, _ = make(world, tmp_path)
    insert(driver, "first")
    driver.send(f.MobileConfirmed())
    driver.send(f.CardRemoved())
    state = insert(driver, "second")
    assert state.step == f.Step.RIGHTS_CHECKED
    if claim == HOME_WARD:
        driver.send(f.OtherServicesRequested())
    state = driver.send(f.ClaimTypeChosen(claim.code))
    if claim == GENERAL:
        assert state.step == f.Step.DONE and state.session is not None
        assert state.session.reprint and len(world.clinic.visits) == 1
        return
    assert driver.send(f.MobileConfirmed()).step == f.Step.DONE
    assert len(world.authen.requests) == 2 and len(world.clinic.visits) == 2


def test_authen_reuse_reported_by_nhso(world: FakeWorld, tmp_path: Path) -> None:
    # The visit is gone from JHCIS view (e.g. cancelled) but NHSO has today's code.
    driver, _ = make(world, tmp_path)
    insert(driver, "a")
    driver.send(f.MobileConfirmed())
    world.clinic.visits.clear()
    driver.send(f.CardRemoved())
    insert(driver, "b")
    driver.send(f.MobileConfirmed())
    first, second = world.printer.printed
    assert second.authen_status == "reused" and second.claim_code == first.claim_code


@pytest.mark.parametrize("why", ["deceased", "discharged"])
def test_a_deceased_or_discharged_record_goes_to_staff_without_a_visit(
    tmp_path: Path, why: str
) -> None:
    world = FakeWorld()
    patient = world.clinic.add_person(world.card.identity)
    world.clinic.people[world.card.identity.cid] = dataclasses.replace(patient, needs_staff=why)
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    assert state.step == f.Step.GO_TO_COUNTER
    assert (state.counter_reason, state.error_code) == ("registration", why)
    assert world.clinic.open_calls == 0 and world.rights.calls == 0  # nothing asked of NHSO
    assert world.printer.printed == []


def test_unknown_cid_is_registered_as_walk_in(tmp_path: Path) -> None:
    world = FakeWorld()
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    # Reading the card writes nothing: a patient who walks away leaves no record.
    assert world.clinic.registered == []
    assert state.session is not None and state.session.patient is not None
    assert state.session.patient.newly_registered
    assert state.session.editing_mobile  # a new person has no mobile on file
    driver.send(f.MobileEntered("0812223333"))
    # ... the check-in registers them, in the one call that opens the visit.
    assert world.clinic.registered == [world.card.identity.cid]
    assert world.printer.printed[0].newly_registered


@pytest.mark.parametrize("why", ["no_rights", "refused"])
def test_no_rights_or_refusal_sends_to_counter_with_visit_open(
    world: FakeWorld, tmp_path: Path, why: str
) -> None:
    if why == "no_rights":
        world.rights.claim_types = ()
    else:
        world.rights.refuse = "deceased"
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    assert state.step == f.Step.GO_TO_COUNTER and state.counter_reason == why
    assert not world.authen.requests
    (visit,) = world.clinic.visits.values()
    assert visit.claim_code is None
    (ticket,) = world.printer.printed
    assert ticket.counter_reason == why and ticket.authen_status == why


@pytest.mark.parametrize("why", ["no_rights", "refused"])
def test_no_rights_twice_the_same_day_reprints(world: FakeWorld, tmp_path: Path, why: str) -> None:
    if why == "no_rights":
        world.rights.claim_types = ()
    else:
        world.rights.refuse = "not_thai"
    driver, _ = make(world, tmp_path)
    insert(driver, "first")
    driver.send(f.CardRemoved())
    state = insert(driver, "again")
    assert state.step == f.Step.GO_TO_COUNTER and state.counter_reason == why
    assert len(world.clinic.visits) == 1
    first, second = world.printer.printed
    assert second.reprint and second.queue_label == first.queue_label
    assert second.counter_reason == why


def test_authen_refused_still_opens_visit(world: FakeWorld, tmp_path: Path) -> None:
    world.authen.refuse = "duplicate"
    driver, _ = make(world, tmp_path)
    insert(driver)
    state = driver.send(f.MobileConfirmed())
    assert state.step == f.Step.GO_TO_COUNTER and state.counter_reason == "refused"
    assert len(world.clinic.visits) == 1 and len(world.authen.requests) == 1


def test_nhso_down_at_rights_opens_pending_visit(world: FakeWorld, tmp_path: Path) -> None:
    world.rights.down = True
    driver, health = make(world, tmp_path)
    state = insert(driver)
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN
    assert state.session is not None and state.session.claim_type == GENERAL
    state = driver.send(f.MobileConfirmed())
    assert state.step == f.Step.DONE
    assert not world.authen.requests  # no point asking a service that is down
    (ticket,) = world.printer.printed
    assert ticket.authen_status == "pending" and ticket.claim_code is None
    opened = [c for c in driver.commands if isinstance(c, f.OpenVisit)]
    assert opened[0].request.authen_status == "pending"
    assert opened[0].request.mobile == "0812345678"
    assert health.snapshot()["components"]["nhso"]["status"] == "down"


def test_nhso_down_at_authen_opens_pending_visit(world: FakeWorld, tmp_path: Path) -> None:
    world.authen.down = True
    driver, _ = make(world, tmp_path)
    insert(driver)
    assert driver.send(f.MobileConfirmed()).step == f.Step.DONE
    assert len(world.authen.requests) == 1
    assert world.printer.printed[0].authen_status == "pending"


def test_database_down_journals_and_prints_local_ticket(world: FakeWorld, tmp_path: Path) -> None:
    world.clinic.down = True
    driver, health = make(world, tmp_path)
    state = insert(driver)
    assert state.session is not None and state.session.patient is not None
    assert state.session.patient.offline and state.session.editing_mobile
    state = driver.send(f.MobileEntered("0812345678"))
    assert state.step == f.Step.DONE
    (ticket,) = world.printer.printed
    assert ticket.local and ticket.queue_label == "L001" and ticket.claim_code is not None
    assert health.snapshot()["journal_pending"] == 1
    assert health.snapshot()["components"]["database"]["status"] == "down"
    # The database comes back: the journaled check-in becomes a real visit.
    world.clinic.down = False
    journal = driver.effects.journal
    assert journal is not None
    report = replay(journal, world.clinic)
    assert report.replayed == 1 and report.remaining == 0
    (visit,) = world.clinic.visits.values()
    assert visit.claim_code == ticket.claim_code
    assert world.clinic.registered == []  # found on replay, not registered twice


def test_database_down_only_when_opening(world: FakeWorld, tmp_path: Path) -> None:
    driver, _ = make(world, tmp_path)
    insert(driver)
    world.clinic.down = True
    assert driver.send(f.MobileConfirmed()).step == f.Step.DONE
    assert world.printer.printed[0].local


def test_journaled_checkins_keep_their_order_when_database_returns(
    world: FakeWorld, tmp_path: Path
) -> None:
    driver, _ = make(world, tmp_path)
    world.clinic.down = True
    for n in range(3):
        world.card.identity = sample_identity(n + 10)
        insert(driver, f"down-{n}")
        driver.send(f.MobileEntered("0812345678"))
        driver.send(f.CardRemoved())
    assert [t.queue_label for t in world.printer.printed] == ["L001", "L002", "L003"]
    world.clinic.down = False
    world.card.identity = sample_identity(99)
    insert(driver, "up")
    driver.send(f.MobileEntered("0812345678"))
    assert not world.printer.printed[-1].local
    order = [cid for cid in world.clinic.visits]
    assert order == ["down-0", "down-1", "down-2", "up"]


def test_journal_failure_sends_to_counter(world: FakeWorld, tmp_path: Path) -> None:
    world.clinic.down = True
    driver, _ = make(world, tmp_path, journal=False)
    insert(driver)
    state = driver.send(f.MobileEntered("0812345678"))
    assert state.step == f.Step.GO_TO_COUNTER and state.counter_reason == "database"
    assert not world.printer.printed


def test_printer_failure_sends_to_counter_and_visit_stands(
    world: FakeWorld, tmp_path: Path
) -> None:
    world.printer.fail = "paper_out"
    driver, health = make(world, tmp_path)
    insert(driver)
    state = driver.send(f.MobileConfirmed())
    assert state.step == f.Step.GO_TO_COUNTER and state.counter_reason == "printer"
    assert state.session is not None and state.session.visit is not None
    assert len(world.clinic.visits) == 1
    snap = health.snapshot()
    (failure,) = snap["print_failures"]
    assert failure["kind"] == "paper_out" and failure["visitno"] == 5000
    assert snap["components"]["printer"] == {
        "status": "failed",
        "at": NOW.isoformat(timespec="seconds"),
        "code": "paper_out",
    }
    # Reprint after the paper is changed: the patient reinserts, same visit.
    world.printer.fail = None
    driver.send(f.CardRemoved())
    insert(driver, "again")
    assert world.printer.printed[0].reprint and len(world.clinic.visits) == 1


@pytest.mark.parametrize("removed", [True, False])
def test_unreadable_card(world: FakeWorld, tmp_path: Path, removed: bool) -> None:
    if removed:
        world.card.remove_mid_read()
    else:
        world.card.unreadable()
    driver, _ = make(world, tmp_path)
    state = insert(driver)
    assert state.step == f.Step.CARD_ERROR
    assert state.error_code == ("card_removed" if removed else "card_unreadable")
    assert driver.send(f.CardRemoved()).step == f.Step.IDLE


def test_adapter_bug_goes_to_counter(world: FakeWorld, tmp_path: Path) -> None:
    driver, _ = make(world, tmp_path)

    def broken(_identity: object) -> None:
        raise RuntimeError("bug")

    world.rights.check = broken  # type: ignore[method-assign,assignment]
    state = insert(driver)
    assert state.step == f.Step.GO_TO_COUNTER and state.error_code == "error"


# --- every step: card removal, timeouts, stale results ---------------------------------


def steps_by_manual_results() -> list[tuple[f.Step, list[f.Event]]]:
    """Drive the flow with hand-made results, stopping in each busy step."""
    ident = sample_identity()
    from kiosk.ports import AuthenOutcome

    patient = Patient("99999", 1, mobile="0812345678")
    rights2 = Rights((GENERAL, HOME_WARD))
    visit = VisitRef("99999", 1, 1)
    events: list[f.Event] = [f.CardInserted("x")]
    out = [(f.Step.READING_CARD, list(events))]
    events.append(f.CardRead("x", ident))
    out.append((f.Step.CARD_READ, list(events)))
    events.append(f.PatientIdentified("x", patient))
    out.append((f.Step.IDENTIFIED, list(events)))
    events.append(f.RightsChecked("x", rights2))
    out.append((f.Step.CLAIM_TYPE_CHOSEN, list(events)))
    out.append((f.Step.RIGHTS_CHECKED, [*events, f.OtherServicesRequested()]))
    out.append((f.Step.CANCELLED, [*events, f.CancelTouched()]))
    events.append(f.MobileConfirmed())
    out.append((f.Step.MOBILE_CONFIRMED, list(events)))
    events.append(f.Authenticated("x", AuthenOutcome("PP1", GENERAL.code, NOW)))
    out.append((f.Step.AUTHENTICATED, list(events)))
    out.append((f.Step.JOURNALING, [*events, f.ClinicUnavailable("x")]))
    events.append(f.VisitOpened("x", visit))
    out.append((f.Step.VISIT_OPENED, list(events)))
    out.append((f.Step.DONE, [*events, f.TicketPrinted("x")]))
    out.append((f.Step.GO_TO_COUNTER, [*events, f.PrinterFailed("x", "offline")]))
    out.append((f.Step.CARD_ERROR, [f.CardInserted("x"), f.CardReadFailed("x", "card_unreadable")]))
    return out


MANUAL = steps_by_manual_results()


def run(events: list[f.Event]) -> tuple[f.Flow, f.FlowState]:
    machine = f.Flow()
    state = machine.initial()
    for event in events:
        state = machine.handle(state, event, NOW).state
    return machine, state


def test_manual_paths_reach_every_patient_step() -> None:
    reached = set()
    for step, events in MANUAL:
        _, state = run(events)
        assert state.step == step
        reached.add(step)
    patient_steps = set(f.Step) - f.STAFF_STEPS - {f.Step.IDLE}
    assert reached == patient_steps


@pytest.mark.parametrize(("step", "events"), MANUAL, ids=[s.value for s, _ in MANUAL])
def test_card_removed_at_any_step_wipes_everything(step: f.Step, events: list[f.Event]) -> None:
    machine, state = run(events)
    assert (state.session is None) == (step == f.Step.CANCELLED)
    state = machine.handle(state, f.LanguageToggled(), NOW).state
    after = machine.handle(state, f.CardRemoved(), NOW)
    assert after.state.session is None and not after.commands
    text = repr(after.state)
    assert sample_identity().cid not in text and "สมชาย" not in text
    if step in f.END_STEPS:  # over anyway: the card out is the patient's last touch
        assert after.state.step == f.Step.IDLE and after.state.language == "th"
        return
    # Mid-way: say it is cancelled (in the patient's language), then idle.
    assert after.state.step == f.Step.CANCELLED and after.state.language == "en"
    assert after.state.cancel_reason == "card_removed" and not after.state.card_present
    idle = machine.handle(after.state, f.Timeout(after.state.seq), NOW).state
    assert idle.step == f.Step.IDLE and idle.language == "th"


@pytest.mark.parametrize(("step", "events"), MANUAL, ids=[s.value for s, _ in MANUAL])
def test_every_step_times_out(step: f.Step, events: list[f.Event]) -> None:
    machine, state = run(events)
    assert state.timeout_s is not None and state.timeout_s > 0
    stale = machine.handle(state, f.Timeout(state.seq - 1), NOW)
    assert stale.state == state
    after = machine.handle(state, f.Timeout(state.seq), NOW).state
    if step in f.BUSY_STEPS:
        assert after.step == f.Step.GO_TO_COUNTER and after.counter_reason == "timeout"
        after = machine.handle(after, f.Timeout(after.seq), NOW).state
    if step in f.WAITING_STEPS:  # a warning first, then cancelled
        assert after.step == step and after.warning and after.session == state.session
        after = machine.handle(after, f.Timeout(after.seq), NOW).state
        assert after.step == f.Step.CANCELLED and after.cancel_reason == "timeout"
        assert after.session is None and after.card_present
        after = machine.handle(after, f.Timeout(after.seq), NOW).state
    assert after.step == f.Step.IDLE and after.session is None


@pytest.mark.parametrize(("step", "events"), MANUAL, ids=[s.value for s, _ in MANUAL])
def test_results_for_another_checkin_are_ignored(step: f.Step, events: list[f.Event]) -> None:
    machine, state = run(events)
    for late in (
        f.CardRead("old", sample_identity(5)),
        f.VisitOpened("old", VisitRef("1", 1, 1)),
        f.TicketPrinted("old"),
        f.NhsoDown("old"),
        f.CommandFailed("old", "error"),
    ):
        assert machine.handle(state, late, NOW).state == state


def test_idle_has_no_timeout_and_ignores_touches() -> None:
    machine = f.Flow()
    state = machine.initial()
    assert state.timeout_s is None
    for event in (f.MobileConfirmed(), f.ClaimTypeChosen("x"), f.Timeout(0), f.CardRemoved()):
        assert machine.handle(state, event, NOW).state.step == f.Step.IDLE


def test_language_toggle_and_reset() -> None:
    machine, state = run([f.CardInserted("x")])
    state = machine.handle(state, f.LanguageToggled(), NOW).state
    assert state.language == "en" and state.step == f.Step.READING_CARD
    state = machine.handle(state, f.CardRemoved(), NOW).state
    assert state.language == "en" and state.step == f.Step.CANCELLED
    state = machine.handle(state, f.Timeout(state.seq), NOW).state
    assert state.language == "th" and state.step == f.Step.IDLE


WAITING = dict(MANUAL)[f.Step.CLAIM_TYPE_CHOSEN]


def test_patient_activity_restarts_the_timer() -> None:
    machine, state = run(WAITING)
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN
    later = machine.handle(state, f.PatientActive(), NOW).state
    assert later.seq > state.seq and later.step == state.step
    assert machine.handle(later, f.Timeout(state.seq), NOW).state == later


def test_the_warning_comes_ten_seconds_before_the_reset() -> None:
    machine, state = run(WAITING)
    config = machine.config
    assert state.timeout_s == config.patient_timeout_s - 10 and not state.warning
    warned = machine.handle(state, f.Timeout(state.seq), NOW)
    assert warned.state.warning and warned.state.timeout_s == 10 and not warned.commands
    assert warned.state.session == state.session  # nothing is lost yet
    # Any touch dismisses it and restarts the whole wait.
    for touch in (f.PatientActive(), f.LanguageToggled(), f.MobileEditRequested()):
        after = machine.handle(warned.state, touch, NOW).state
        assert not after.warning and after.timeout_s == config.patient_timeout_s - 10
        assert after.session is not None
        # The timer armed for the warning is stale now.
        assert machine.handle(after, f.Timeout(warned.state.seq), NOW).state == after
    # A short wait in all is split in half (the warning never outlasts the wait).
    short = f.Flow(f.FlowConfig(patient_timeout_s=8))
    assert short.config.timeout_for(f.Step.CLAIM_TYPE_CHOSEN) == 4
    assert short.config.warning_for == 4


@pytest.mark.parametrize("step", sorted(f.WAITING_STEPS))
def test_cancel_touched_on_a_choice_screen(step: f.Step) -> None:
    machine, state = run(dict(MANUAL)[step])
    assert state.step == step
    result = machine.handle(state, f.CancelTouched(), NOW)
    cancelled = result.state
    assert cancelled.step == f.Step.CANCELLED and cancelled.cancel_reason == "cancelled"
    assert cancelled.session is None and cancelled.card_present and not result.commands
    assert cancelled.timeout_s == machine.config.cancelled_screen_s
    # The card out: idle at once; left in: idle after the screen, still knowing it is in.
    assert machine.handle(cancelled, f.CardRemoved(), NOW).state.step == f.Step.IDLE
    left = machine.handle(cancelled, f.Timeout(cancelled.seq), NOW).state
    assert left.step == f.Step.IDLE and left.card_present
    # ... and a new card (or the same one again) starts a new check-in.
    again = machine.handle(cancelled, f.CardInserted("y"), NOW)
    assert again.state.step == f.Step.READING_CARD


def test_cancel_is_ignored_outside_the_choice_screens() -> None:
    for step, events in MANUAL:
        if step in f.WAITING_STEPS:
            continue
        machine, state = run(events)
        assert machine.handle(state, f.CancelTouched(), NOW).state == state


# --- staff ------------------------------------------------------------------------------


def test_staff_pin_and_menu() -> None:
    machine = f.Flow()
    state = machine.initial()
    state = machine.handle(state, f.StaffGesture(), NOW).state
    assert state.step == f.Step.STAFF_PIN
    state = machine.handle(state, f.StaffPinEntered(ok=False), NOW).state
    assert state.step == f.Step.STAFF_PIN and state.pin_attempts == 1
    state = machine.handle(state, f.StaffPinEntered(ok=True), NOW).state
    assert state.step == f.Step.STAFF_MENU
    result = machine.handle(state, f.StaffAction("replay"), NOW)
    assert result.commands == (f.ReplayJournal(),)
    result = machine.handle(result.state, f.StaffAction("exit"), NOW)
    assert result.commands == (f.ExitApp(),)
    assert machine.handle(result.state, f.StaffAction("back"), NOW).state.step == f.Step.IDLE


def test_test_print_from_the_staff_menu_shows_its_result() -> None:
    machine = f.Flow()
    state = machine.handle(machine.initial(), f.StaffGesture(), NOW).state
    state = machine.handle(state, f.StaffPinEntered(ok=True), NOW).state
    assert state.test_print == ""
    result = machine.handle(state, f.StaffAction("test_print"), NOW)
    assert result.commands == (f.PrintTestSlip(),)
    state = machine.handle(result.state, f.TestSlipPrinted(), NOW).state
    assert (state.step, state.test_print) == (f.Step.STAFF_MENU, "ok")
    state = machine.handle(state, f.TestSlipPrinted("paper_out"), NOW).state
    assert state.test_print == "paper_out"
    state = machine.handle(state, f.TestSlipPrinted("something new"), NOW).state
    assert state.test_print == "error"  # a kind the screen has no words for
    # the next visit to the menu starts without the old result
    state = machine.handle(state, f.StaffAction("back"), NOW).state
    state = machine.handle(state, f.StaffGesture(), NOW).state
    state = machine.handle(state, f.StaffPinEntered(ok=True), NOW).state
    assert state.test_print == ""
    # an answer arriving after staff left changes nothing
    idle = machine.handle(state, f.StaffAction("back"), NOW).state
    assert machine.handle(idle, f.TestSlipPrinted(), NOW).state == idle


def test_wrong_pins_lock_out_and_gesture_ignored_mid_checkin() -> None:
    machine = f.Flow()
    state = machine.handle(machine.initial(), f.StaffGesture(), NOW).state
    for _ in range(3):
        state = machine.handle(state, f.StaffPinEntered(ok=False), NOW).state
    assert state.step == f.Step.IDLE
    _, mid = run(WAITING)
    assert machine.handle(mid, f.StaffGesture(), NOW).state == mid


def test_card_left_in_during_staff_mode_starts_a_checkin() -> None:
    machine = f.Flow()
    state = machine.handle(machine.initial(), f.StaffGesture(), NOW).state
    state = machine.handle(state, f.CardInserted("z"), NOW).state
    assert state.step == f.Step.STAFF_PIN and state.card_present
    result = machine.handle(state, f.Timeout(state.seq), NOW)
    assert result.state.step == f.Step.READING_CARD
    assert isinstance(result.commands[0], f.ReadCard)


def test_nhso_refusal_reason_is_not_personal() -> None:
    err = NhsoRefused("deceased")
    assert err.reason == "deceased" and "deceased" in str(err)


# --- the room boundary --------------------------------------------------------------------

FORBIDDEN = ("kivy", "httpx", "smartcard", "escpos", "sqlalchemy", "pymysql", "sqlite3")


@pytest.mark.parametrize("module", ["kiosk/flow.py", "kiosk/ports.py"])
def test_core_imports_no_io_libraries(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    roots = {n.split(".")[0] for n in names}
    assert not roots & set(FORBIDDEN)
    assert not {n for n in names if n.startswith(("hardware", "backoffice"))}


def test_importing_the_flow_loads_no_io_library() -> None:
    code = (
        "import sys, kiosk.flow\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    # Coverage's subprocess hook loads sqlite3 for its own data file; keep it out.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
