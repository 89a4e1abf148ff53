"""What every route of the MOPH sandbox shares: the request as routes see it, the faults.

:class:`Call` is one request (method, path, query, JSON body, the bearer presented and
whether it is a live token of the sandbox) with the answer function.

The fault switches apply to every route it serves.

``POST /_sandbox/faults`` replaces them all (``{}`` clears): ``server_error`` (HTTP 503
before anything is handled), ``delay_s`` (wait before handling), and counters that
fire once each: ``rate_limit`` (HTTP 429, nothing handled), ``reject`` (an upload is
refused with ``MessageCode`` 400), ``lose_answer`` (the request is handled, then the
connection is closed without an answer, as when a reply is lost on the way back).
``paths``: the faults apply only to paths containing one of these (default: every
path outside the control panel).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

COUNTERS = ("rate_limit", "reject", "lose_answer")


@dataclass
class Faults:
    server_error: bool = False
    delay_s: float = 0.0
    rate_limit: int = 0
    reject: int = 0
    lose_answer: int = 0
    paths: tuple[str, ...] = ()
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_body(cls, data: dict[str, Any]) -> Faults:
        return cls(
            server_error=bool(data.get("server_error")),
            delay_s=float(data.get("delay_s") or 0.0),
            rate_limit=int(data.get("rate_limit") or 0),
            reject=int(data.get("reject") or 0),
            lose_answer=int(data.get("lose_answer") or 0),
            paths=tuple(str(p) for p in data.get("paths") or ()),
        )

    def applies(self, path: str) -> bool:
        return not self.paths or any(p in path for p in self.paths)

    def take(self, name: str, path: str) -> bool:
        """Fire the counter `name` once for `path`, if it is armed."""
        assert name in COUNTERS
        if not self.applies(path):
            return False
        with self.lock:
            left = int(getattr(self, name))
            if left <= 0:
                return False
            setattr(self, name, left - 1)
            return True


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    bearer: str
    jwt_ok: bool
    reply: Callable[[int, Any], None]
    faults: Faults

    def arg(self, name: str) -> str:
        return (self.query.get(name) or [""])[0]
