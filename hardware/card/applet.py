"""The card side: a Thai ID card's MOI applet answering APDUs from memory.

:class:`ThaiIdApplet` is pure (bytes in, bytes out) so that the vpcd client
(:mod:`hardware.card.virtual`) and the fast unit tests share one card model.
Faults make it misbehave the ways real cards and readers do.
"""

from __future__ import annotations

import enum

from .errors import CardRemoved
from .layout import CID, MOI_AID, NHSO_AID, SEX
from .profile import CardProfile, build_memory, build_nhso_memory


class Fault(enum.StrEnum):
    NONE = "none"
    WRONG_SW = "wrong-sw"  # READ BINARY answers 6F 00
    SHORT_READ = "short-read"  # GET RESPONSE returns fewer bytes than asked, with 90 00
    MALFORMED = "malformed"  # GET RESPONSE answers one byte: no status word
    GARBAGE = "garbage"  # the identity bytes are scrambled (CID letters, sex 7)
    BAD_CID = "bad-cid"  # the CID's check digit is wrong
    NOT_THAI = "not-thai"  # SELECT of the MOI applet answers 6A 82
    DROP = "drop"  # the card is pulled after the select and the first read


class CardPulled(Exception):
    """Raised by the applet to tell its host that the card has left the reader."""


_SW_OK = b"\x90\x00"
_DROP_AFTER = 3  # exchanges before a DROP card disappears: SELECT, READ, GET RESPONSE


class ThaiIdApplet:
    def __init__(self, profile: CardProfile, fault: Fault = Fault.NONE) -> None:
        self.profile = profile
        self.atr = profile.atr
        self.exchanges = 0
        self.fault = fault
        self.reset()

    @property
    def fault(self) -> Fault:
        return self._fault

    @fault.setter
    def fault(self, fault: Fault) -> None:
        self._fault = fault
        memory = bytearray(build_memory(self.profile))
        if fault is Fault.GARBAGE:
            memory[CID.offset : CID.end] = b"ABCDEFGHIJKLM"
            memory[SEX.offset : SEX.end] = b"7"
        elif fault is Fault.BAD_CID:
            last = memory[CID.end - 1]
            memory[CID.end - 1] = (last - 0x30 + 1) % 10 + 0x30
        self.memory = bytes(memory)
        self.nhso_memory = build_nhso_memory(self.profile)

    def reset(self) -> None:
        """Power cycle: nothing selected, nothing pending; a pulled card stays pulled."""
        self.selected: bytes | None = None  # the memory of the selected applet
        self._pending = b""

    def process(self, apdu: bytes) -> bytes:
        """One command APDU -> response APDU (data + SW1 SW2)."""
        self.exchanges += 1
        if self.fault is Fault.DROP and self.exchanges > _DROP_AFTER:
            raise CardPulled
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        if (cla, ins) == (0x00, 0xA4):
            return self._select(apdu)
        if (cla, ins) == (0x80, 0xB0):
            return self._read(apdu, (p1 << 8) | p2)
        if (cla, ins) == (0x00, 0xC0):
            return self._get_response(apdu)
        return b"\x6d\x00"

    def _select(self, apdu: bytes) -> bytes:
        aid = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        self._pending = b""
        self.selected = None
        if aid == MOI_AID and self.fault is not Fault.NOT_THAI:
            self.selected = self.memory
        elif aid == NHSO_AID and self.nhso_memory is not None:
            self.selected = self.nhso_memory
        else:
            return b"\x6a\x82"
        return b"\x61\x0a"

    def _read(self, apdu: bytes, offset: int) -> bytes:
        memory = self.selected
        if memory is None:
            return b"\x69\x86"
        if len(apdu) != 7 or apdu[4] != 0x02:
            return b"\x67\x00"
        length = apdu[6] or 0x100
        if offset + length > len(memory):
            return b"\x6b\x00"
        if self.fault is Fault.WRONG_SW:
            return b"\x6f\x00"
        self._pending = memory[offset : offset + length]
        return bytes([0x61, len(self._pending) & 0xFF])

    def _get_response(self, apdu: bytes) -> bytes:
        expected_p2 = 0x01 if self.atr[:2] == b"\x3b\x67" else 0x00
        if len(apdu) != 5 or apdu[3] != expected_p2:
            return b"\x6b\x00"
        if not self._pending:
            return b"\x69\x85"
        if self.fault is Fault.MALFORMED:
            return b"\x90"
        want = apdu[4] or 0x100
        if want > len(self._pending):
            return bytes([0x6C, len(self._pending) & 0xFF])
        data, self._pending = self._pending[:want], self._pending[want:]
        if self.fault is Fault.SHORT_READ:
            data = data[: max(0, len(data) - 10)]
        if self._pending:
            return data + bytes([0x61, len(self._pending) & 0xFF])
        return data + _SW_OK


class AppletTransport:
    """An applet in memory as a :class:`~hardware.card.transport.Transport`."""

    def __init__(self, applet: ThaiIdApplet) -> None:
        self.applet = applet

    @property
    def atr(self) -> bytes:
        return self.applet.atr

    def transmit(self, apdu: bytes) -> bytes:
        try:
            return self.applet.process(bytes(apdu))
        except CardPulled:
            raise CardRemoved("card pulled") from None
