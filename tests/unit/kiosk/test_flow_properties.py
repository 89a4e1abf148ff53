"""Event orders generated with hypothesis: touches, card moves, timeouts, results that
arrive late or out of order, and services that fail at any moment."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kiosk import flow as f
from kiosk.effects import Effects
from kiosk.journal import Journal
from kiosk.testing import GENERAL, HOME_WARD, FakeWorld, sample_identity

NOW = dt.datetime(2026, 11, 25, 10, 0)
IDENTITY = sample_identity(3)

TOUCHES: list[f.Event] = [
    f.ClaimTypeChosen(GENERAL.code),
    f.ClaimTypeChosen(HOME_WARD.code),
    f.ClaimTypeChosen("PG0000000"),
    f.MobileConfirmed(),
    f.OtherServicesRequested(),
    f.OtherServicesClosed(),
    f.CancelTouched(),
    f.MobileEditRequested(),
    f.MobileEditCancelled(),
    f.MobileEntered("0812345678"),
    f.MobileEntered("12345"),
    f.PatientActive(),
    f.LanguageToggled(),
    f.StaffGesture(),
    f.StaffPinEntered(ok=True),
    f.StaffPinEntered(ok=False),
    f.StaffAction("back"),
    f.StaffAction("replay"),
]
FAULTS = [
    "clinic_down",
    "rights_down",
    "rights_refuse",
    "no_rights",
    "two_types",
    "authen_down",
    "authen_refuse",
    "printer",
    "card",
]

action = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 3)),
    st.tuples(st.just("remove"), st.just(0)),
    st.tuples(st.just("timeout"), st.integers(0, 1)),
    st.tuples(st.just("touch"), st.integers(0, len(TOUCHES) - 1)),
    st.tuples(st.just("deliver"), st.integers(0, 5)),
    st.tuples(st.just("deliver"), st.integers(0, 5)),
    st.tuples(st.just("deliver_all"), st.just(0)),
    st.tuples(st.just("fault"), st.integers(0, len(FAULTS) - 1)),
)


def toggle(world: FakeWorld, fault: str) -> None:
    if fault == "clinic_down":
        world.clinic.down = not world.clinic.down
    elif fault == "rights_down":
        world.rights.down = not world.rights.down
    elif fault == "rights_refuse":
        world.rights.refuse = None if world.rights.refuse else "not_thai"
    elif fault == "no_rights":
        world.rights.claim_types = () if world.rights.claim_types else (GENERAL,)
    elif fault == "two_types":
        world.rights.claim_types = (GENERAL, HOME_WARD)
    elif fault == "authen_down":
        world.authen.down = not world.authen.down
    elif fault == "authen_refuse":
        world.authen.refuse = None if world.authen.refuse else "duplicate"
    elif fault == "printer":
        world.printer.fail = None if world.printer.fail else "paper_out"
    elif fault == "card" and world.card.fail is None:
        world.card.unreadable()
    elif fault == "card":
        world.card.fail = None


REACHED: set[f.Step] = set()


def personal_text(state: f.FlowState) -> str:
    return repr(state) + repr(state.session.__dict__ if state.session else None)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(action, min_size=1, max_size=60))
# Orders worth always trying: database down after authen, and the staff menu with a card in.
@example([("insert", 0), ("deliver_all", 0), ("fault", 0), ("touch", 3), ("deliver_all", 0)])
@example([("touch", 13), ("insert", 1), ("touch", 14), ("touch", 17), ("touch", 16)])
@example([("insert", 0), ("fault", 5), ("touch", 3), ("remove", 0), ("deliver_all", 0)])
@example(
    [("fault", 4), ("insert", 0), ("deliver_all", 0), ("touch", 4), ("touch", 1), ("touch", 9)]
)
# A warning dismissed, then one let run out; Cancel on the screen after.
@example(
    [
        ("insert", 0),
        ("deliver_all", 0),
        ("timeout", 0),
        ("touch", 11),
        ("timeout", 0),
        ("timeout", 0),
        ("insert", 1),
        ("deliver_all", 0),
        ("touch", 6),
    ]
)
@example([("fault", 8), ("insert", 0), ("deliver_all", 0), ("timeout", 0), ("insert", 1)])
def test_invariants_hold_for_any_event_order(actions: list[tuple[str, int]]) -> None:
    world = FakeWorld()
    world.card.identity = IDENTITY
    world.clinic.add_person(IDENTITY, mobile="0812345678")
    with TemporaryDirectory() as tmp:
        effects = Effects(world.services(), journal=Journal(Path(tmp) / "j.sqlite"))
        machine = f.Flow()
        state = machine.initial()
        pending: list[f.Event] = []
        authens: Counter[str] = Counter()
        visits: Counter[str] = Counter()
        inserted = 0

        def apply(event: f.Event) -> None:
            nonlocal state
            before = state
            transition = machine.handle(state, event, NOW)
            state = transition.state
            for command in transition.commands:
                if isinstance(command, f.Authenticate):
                    authens[command.checkin_id] += 1
                if isinstance(command, f.OpenVisit | f.JournalVisit):
                    visits[f"{type(command).__name__}:{command.checkin_id}"] += 1
                pending.extend(effects.perform(command))
            check(before, event)

        def check(before: f.FlowState, event: f.Event) -> None:
            REACHED.add(state.step)
            # Personal data exists only while a check-in is under way.
            no_session = f.STAFF_STEPS | {f.Step.IDLE, f.Step.CANCELLED}
            assert (state.session is not None) == (state.step not in no_session), state.step
            if state.session is None:
                assert IDENTITY.cid not in personal_text(state)
                assert "0812345678" not in personal_text(state)
            if isinstance(event, f.CardRemoved) and before.step not in f.STAFF_STEPS:
                assert state.step in (f.Step.IDLE, f.Step.CANCELLED) and state.session is None
            timed_out = isinstance(event, f.Timeout) and event.seq == before.seq
            if timed_out and before.step in f.WAITING_STEPS and not before.warning:
                # A warning first, nothing lost; the next timeout cancels.
                assert state.warning and state.session == before.session
            elif timed_out and (before.step in f.WAITING_STEPS or before.step in f.END_STEPS):
                assert state.session is None and not state.warning
            if state.warning:
                assert state.step in f.WAITING_STEPS
                assert state.timeout_s == machine.config.warning_for
            assert (state.timeout_s is None) == (state.step == f.Step.IDLE)
            if state.step in f.WAITING_STEPS:
                assert state.session is not None and state.session.identity is not None
            # At most one authen and one visit per check-in, whatever happened.
            assert all(n <= 1 for n in authens.values())
            assert all(n <= 1 for n in visits.values())
            assert Counter(r.checkin_id for r in world.authen.requests) == authens

        for kind, n in actions:
            if kind == "insert":
                inserted += 1
                apply(f.CardInserted(f"c{inserted}"))
            elif kind == "remove":
                apply(f.CardRemoved())
            elif kind == "timeout":
                apply(f.Timeout(state.seq - n))
            elif kind == "touch":
                apply(TOUCHES[n])
            elif kind == "deliver" and pending:
                apply(pending.pop(n % len(pending)))
            elif kind == "deliver_all":
                while pending:
                    apply(pending.pop(0))
            elif kind == "fault":
                toggle(world, FAULTS[n])
        assert effects.journal is not None
        effects.journal.close()


def test_generated_orders_reach_every_step() -> None:
    # Guards the property test above against generating only shallow runs.
    if not REACHED:
        test_invariants_hold_for_any_event_order()
    assert set(f.Step) - REACHED == set()
