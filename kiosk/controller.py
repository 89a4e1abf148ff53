"""Runs the flow: events in, commands out to a worker thread, state out to the UI.

Two threads of our own: the dispatcher owns the flow state (it is the only one that
calls ``Flow.handle``), keeps the step's timer and publishes each new state; the worker
performs commands one at a time against the ports and posts their results back as
events. The UI thread only posts events and reads state, so a slow database or NHSO
never freezes the screen, and a card pulled during a slow call still wipes the screen
at once. While nobody is checking in, the dispatcher asks the worker to replay the
journal now and then, so check-ins kept during an outage reach JHCIS on their own.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import queue
import threading
import time
from collections.abc import Callable

from kiosk import flow as f
from kiosk.effects import Effects

log = logging.getLogger(__name__)

Listener = Callable[[f.FlowState], None]
_STOP = object()


class Controller:
    def __init__(
        self,
        flow: f.Flow,
        effects: Effects,
        *,
        staff_pin: str | None = None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        replay_interval_s: float = 30.0,
    ) -> None:
        self.flow = flow
        self.effects = effects
        self._pin = staff_pin
        self._clock = clock
        self._replay_interval_s = replay_interval_s
        self._events: queue.Queue[object] = queue.Queue()
        self._commands: queue.Queue[object] = queue.Queue()
        self._state = flow.initial()  # what readers see
        self._current = self._state  # the dispatcher's own, a moment ahead
        self._state_lock = threading.Condition()
        self._listeners: list[Listener] = []
        self._deadline: float | None = None
        self._replay_queued = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running = False
        self._command_started: float | None = None  # monotonic, while the worker is busy

    # --- lifecycle ---

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        for name, target in (("kiosk-dispatch", self._dispatch), ("kiosk-worker", self._work)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        monitor = self.effects.services.monitor
        if monitor is not None:
            monitor.start(lambda: self.post(f.CardInserted()), lambda: self.post(f.CardRemoved()))
        self.effects.health.state(self._state.step.value)
        self.effects.health.journal_pending(
            self.effects.journal.pending_count() if self.effects.journal else 0
        )
        self.effects.health.flush()

    def stop(self, timeout: float = 5.0) -> None:
        """Graceful: the command in flight finishes (a visit half-opened is worse)."""
        if not self._running:
            return
        self._running = False
        monitor = self.effects.services.monitor
        if monitor is not None:
            monitor.stop()
        self._events.put(_STOP)
        self._commands.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self.effects.health.state("stopped")
        self.effects.health.close()

    # --- what the UI and the card monitor call ---

    def post(self, event: f.Event) -> None:
        self._events.put(event)

    def submit_pin(self, pin: str) -> None:
        """Compare the staff PIN here, in constant time; the flow only learns yes or no."""
        expected = self._pin
        ok = bool(expected) and hmac.compare_digest(pin.encode(), (expected or "").encode())
        self.post(f.StaffPinEntered(ok=ok))

    def healthy(self, max_command_s: float = 120.0) -> bool:
        """False when a thread died or one command has run far past every port's timeout:
        the app then stops its watchdog pings and systemd restarts the kiosk."""
        if not self._running or not all(t.is_alive() for t in self._threads):
            return False
        started = self._command_started
        return started is None or time.monotonic() - started < max_command_s

    @property
    def state(self) -> f.FlowState:
        with self._state_lock:
            return self._state

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Called on the dispatcher thread after each change; marshal to the UI thread."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def wait_for(
        self, predicate: Callable[[f.FlowState], bool], timeout: float = 5.0
    ) -> f.FlowState:
        end = time.monotonic() + timeout
        with self._state_lock:
            while not predicate(self._state):
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"flow stayed at {self._state.step.value}")
                self._state_lock.wait(left)
            return self._state

    # --- the two threads ---

    def _dispatch(self) -> None:
        next_replay = time.monotonic() + self._replay_interval_s
        while True:
            now = time.monotonic()
            wake = next_replay if self._deadline is None else min(self._deadline, next_replay)
            try:
                item = self._events.get(timeout=max(0.0, wake - now))
            except queue.Empty:
                now = time.monotonic()
                if self._deadline is not None and now >= self._deadline:
                    self._deadline = None
                    item = f.Timeout(self._current.seq)
                else:
                    next_replay = now + self._replay_interval_s
                    self._maybe_replay()
                    continue
            if item is _STOP:
                return
            assert isinstance(item, f.Event)
            self._apply(item)

    def _apply(self, event: f.Event) -> None:
        before = self._current
        try:
            transition = self.flow.handle(before, event, self._clock())
        except Exception:  # a flow bug must not leave the screen stuck with a patient's data
            log.exception("flow failed on %s", type(event).__name__)
            transition = f.Transition(self.flow.initial())
        state = transition.state
        if state.seq != before.seq:
            self._deadline = time.monotonic() + state.timeout_s if state.timeout_s else None
        self._current = state
        for command in transition.commands:
            self._commands.put(command)
        if state != before:
            self.effects.health.state(state.step.value)
            for listener in list(self._listeners):
                try:
                    listener(state)
                except Exception:
                    log.exception("state listener failed")
        with self._state_lock:  # published after the listeners: they see it first
            self._state = state
            self._state_lock.notify_all()

    def _maybe_replay(self) -> None:
        journal = self.effects.journal
        if journal is None or self._replay_queued.is_set():
            return
        if self._current.step == f.Step.IDLE and journal.pending_count() > 0:
            self._replay_queued.set()
            self._commands.put(f.ReplayJournal())

    def _work(self) -> None:
        while True:
            item = self._commands.get()
            if item is _STOP:
                return
            assert isinstance(item, f.Command)
            if isinstance(item, f.ReplayJournal):
                self._replay_queued.clear()
            self._command_started = time.monotonic()
            try:
                events = self.effects.perform(item)
            finally:
                self._command_started = None
            for event in events:
                self._events.put(event)
