"""The shared token bucket, counted with an injected clock (no timed assertions)."""

from __future__ import annotations

import threading

import pytest

from integrations.nhso.ratelimit import TokenBucket, shared_limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_then_one_token_per_interval() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5, clock=clock, sleep=clock.sleep)
    assert sum(bucket.try_acquire() for _ in range(20)) == 5  # the saved-up burst
    clock.now += 1.0
    assert sum(bucket.try_acquire() for _ in range(20)) == 5  # one second buys five
    clock.now += 0.25
    assert bucket.try_acquire() is True
    assert bucket.try_acquire() is False


def test_acquire_waits_the_exact_shortfall() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, burst=1, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        assert bucket.acquire() is True
    # 1 free token, then 4 more at 2/s: the clock moved 2 seconds in total.
    assert clock.now == pytest.approx(2.0)
    assert all(s == pytest.approx(0.5) for s in clock.slept)


def test_acquire_with_timeout_gives_up_without_taking() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1, clock=clock, sleep=clock.sleep)
    assert bucket.acquire() is True
    assert bucket.acquire(timeout=0.5) is False
    assert clock.slept == []
    assert bucket.wait_time() == pytest.approx(1.0)


def test_set_rate_retunes_and_caps_saved_tokens() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleep=clock.sleep)
    bucket.set_rate(1)
    assert sum(bucket.try_acquire() for _ in range(20)) == 1
    with pytest.raises(ValueError, match="positive"):
        bucket.set_rate(0)
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(-1)


def test_threads_share_one_budget() -> None:
    clock = FakeClock()
    bucket = TokenBucket(3, burst=7, clock=clock, sleep=clock.sleep)
    taken: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            ok = bucket.try_acquire()
            with lock:
                taken.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(taken) == 7  # never more than the burst, however many callers


def test_shared_limiter_is_one_per_process() -> None:
    first = shared_limiter(5)
    assert shared_limiter(5) is first
    again = shared_limiter(7)
    assert again is first and first.rate == 7
    shared_limiter(5)
