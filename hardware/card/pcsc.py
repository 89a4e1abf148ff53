"""PC/SC through pyscard's thin ``smartcard.scard`` layer.

SHARED mode and one short transaction per read, so that another program on the
kiosk (the NHSO agent) can use the same reader between our reads. Every PC/SC
result code is turned into a :mod:`hardware.card.errors` class here and nowhere
else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from smartcard import scard

from .errors import (
    CardError,
    CardReadFailed,
    CardRemoved,
    NoCard,
    NoReader,
    ReaderServiceDown,
)

log = logging.getLogger(__name__)

# How long a failed exchange waits for pcscd to report a removal before calling
# the failure a read error: removals reach pcscd through the driver's presence
# polling, which can lag the failed exchange by a few hundred milliseconds.
REMOVAL_GRACE_MS = 800

_SERVICE_DOWN = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}
_CARD_GONE = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD}


class ReaderBusy(CardReadFailed):
    """Another program holds the reader exclusively."""

    code = "card_reader_busy"
    message_th = "เครื่องอ่านบัตรกำลังถูกใช้งาน กรุณารอสักครู่แล้วลองใหม่"
    message_en = "The card reader is busy. Please wait a moment and try again."


class CardReset(CardReadFailed):
    """Another program reset the card under us; a fresh connection usually works."""


def hresult_text(hresult: int) -> str:
    return f"0x{hresult & 0xFFFFFFFF:08X}"


def error_for(hresult: int, what: str) -> CardError:
    """The card error a PC/SC result stands for."""
    detail = f"{what}: {hresult_text(hresult)}"
    if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
        return NoReader(detail)
    if hresult in _SERVICE_DOWN:
        return ReaderServiceDown(detail)
    if hresult in _READER_GONE:
        return NoReader(detail)
    if hresult in _CARD_GONE:
        return CardRemoved(detail)
    if hresult == scard.SCARD_E_SHARING_VIOLATION:
        return ReaderBusy(detail)
    if hresult == scard.SCARD_W_RESET_CARD:
        return CardReset(detail)
    return CardReadFailed(detail)


def _check(hresult: int, what: str) -> None:
    if hresult != scard.SCARD_S_SUCCESS:
        raise error_for(hresult, what)


@dataclass(frozen=True)
class ReaderState:
    reader: str
    flags: int
    atr: bytes

    @property
    def present(self) -> bool:
        return bool(self.flags & scard.SCARD_STATE_PRESENT) and not self.flags & (
            scard.SCARD_STATE_MUTE
        )

    @property
    def gone(self) -> bool:
        """The reader itself has disappeared (unplugged)."""
        return bool(self.flags & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE))


def pick_reader(readers: list[str], wanted: str | None) -> str:
    """Exact name, else the first name containing ``wanted``; NoReader if none."""
    if not wanted:
        if not readers:
            raise NoReader("no reader connected")
        return readers[0]
    if wanted in readers:
        return wanted
    for name in readers:
        if wanted.lower() in name.lower():
            return name
    raise NoReader("configured reader not connected")


class _Closing:
    """``with`` support for handles that must be released."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class PcscContext(_Closing):
    """A PC/SC resource-manager context (one per thread that blocks on it)."""

    def __init__(self) -> None:
        hresult, self.handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        _check(hresult, "establish context")

    def close(self) -> None:
        if self.handle is not None:
            scard.SCardReleaseContext(self.handle)
            self.handle = None

    def cancel(self) -> None:
        """Wake a blocking :meth:`status_change` in another thread."""
        if self.handle is not None:
            scard.SCardCancel(self.handle)

    def readers(self) -> list[str]:
        hresult, names = scard.SCardListReaders(self.handle, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check(hresult, "list readers")
        return list(names)

    def status_change(
        self, states: list[tuple[str, int]], timeout_ms: int
    ) -> list[ReaderState] | None:
        """Block until a reader differs from the given states; None on timeout."""
        hresult, new = scard.SCardGetStatusChange(self.handle, timeout_ms, states)
        if hresult in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            return None
        _check(hresult, "status")
        return [
            ReaderState(name, flags & ~scard.SCARD_STATE_CHANGED, bytes(atr))
            for name, flags, atr in new
        ]

    def states(self, readers: list[str]) -> list[ReaderState]:
        """Current state of each reader, without waiting."""
        result = self.status_change([(r, scard.SCARD_STATE_UNAWARE) for r in readers], 0)
        return result or []

    def pick_reader_with_card(self, wanted: str | None) -> str:
        """The reader to read from: as configured, else the first one holding a card."""
        readers = self.readers()
        if wanted:
            return pick_reader(readers, wanted)
        if not readers:
            raise NoReader("no reader connected")
        for state in self.states(readers):
            if state.present:
                return state.reader
        raise NoCard("no card in any reader")

    def connect(self, reader: str) -> PcscTransport:
        return PcscTransport(self, reader)


class PcscTransport(_Closing):
    """A SHARED connection to the card in one reader."""

    def __init__(self, context: PcscContext, reader: str) -> None:
        self.context = context
        self.reader = reader
        hresult, self.handle, self.protocol = scard.SCardConnect(
            context.handle,
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if hresult in _CARD_GONE:
            raise NoCard(f"connect: {hresult_text(hresult)}")
        _check(hresult, "connect")
        self._atr = self._read_atr()

    def _read_atr(self) -> bytes:
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(self.handle)
        self._check(hresult, "status")
        return bytes(atr)

    @property
    def atr(self) -> bytes:
        return self._atr

    def close(self) -> None:
        if self.handle is not None:
            scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
            self.handle = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._check(scard.SCardBeginTransaction(self.handle), "begin transaction")
        try:
            yield
        finally:
            scard.SCardEndTransaction(self.handle, scard.SCARD_LEAVE_CARD)

    def transmit(self, apdu: bytes) -> bytes:
        hresult, response = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        self._check(hresult, "transmit")
        if len(response) < 2 and self._card_left():
            # some drivers (vpcd among them) report a pulled card as an empty answer
            raise CardRemoved("transmit: empty response")
        return bytes(response)

    def _check(self, hresult: int, what: str) -> None:
        if hresult == scard.SCARD_S_SUCCESS:
            return
        error = error_for(hresult, what)
        if type(error) is CardReadFailed and self._card_left():
            error = CardRemoved(error.detail)
        raise error

    def _card_left(self) -> bool:
        """After a failed exchange: did the card leave (reported within the grace)?"""
        state = (self.reader, scard.SCARD_STATE_PRESENT)
        try:
            changed = self.context.status_change([state], REMOVAL_GRACE_MS)
        except CardError:
            return True
        current = changed[0] if changed else None
        return current is not None and not current.present


def wait_for_card(reader_name: str | None, *, present: bool = True, timeout_s: float = 5.0) -> bool:
    """Block (without polling) until the reader does or does not hold a card.

    True when the wanted state was reached within ``timeout_s``. Useful after a
    virtual card is inserted or removed: pcscd learns of it a moment later.
    """
    deadline = time.monotonic() + timeout_s
    with PcscContext() as context:
        while True:
            try:
                reader = pick_reader(context.readers(), reader_name)
            except NoReader:
                return False
            state = context.states([reader])
            if state and state[0].present == present:
                return True
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return False
            flags = state[0].flags if state else scard.SCARD_STATE_UNAWARE
            context.status_change([(reader, flags)], remaining_ms)
