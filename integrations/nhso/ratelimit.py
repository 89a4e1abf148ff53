"""One request budget for the whole process.

NHSO's web APIs are slow and throttle clients (reference §5.9), and the agent talks
to them on every read; the kiosk, the claim-code sync and the backoffice all share
one token bucket so that batch work can never starve or flood. The clock and the
sleep are injectable so tests count tokens instead of timing them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Thread-safe token bucket: `rate` tokens a second, at most `burst` saved up."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._rate = rate
        self._burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self._burst
        self._last = clock()

    @property
    def rate(self) -> float:
        return self._rate

    def set_rate(self, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        with self._lock:
            self._refill()
            self._rate = rate
            self._burst = burst if burst is not None else max(1.0, rate)
            self._tokens = min(self._tokens, self._burst)

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)

    def try_acquire(self) -> bool:
        """Take one token if one is there; never waits."""
        with self._lock:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def wait_time(self) -> float:
        """Seconds until a token will be there (0 when one is)."""
        with self._lock:
            self._refill()
            return max(0.0, (1.0 - self._tokens) / self._rate)

    def acquire(self, timeout: float | None = None) -> bool:
        """Take one token, waiting for it; False if it would take longer than `timeout`."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return True
                wait = (1.0 - self._tokens) / self._rate
            if timeout is not None and waited + wait > timeout:
                return False
            # Sleep outside the lock so other threads can refill and race fairly.
            self._sleep(wait)
            waited += wait


_shared: TokenBucket | None = None
_shared_lock = threading.Lock()


def shared_limiter(rate_per_second: float) -> TokenBucket:
    """The process-wide bucket; a later caller with another rate retunes it."""
    global _shared  # noqa: PLW0603 - one bucket per process is the point
    with _shared_lock:
        if _shared is None:
            _shared = TokenBucket(rate_per_second)
        elif _shared.rate != rate_per_second:
            _shared.set_rate(rate_per_second)
        return _shared
