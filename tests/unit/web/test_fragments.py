"""The queue's short-lived fragment cache: expiry, one build at a time, clearing."""

from __future__ import annotations

import threading
import time

from backoffice.web.fragments import FragmentCache


class Tick:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_expires_and_clears() -> None:
    tick = Tick()
    cache = FragmentCache(2.0, clock=tick)
    values = iter(["a", "b", "c"])
    assert cache.get("k", lambda: next(values)) == "a"
    tick.now = 1.9
    assert cache.get("k", lambda: next(values)) == "a"
    tick.now = 2.1
    assert cache.get("k", lambda: next(values)) == "b"
    cache.clear()
    assert cache.get("k", lambda: next(values)) == "c"
    assert cache.get("other", lambda: "x") == "x"


def test_disabled_with_zero_ttl() -> None:
    cache = FragmentCache(0)
    counter = iter(range(10))
    assert [cache.get("k", lambda: str(next(counter))) for _ in range(3)] == ["0", "1", "2"]


def test_concurrent_requests_share_one_build() -> None:
    cache = FragmentCache(5.0)
    started = threading.Event()
    calls = []

    def slow() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return "table"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("q", slow))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["table"] * 8
    assert len(calls) == 1 and cache.builds == 1
