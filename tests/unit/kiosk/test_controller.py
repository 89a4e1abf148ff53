"""The controller with fakes: threads, timers, late results, replay, health file."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import flow as f
from kiosk.controller import Controller
from kiosk.effects import Effects
from kiosk.health import HealthRecorder, read_health
from kiosk.journal import Journal
from kiosk.testing import FakeWorld


@pytest.fixture
def world() -> FakeWorld:
    w = FakeWorld()
    w.clinic.add_person(w.card.identity, mobile="0812345678")
    return w


def build(
    world: FakeWorld, tmp_path: Path, config: f.FlowConfig | None = None, **kwargs: object
) -> Controller:
    effects = Effects(
        world.services(),
        journal=Journal(tmp_path / "journal" / "j.sqlite"),
        health=HealthRecorder(tmp_path / "health.json"),
        pcucode="99999",
    )
    return Controller(f.Flow(config), effects, staff_pin="2468", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def controller(world: FakeWorld, tmp_path: Path) -> Iterator[Controller]:
    c = build(world, tmp_path)
    c.start()
    yield c
    c.stop()


def at(step: f.Step) -> object:
    return lambda s: s.step == step


def test_a_checkin_through_the_card_monitor(
    controller: Controller, world: FakeWorld, tmp_path: Path
) -> None:
    seen: list[f.Step] = []
    controller.subscribe(lambda s: seen.append(s.step))
    # Generous waits: three threads and a journal on disk, and the whole suite beside it
    # (it once stayed at reading_card past 5 s in a full run on 2 cores).
    patience = 30.0
    world.monitor.insert()
    controller.wait_for(at(f.Step.CLAIM_TYPE_CHOSEN), timeout=patience)
    controller.post(f.MobileConfirmed())
    controller.wait_for(at(f.Step.DONE), timeout=patience)
    world.monitor.remove()
    state = controller.wait_for(at(f.Step.IDLE), timeout=patience)
    assert state.session is None
    assert seen[:3] == [f.Step.READING_CARD, f.Step.CARD_READ, f.Step.IDENTIFIED]
    assert f.Step.VISIT_OPENED in seen and seen[-1] == f.Step.IDLE
    # The check-in is recorded by the command thread, which may still be busy with it
    # when the flow is already back at idle.
    deadline = time.monotonic() + 5
    while True:
        controller.effects.health.flush()
        health = read_health(tmp_path / "health.json")
        assert health is not None
        if health["checkins"] == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert health["checkins"] == 1 and health["state"] == "idle"
    assert health["components"]["printer"]["status"] == "ok"
    text = (tmp_path / "health.json").read_text()
    assert world.card.identity.cid not in text and "0812345678" not in text


def test_card_pulled_during_a_slow_call_wipes_at_once(
    controller: Controller, world: FakeWorld
) -> None:
    release = threading.Event()
    world.card.delay = lambda: release.wait(5)
    controller.post(f.CardInserted("slow"))
    controller.wait_for(at(f.Step.READING_CARD))
    started = time.monotonic()
    controller.post(f.CardRemoved())
    state = controller.wait_for(at(f.Step.CANCELLED), timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert state.session is None and state.cancel_reason == "card_removed"
    release.set()
    time.sleep(0.1)  # the late CardRead arrives and must be ignored
    assert controller.state.step == f.Step.CANCELLED and controller.state.session is None


def test_waiting_screens_warn_then_time_out(world: FakeWorld, tmp_path: Path) -> None:
    config = f.FlowConfig(patient_timeout_s=0.4, cancelled_screen_s=0.2)
    c = build(world, tmp_path, config)
    seen: list[f.FlowState] = []
    c.subscribe(seen.append)
    c.start()
    try:
        c.post(f.CardInserted())
        c.wait_for(at(f.Step.CLAIM_TYPE_CHOSEN))
        cancelled = c.wait_for(at(f.Step.CANCELLED), timeout=2.0)
        assert cancelled.session is None and cancelled.cancel_reason == "timeout"
        state = c.wait_for(at(f.Step.IDLE), timeout=2.0)
        assert state.session is None and state.card_present  # the card was never taken
        assert not world.authen.requests and not world.clinic.visits
        warned = [s for s in seen if s.warning]
        assert len(warned) == 1 and warned[0].step == f.Step.CLAIM_TYPE_CHOSEN
        assert warned[0].timeout_s == pytest.approx(0.2)  # half of it: the warning is 10 s
    finally:
        c.stop()


def test_a_touch_during_the_warning_goes_on(world: FakeWorld, tmp_path: Path) -> None:
    config = f.FlowConfig(patient_timeout_s=0.6)
    c = build(world, tmp_path, config)
    c.start()
    try:
        c.post(f.CardInserted())
        c.wait_for(lambda s: s.step == f.Step.CLAIM_TYPE_CHOSEN and s.warning, timeout=2.0)
        c.post(f.PatientActive())
        state = c.wait_for(lambda s: not s.warning)
        assert state.step == f.Step.CLAIM_TYPE_CHOSEN and state.session is not None
        c.post(f.MobileConfirmed())
        assert c.wait_for(at(f.Step.DONE)).session is not None
    finally:
        c.stop()


def test_staff_pin_is_checked_by_the_controller(controller: Controller) -> None:
    controller.post(f.StaffGesture())
    controller.wait_for(at(f.Step.STAFF_PIN))
    controller.submit_pin("0000")
    controller.wait_for(lambda s: s.pin_attempts == 1)
    controller.submit_pin("2468")
    controller.wait_for(at(f.Step.STAFF_MENU))


def test_without_a_configured_pin_staff_mode_stays_shut(world: FakeWorld, tmp_path: Path) -> None:
    c = build(world, tmp_path)
    c._pin = None
    c.start()
    try:
        c.post(f.StaffGesture())
        c.wait_for(at(f.Step.STAFF_PIN))
        c.submit_pin("")
        c.wait_for(lambda s: s.pin_attempts == 1)
    finally:
        c.stop()


def test_exit_from_staff_menu_calls_back(controller: Controller) -> None:
    exited = threading.Event()
    controller.effects.on_exit = exited.set
    controller.post(f.StaffGesture())
    controller.submit_pin("2468")
    controller.wait_for(at(f.Step.STAFF_MENU))
    controller.post(f.StaffAction("exit"))
    assert exited.wait(2)


def test_test_print_from_staff_menu_prints_and_shows_the_fault(
    controller: Controller, world: FakeWorld
) -> None:
    controller.post(f.StaffGesture())
    controller.submit_pin("2468")
    controller.wait_for(at(f.Step.STAFF_MENU))
    controller.post(f.StaffAction("test_print"))
    controller.wait_for(lambda s: s.test_print == "ok")
    assert world.printer.test_slips == 1 and not world.printer.printed
    world.printer.fail = "paper_out"
    controller.post(f.StaffAction("test_print"))
    controller.wait_for(lambda s: s.test_print == "paper_out")


def test_journal_is_replayed_when_the_database_returns(world: FakeWorld, tmp_path: Path) -> None:
    c = build(world, tmp_path, replay_interval_s=0.1)
    c.start()
    try:
        world.clinic.down = True
        c.post(f.CardInserted())
        c.wait_for(at(f.Step.CLAIM_TYPE_CHOSEN))
        c.post(f.MobileEntered("0812345678"))
        c.wait_for(at(f.Step.DONE))
        assert world.printer.printed[0].local
        c.post(f.CardRemoved())
        c.wait_for(at(f.Step.IDLE))
        time.sleep(0.3)  # replays keep failing while the database is down
        journal = c.effects.journal
        assert journal is not None and journal.pending_count() == 1
        world.clinic.down = False
        deadline = time.monotonic() + 3
        while journal.pending_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert journal.pending_count() == 0 and len(world.clinic.visits) == 1
        time.sleep(0.05)  # the replay's own health update follows its last journal write
        c.effects.health.flush()
        health = read_health(tmp_path / "health.json")
        assert health is not None and health["journal_pending"] == 0
        assert health["components"]["database"]["status"] == "ok"
    finally:
        c.stop()


def test_a_listener_that_raises_does_not_stop_the_kiosk(
    controller: Controller, world: FakeWorld
) -> None:
    def bad(_state: f.FlowState) -> None:
        raise RuntimeError("ui bug")

    controller.subscribe(bad)
    controller.post(f.CardInserted())
    controller.wait_for(at(f.Step.CLAIM_TYPE_CHOSEN))


def test_stop_is_graceful_and_marks_health(world: FakeWorld, tmp_path: Path) -> None:
    c = build(world, tmp_path)
    c.start()
    c.stop()
    c.stop()
    health = read_health(tmp_path / "health.json")
    assert health is not None and health["state"] == "stopped"
    assert world.monitor.on_inserted is None


def test_health_file_is_written_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    health = HealthRecorder(path, write_interval_s=0.05)
    health.component("nhso", "down")
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        data = read_health(path)
        if data and data["components"]["nhso"]["status"] == "down":
            break
        time.sleep(0.02)
    else:
        raise AssertionError("health file never caught up")
    health.component("nhso", "ok")
    health.close()
    data = read_health(path)
    assert data is not None and data["components"]["nhso"]["status"] == "ok"


def test_a_stuck_worker_makes_the_controller_unhealthy(world: FakeWorld, tmp_path: Path) -> None:
    c = build(world, tmp_path)
    assert not c.healthy()  # not started
    c.start()
    release = threading.Event()
    world.card.delay = lambda: release.wait(5)
    try:
        assert c.healthy()
        c.post(f.CardInserted())
        c.wait_for(at(f.Step.READING_CARD))
        time.sleep(0.2)
        assert c.healthy(max_command_s=10)
        assert not c.healthy(max_command_s=0.1)
        release.set()
        c.wait_for(at(f.Step.CLAIM_TYPE_CHOSEN))
        assert c.healthy(max_command_s=0.1)
    finally:
        release.set()
        c.stop()
    assert not c.healthy()
