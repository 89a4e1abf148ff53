"""CardMonitor's logic against a scripted PC/SC status source."""

from __future__ import annotations

import threading

from smartcard import scard

from hardware.card.errors import ReaderServiceDown
from hardware.card.monitor import CardEvent, CardEventKind, CardMonitor
from hardware.card.pcsc import ReaderState

READER = "ACS ACR39U ICC Reader 00 00"
ATR = bytes.fromhex("3B79960000544820")


class FakeSource:
    """One reader whose card and presence the test changes; blocks like pcscd."""

    def __init__(self, world: FakeWorld) -> None:
        self.world = world
        self.cancelled = False

    def readers(self) -> list[str]:
        with self.world.cond:
            if self.world.service_down:
                raise ReaderServiceDown("fake")
            return [READER] if self.world.plugged else []

    def _state(self) -> ReaderState:
        w = self.world
        if not w.plugged:
            return ReaderState(READER, scard.SCARD_STATE_UNKNOWN, b"")
        flags = (w.counter << 16) | (
            scard.SCARD_STATE_PRESENT if w.card else scard.SCARD_STATE_EMPTY
        )
        return ReaderState(READER, flags, ATR if w.card else b"")

    def status_change(
        self, states: list[tuple[str, int]], timeout_ms: int
    ) -> list[ReaderState] | None:
        known = states[0][1]
        with self.world.cond:
            self.world.waits += 1
            changed = self.world.cond.wait_for(
                lambda: self.cancelled or self._state().flags != known, timeout_ms / 1000
            )
            if self.cancelled or not changed:
                return None
            return [self._state()]

    def states(self, readers: list[str]) -> list[ReaderState]:
        with self.world.cond:
            return [self._state()]

    def cancel(self) -> None:
        with self.world.cond:
            self.cancelled = True
            self.world.cond.notify_all()

    def close(self) -> None:
        self.world.closed += 1


class FakeWorld:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.plugged = True
        self.card = False
        self.counter = 0
        self.service_down = False
        self.waits = 0
        self.closed = 0

    def set(self, *, card: bool | None = None, plugged: bool | None = None) -> None:
        with self.cond:
            if card is not None and card != self.card:
                self.card = card
                self.counter += 1
            if plugged is not None:
                self.plugged = plugged
                if not plugged:
                    self.card = False
            self.cond.notify_all()

    def swap(self) -> None:
        """Card out and another in between two looks of the monitor."""
        with self.cond:
            self.counter += 2
            self.cond.notify_all()


def _monitor(
    world: FakeWorld,
    *,
    settle_s: float = 0.05,
    poll_s: float = 0.2,
    retry_s: float = 0.05,
    reader_events: bool = False,
) -> CardMonitor:
    return CardMonitor(
        "ACR39U",
        settle_s=settle_s,
        poll_s=poll_s,
        retry_s=retry_s,
        source_factory=lambda: FakeSource(world),
        reader_events=reader_events,
    )


def _kind(event: CardEvent | None) -> CardEventKind | None:
    return event.kind if event else None


def test_insert_then_remove() -> None:
    world = FakeWorld()
    with _monitor(world) as monitor:
        assert monitor.wait_event(0.2) is None
        world.set(card=True)
        event = monitor.wait_event(2)
        assert event is not None and event.kind is CardEventKind.INSERTED
        assert event.reader == READER and event.atr == ATR
        assert monitor.present
        world.set(card=False)
        assert _kind(monitor.wait_event(2)) is CardEventKind.REMOVED
        assert not monitor.present


def test_bounce_shorter_than_settle_is_ignored() -> None:
    world = FakeWorld()
    with _monitor(world, settle_s=0.3) as monitor:
        world.set(card=True)
        threading.Timer(0.1, world.set, kwargs={"card": False}).start()
        assert monitor.wait_event(0.8) is None
        world.set(card=True)
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED


def test_card_present_at_start_is_reported() -> None:
    world = FakeWorld()
    world.set(card=True)
    with _monitor(world) as monitor:
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED


def test_swap_between_looks_is_a_removal_and_an_insertion() -> None:
    world = FakeWorld()
    world.set(card=True)
    with _monitor(world) as monitor:
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED
        world.swap()
        assert _kind(monitor.wait_event(2)) is CardEventKind.REMOVED
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED


def test_reader_unplugged_and_replugged() -> None:
    world = FakeWorld()
    world.set(card=True)
    with _monitor(world) as monitor:
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED
        world.set(plugged=False)
        assert _kind(monitor.wait_event(2)) is CardEventKind.REMOVED
        assert monitor.wait_event(0.3) is None
        world.set(plugged=True)
        world.set(card=True)
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED


def test_service_down_then_back() -> None:
    world = FakeWorld()
    world.set(card=True)
    with _monitor(world) as monitor:
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED
        with world.cond:
            world.service_down = True
            world.plugged = False
            world.cond.notify_all()
        assert _kind(monitor.wait_event(2)) is CardEventKind.REMOVED
        with world.cond:
            world.service_down = False
            world.plugged = True
            world.cond.notify_all()
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED
    assert world.closed >= 1  # the dead context was let go and a new one made


def test_no_busy_polling_while_idle() -> None:
    world = FakeWorld()
    with _monitor(world, poll_s=0.2) as monitor:
        assert monitor.wait_event(1.0) is None
    assert world.waits <= 8  # about one blocking wait per poll_s, not thousands


def test_callback_delivery_and_faulty_handler() -> None:
    world = FakeWorld()
    seen: list[CardEventKind] = []
    done = threading.Event()

    def handler(event: CardEvent) -> None:
        seen.append(event.kind)
        if len(seen) == 1:
            raise RuntimeError("consumer bug")
        done.set()

    monitor = CardMonitor(
        None, settle_s=0.02, poll_s=0.2, on_event=handler, source_factory=lambda: FakeSource(world)
    )
    with monitor:
        world.set(card=True)
        world_wait = threading.Timer(0.3, world.set, kwargs={"card": False})
        world_wait.start()
        assert done.wait(3)
    assert seen == [CardEventKind.INSERTED, CardEventKind.REMOVED]
    assert monitor.wait_event(0) is None  # callbacks replace the queue


def test_stop_is_prompt_and_emits_nothing() -> None:
    world = FakeWorld()
    world.set(card=True)
    monitor = _monitor(world, poll_s=30).start()
    assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED
    stopper = threading.Thread(target=monitor.stop)
    stopper.start()
    stopper.join(2)
    assert not stopper.is_alive()
    assert monitor.wait_event(0.1) is None


PRESENT, ABSENT = CardEventKind.READER_PRESENT, CardEventKind.READER_ABSENT


def test_reader_events_unplug_with_a_card_in_and_replug() -> None:
    world = FakeWorld()
    world.set(card=True)
    with _monitor(world, reader_events=True) as monitor:
        first = monitor.wait_event(2)
        assert first is not None and first.kind is PRESENT and first.reader == READER
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED
        world.set(plugged=False)
        assert _kind(monitor.wait_event(2)) is CardEventKind.REMOVED
        assert _kind(monitor.wait_event(2)) is ABSENT
        assert monitor.reader_name is None and not monitor.present
        assert monitor.wait_event(0.3) is None  # retries do not repeat the news
        world.set(plugged=True)
        assert _kind(monitor.wait_event(2)) is PRESENT
        assert monitor.reader_name == READER
        world.set(card=True)
        assert _kind(monitor.wait_event(2)) is CardEventKind.INSERTED


def test_reader_missing_at_start_is_reported_once() -> None:
    world = FakeWorld()
    world.set(plugged=False)
    with _monitor(world, reader_events=True) as monitor:
        assert _kind(monitor.wait_event(2)) is ABSENT
        assert monitor.wait_event(0.3) is None
        world.set(plugged=True)
        assert _kind(monitor.wait_event(2)) is PRESENT
        assert not monitor.present  # a reader event is not a card


def test_service_down_is_reader_absent() -> None:
    world = FakeWorld()
    with _monitor(world, reader_events=True) as monitor:
        assert _kind(monitor.wait_event(2)) is PRESENT
        with world.cond:
            world.service_down = True
            world.plugged = False
            world.cond.notify_all()
        assert _kind(monitor.wait_event(2)) is ABSENT
        with world.cond:
            world.service_down = False
            world.plugged = True
            world.cond.notify_all()
        assert _kind(monitor.wait_event(2)) is PRESENT


def test_reader_events_are_opt_in() -> None:
    world = FakeWorld()
    with _monitor(world) as monitor:
        assert monitor.wait_event(0.3) is None
        world.set(plugged=False)
        assert monitor.wait_event(0.3) is None
