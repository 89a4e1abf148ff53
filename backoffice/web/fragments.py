"""A very short-lived cache of page fragments every signed-in user sees the same way.

Every staff PC polls today's queue; the table is the same for all of them, so it is
built (one query, one render) at most once per `ttl_s` per day and language, with
concurrent requests waiting for the one build instead of repeating it. Writes made
through the backoffice clear it; the kiosk's own writes show up within `ttl_s`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class FragmentCache:
    def __init__(self, ttl_s: float = 2.0, *, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, str]] = {}
        self._building: dict[Hashable, threading.Lock] = {}
        self.builds = 0

    def get(self, key: Hashable, build: Callable[[], str]) -> str:
        if self.ttl_s <= 0:
            return build()
        with self._lock:
            fresh = self._fresh(key)
            if fresh is not None:
                return fresh
            gate = self._building.setdefault(key, threading.Lock())
        with gate:  # one build per key at a time; the others take its result
            with self._lock:
                fresh = self._fresh(key)
                if fresh is not None:
                    return fresh
            value = build()
            with self._lock:
                self._entries[key] = (self.clock() + self.ttl_s, value)
                self.builds += 1
            return value

    def _fresh(self, key: Hashable) -> str | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock():
            return entry[1]
        return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
