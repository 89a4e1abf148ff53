"""Card presence for the kiosk's main loop: inserted / removed events.

One thread blocks in ``SCardGetStatusChange`` for the watched reader with a
timeout (``poll_s``) so that it notices ``stop()``; nothing polls in a busy loop.
A card must stay in for ``settle_s`` before it is reported inserted (readers and
hands bounce). While the reader is missing (unplugged, pcscd restarting) the
monitor re-checks once per ``retry_s`` and reports a removal if a card had been
reported; when the reader comes back, watching resumes by itself. With
``reader_events`` the monitor also says so: ``reader_absent`` when the reader goes (or
is missing at start, or pcscd is unreachable) and ``reader_present`` when it is found,
each once per change, so a kiosk can tell its idle screen at once.

Delivery: if ``on_event`` is given it is called on the monitor thread; otherwise
events are queued and :meth:`CardMonitor.wait_event` blocks for the next one.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from smartcard import scard

from .errors import CardError, NoReader, ReaderServiceDown
from .pcsc import PcscContext, ReaderState, pick_reader

log = logging.getLogger(__name__)


class CardEventKind(enum.StrEnum):
    INSERTED = "inserted"
    REMOVED = "removed"
    READER_PRESENT = "reader_present"  # only with reader_events=True
    READER_ABSENT = "reader_absent"


@dataclass(frozen=True)
class CardEvent:
    kind: CardEventKind
    reader: str
    atr: bytes = b""
    at: float = 0.0  # time.monotonic() when the event was decided


class StatusSource(Protocol):
    """What the monitor needs from PC/SC (:class:`PcscContext` is one)."""

    def readers(self) -> list[str]: ...

    def status_change(
        self, states: list[tuple[str, int]], timeout_ms: int
    ) -> list[ReaderState] | None: ...

    def states(self, readers: list[str]) -> list[ReaderState]: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


class CardMonitor:
    """Watches one reader (exact name or substring; None = the first one)."""

    def __init__(
        self,
        reader: str | None = None,
        *,
        settle_s: float = 0.5,
        poll_s: float = 1.0,
        retry_s: float = 1.0,
        on_event: Callable[[CardEvent], None] | None = None,
        source_factory: Callable[[], StatusSource] = PcscContext,
        reader_events: bool = False,
    ) -> None:
        self.reader = reader or None
        self.settle_s = settle_s
        self.poll_s = poll_s
        self.retry_s = retry_s
        self.on_event = on_event
        self._factory = source_factory
        self._events: queue.Queue[CardEvent] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._source: StatusSource | None = None
        self.present = False  # a card has been reported inserted and not yet removed
        self.reader_name: str | None = None  # the reader being watched, None while missing
        self.reader_events = reader_events
        self._reader_known: bool | None = None  # last reader presence reported

    def start(self) -> CardMonitor:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="card-monitor", daemon=True)
            self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        source = self._source
        if source is not None:
            try:
                source.cancel()
            except Exception:  # the context may already be gone
                log.debug("cancel failed", exc_info=True)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> CardMonitor:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def wait_event(self, timeout: float | None = None) -> CardEvent | None:
        """The next event, or None after ``timeout`` seconds (only without on_event)."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    # -- the thread --------------------------------------------------------------

    def _emit(self, kind: CardEventKind, reader: str, atr: bytes = b"") -> None:
        if kind in (CardEventKind.INSERTED, CardEventKind.REMOVED):
            self.present = kind is CardEventKind.INSERTED
        event = CardEvent(kind, reader, atr, time.monotonic())
        log.info("card %s (%s)", kind.value, reader)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:  # a faulty consumer must not kill the monitor
                log.exception("card event handler failed")
        else:
            self._events.put(event)

    def _lost(self, reader: str | None) -> None:
        if self.present:
            self._emit(CardEventKind.REMOVED, reader or "")
        self.reader_name = None
        self._reader_is(False, reader or self.reader or "")

    def _found(self, reader: str) -> None:
        self.reader_name = reader
        self._reader_is(True, reader)

    def _reader_is(self, present: bool, reader: str) -> None:
        """Report a change of reader presence (reader_name is already set)."""
        if self._reader_known is present:
            return
        self._reader_known = present
        if self.reader_events:
            kind = CardEventKind.READER_PRESENT if present else CardEventKind.READER_ABSENT
            self._emit(kind, reader)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._source is None:
                    self._source = self._factory()
                reader = pick_reader(self._source.readers(), self.reader)
            except CardError as exc:
                if not isinstance(exc, NoReader) or isinstance(exc, ReaderServiceDown):
                    self._close_source()
                self._lost(self.reader_name)
                self._stop.wait(self.retry_s)
                continue
            self._found(reader)
            try:
                self._watch(self._source, reader)
            except CardError as exc:
                log.info("card reader lost (%s)", exc.code)
                self._close_source()
            if self._stop.is_set():
                break
            self._lost(reader)
            self._stop.wait(self.retry_s)
        self._close_source()

    def _close_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except Exception:
                log.debug("close failed", exc_info=True)

    def _watch(self, source: StatusSource, reader: str) -> None:
        """Follow one reader until it disappears or the monitor stops."""
        known = scard.SCARD_STATE_UNAWARE
        timeout_ms = max(1, int(self.poll_s * 1000))
        while not self._stop.is_set():
            states = source.status_change([(reader, known)], timeout_ms)
            if states is None:
                continue
            state = states[0]
            swapped = self.present and state.present and _events_between(known, state.flags) >= 2
            known = state.flags
            if state.gone:
                return
            if swapped:  # out and in again between two looks: a new card, maybe another
                self._emit(CardEventKind.REMOVED, reader)
            if state.present and not self.present:
                if self._stop.wait(self.settle_s):
                    return
                now = source.states([reader])
                if not now or now[0].gone:
                    return
                known = now[0].flags
                if now[0].present:
                    self._emit(CardEventKind.INSERTED, reader, now[0].atr)
            elif not state.present and self.present:
                self._emit(CardEventKind.REMOVED, reader)


def _events_between(before: int, after: int) -> int:
    """Card events pcscd counted between two states (the upper 16 bits of the flags)."""
    return ((after >> 16) - (before >> 16)) & 0xFFFF
