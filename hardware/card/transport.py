"""The seam between the APDU logic and a reader: one ``transmit()``.

:class:`PcscTransport` (in :mod:`hardware.card.pcsc`) is the real thing. Here are
the pieces tests and the benchmark put in front of or instead of it: a counter, a
recorder that writes a trace, and a strict replayer of such a trace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from common.private_files import write_private

from .errors import CardRemoved


@runtime_checkable
class Transport(Protocol):
    """A connected card: its ATR and a command -> response (with SW1 SW2) exchange."""

    @property
    def atr(self) -> bytes: ...

    def transmit(self, apdu: bytes) -> bytes: ...


class CountingTransport:
    """Counts the exchanges that go through it."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.exchanges = 0

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    def transmit(self, apdu: bytes) -> bytes:
        self.exchanges += 1
        return self.inner.transmit(apdu)


@dataclass
class Trace:
    """An ATR and the exchanges of one session, in order, as hex in JSON."""

    atr: bytes
    exchanges: list[tuple[bytes, bytes]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "atr": self.atr.hex(" ").upper(),
                "exchanges": [
                    {"command": c.hex(" ").upper(), "response": r.hex(" ").upper()}
                    for c, r in self.exchanges
                ],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Trace:
        data = json.loads(text)
        return cls(
            atr=bytes.fromhex(data["atr"]),
            exchanges=[
                (bytes.fromhex(e["command"]), bytes.fromhex(e["response"]))
                for e in data["exchanges"]
            ],
        )

    def save(self, path: Path) -> None:
        write_private(path, (self.to_json() + "\n").encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> Trace:
        return cls.from_json(path.read_text(encoding="utf-8"))


class RecordingTransport:
    """Passes exchanges through and keeps them in :attr:`trace`."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.trace = Trace(inner.atr)

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    def transmit(self, apdu: bytes) -> bytes:
        response = self.inner.transmit(apdu)
        self.trace.exchanges.append((bytes(apdu), response))
        return response


class ReplayMismatch(AssertionError):
    """The code under test sent something other than what the trace holds."""


class ReplayTransport:
    """Answers from a trace, strictly in order; any other command is a test failure.

    When the trace runs out, the card behaves as removed (``CardRemoved``), which is
    how a trace cut short replays a card pulled mid-read.
    """

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.position = 0

    @property
    def atr(self) -> bytes:
        return self.trace.atr

    @property
    def exhausted(self) -> bool:
        return self.position >= len(self.trace.exchanges)

    def transmit(self, apdu: bytes) -> bytes:
        if self.exhausted:
            raise CardRemoved("trace ended")
        expected, response = self.trace.exchanges[self.position]
        if bytes(apdu) != expected:
            raise ReplayMismatch(
                f"exchange {self.position}: sent {bytes(apdu).hex()} expected {expected.hex()}"
            )
        self.position += 1
        return response
