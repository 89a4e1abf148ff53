"""How many live streams (boards and caller pages) one server holds open, and for whom.

Every stream is an open connection and a waiter on the hub. A leaked screen URL, or a
browser tab that reconnects in a loop, must not take a worker's connections from the
staff: each screen may hold :data:`PER_SCREEN` streams (a screen and a spare reload),
each staff account :data:`PER_USER`, the server :data:`TOTAL`. Beyond that the answer is
503 with ``Retry-After``; the browser's EventSource tries again by itself.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

PER_SCREEN = 3
PER_USER = 6
TOTAL = 64
RETRY_AFTER_S = 15


@dataclass
class Slot:
    """One open stream's place; given back once, however the stream ends."""

    owner: StreamSlots
    key: str
    released: bool = False

    def release(self) -> None:
        self.owner.give_back(self)


@dataclass
class StreamSlots:
    per_key: dict[str, int] = field(
        default_factory=lambda: {"screen": PER_SCREEN, "user": PER_USER}
    )
    total: int = TOTAL
    _open: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, kind: str, who: str) -> Slot | None:
        """A slot for one more stream of `who` (a screen's id, a username); None: full."""
        key = f"{kind}:{who}"
        with self._lock:
            if sum(self._open.values()) >= self.total or self._open[key] >= self.per_key[kind]:
                return None
            self._open[key] += 1
        return Slot(self, key)

    def give_back(self, slot: Slot) -> None:
        with self._lock:
            if slot.released:
                return
            slot.released = True
            self._open[slot.key] -= 1
            if self._open[slot.key] <= 0:
                del self._open[slot.key]

    def open_count(self) -> int:
        with self._lock:
            return sum(self._open.values())
