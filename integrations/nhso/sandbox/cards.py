"""Where the sandbox agent's "card in the reader" comes from.

By default a fixed citizen ID that tests and the demo insert and remove at will; on
request the real reader through PC/SC (``hardware.card``, imported only then), so a
virtual card in vpcd or a real card shows up in the sandbox's /read.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardView:
    """What the sandbox needs of a card: the CID, and the card's own data when known."""

    cid: str
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    birth_be: str = ""  # yyyyMMdd, Buddhist era, 00 for unknown parts
    sex: str = ""  # ชาย / หญิง
    insertion: int = 0  # changes each time a card is inserted, where the source knows


class CardSource(Protocol):
    def reader_present(self) -> bool: ...

    def current(self) -> CardView | None:
        """The card in the reader now, or None."""
        ...


class FixedCard:
    """A card that is inserted and removed by calling methods (tests, the demo)."""

    def __init__(self, cid: str | None = None) -> None:
        self._lock = threading.Lock()
        self._insertions = 1
        self._card = CardView(cid, insertion=1) if cid else None
        self._reader = True

    def insert(self, cid: str) -> None:
        with self._lock:
            self._insertions += 1
            self._card = CardView(cid, insertion=self._insertions)

    def remove(self) -> None:
        with self._lock:
            self._card = None

    def set_reader(self, present: bool) -> None:
        with self._lock:
            self._reader = present

    def reader_present(self) -> bool:
        with self._lock:
            return self._reader

    def current(self) -> CardView | None:
        with self._lock:
            return self._card if self._reader else None


class PcscCard:
    """The card in a real PC/SC reader, read with hardware.card on every request."""

    def __init__(self, reader_name: str | None = None) -> None:
        self.reader_name = reader_name or None
        self._reader = True

    def reader_present(self) -> bool:
        self.current()
        return self._reader

    def current(self) -> CardView | None:
        from hardware.card.reader import read_card  # only when the sandbox is asked to

        try:
            data = read_card(self.reader_name, photo=False)
        except Exception as exc:  # any card failure is "no card" to the agent
            self._reader = type(exc).__name__ not in {"NoReader", "ReaderServiceDown"}
            log.info("sandbox card source: no card (%s)", type(exc).__name__)
            return None
        self._reader = True
        return view_of(data)


def view_of(data: Any) -> CardView:
    birth = getattr(data, "birth_date", None)
    birth_be = ""
    if birth is not None:
        birth_be = f"{birth.year + 543:04d}{birth.month or 0:02d}{birth.day or 0:02d}"
    sex = {"male": "ชาย", "female": "หญิง"}.get(str(getattr(data, "sex", "")), "")
    return CardView(
        cid=str(data.cid),
        title=str(getattr(data, "title_th", "") or ""),
        first_name=str(getattr(data, "first_name_th", "") or ""),
        last_name=str(getattr(data, "last_name_th", "") or ""),
        birth_be=birth_be,
        sex=sex,
    )
