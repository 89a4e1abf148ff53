"""The voice as one observer of the flow: states in, clips out, on a thread of its own.

:meth:`Announcer.observe` is a controller listener. It runs on the dispatcher thread, so
it only works out the plan (:func:`kiosk.voice.cues.plan`, no I/O) and queues it; the
announcer's thread plays it. A new prompt cuts the one still playing short (the patient
has moved on) but waits for a tone to finish, so "card read" is heard before "choose".
During quiet hours prompts and reminders are skipped; tones still sound, since they are
short and tell the patient that the card was read or that something needs them.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import flow as f
from kiosk.voice.catalogue import Cue, Language, Prompt, Tone
from kiosk.voice.clips import ClipLibrary
from kiosk.voice.cues import Plan, plan
from kiosk.voice.player import Player
from kiosk.voice.settings import VoiceSettings

log = logging.getLogger(__name__)

TICK_S = 0.25  # how often a due reminder is looked for
TONE_WAIT_S = 1.0  # longest a prompt waits for a tone to end


@dataclass
class _Reminder:
    prompt: Prompt
    language: Language
    due: float  # monotonic


class _Flush:
    """A marker: set once everything queued before it has been played."""

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class Announcer:
    def __init__(
        self,
        library: ClipLibrary,
        player: Player,
        settings: VoiceSettings | None = None,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.library = library
        self.player = player
        self.settings = settings or VoiceSettings()
        self._quiet = self.settings.quiet
        self._clock = clock
        self._monotonic = monotonic
        self._queue: queue.Queue[object] = queue.Queue()
        self._last: f.FlowState | None = None
        self._reminder: _Reminder | None = None
        self._playing: Cue | None = None
        self._thread: threading.Thread | None = None

    # --- the dispatcher's side ---

    def follow(self, state: f.FlowState) -> None:
        """The state the flow is in before the first change this announcer hears of."""
        self._last = state

    def observe(self, state: f.FlowState) -> None:
        """Controller listener: never blocks, never raises for a sound problem."""
        self._queue.put(plan(self._last, state))
        self._last = state

    # --- lifecycle ---

    def start(self) -> Announcer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kiosk-voice", daemon=True)
            self._thread.start()
        return self

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was queued so far has been played (tests, the demo)."""
        marker = _Flush()
        self._queue.put(marker)
        if self._thread is None:
            self.run_pending()
        return marker.done.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Plays what is queued, then stops the clip in progress and the thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None
        self.player.stop()
        self.library.close()

    # --- the announcer's thread ---

    def _run(self) -> None:
        try:
            self.library.prepare()
        except Exception:  # a bad clip must not silence the rest, nor stop the kiosk
            log.exception("voice: preparing the clips failed")
        while True:
            try:
                item = self._queue.get(timeout=TICK_S if self._reminder else None)
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            self._handle(item)

    def run_pending(self) -> None:
        """Everything queued, then any reminder that is due, on the caller's thread."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self._handle(item)
        self._handle(None)

    def _handle(self, item: object) -> None:
        try:
            if isinstance(item, Plan):
                self._apply(item)
            elif isinstance(item, _Flush):
                item.done.set()
            self._remind()
        except Exception:  # the kiosk goes on without its voice rather than stopping
            log.exception("voice: playing failed")

    def _apply(self, step_plan: Plan) -> None:
        for cue in step_plan.cues:
            self._say(cue, step_plan.language)
        wanted = step_plan.reminder
        current = self._reminder
        if wanted is None:
            self._reminder = None
        elif current is None or (current.prompt, current.language) != (
            wanted,
            step_plan.language,
        ):
            length = self._say(wanted, step_plan.language)
            self._reminder = _Reminder(wanted, step_plan.language, self._next_after(length))

    def _remind(self) -> None:
        reminder = self._reminder
        if reminder is None or self._monotonic() < reminder.due or self.player.busy():
            return
        length = self._say(reminder.prompt, reminder.language)
        reminder.due = self._next_after(length)

    def _next_after(self, length_s: float) -> float:
        """When to say a reminder again: `repeat_s` of silence after this time's end."""
        return self._monotonic() + length_s + self.settings.repeat_s

    def _say(self, cue: Cue, language: Language) -> float:
        """Play `cue`; how long it lasts (0 when not played: quiet hours, no clip)."""
        if isinstance(cue, Prompt) and self._is_quiet():
            return 0.0
        if isinstance(self._playing, Tone) and self.player.busy():
            self.player.wait(TONE_WAIT_S)
        name = cue.file_name if isinstance(cue, Tone) else cue.file_name(language)
        clip = self.library.path(name)
        if clip is None:
            return 0.0
        self.player.play(clip)
        self._playing = cue
        return self.library.duration_s(name)

    def _is_quiet(self) -> bool:
        return self._quiet is not None and self._quiet.contains(self._clock().time())
