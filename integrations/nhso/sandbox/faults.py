"""Switches that make the sandbox misbehave the ways NHSO and the agent do."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Faults:
    latency_s: float = 0.0  # wait before answering
    timeout: bool = False  # hang before doing anything, then drop the connection
    lose_answer: bool = False  # do the work (save the code), then hang and drop
    server_error: bool = False  # HTTP 503
    malformed: bool = False  # HTTP 200 with a body that is not JSON
    garble_answer: bool = False  # do the work (import the files), then HTTP 200 not JSON
    rate_limit: bool = False  # HTTP 429
    token_invalid: bool = False  # answer as NHSO does to a wrong or expired token
    duplicate: bool = False  # e-Claim send: answer "already imported" (HTTP 409)
    client_error: int = 0  # this HTTP 4xx status (400..499) with a Spring error body
    hang_s: float = 30.0  # how long timeout / lose_answer hang (stop() cuts it short)
    paths: tuple[str, ...] = ()  # only requests whose path contains one of these
    count: int | None = None  # only this many matching requests, then all clear
    skip: int = 0  # let this many matching requests through first

    @property
    def active(self) -> bool:
        return any(
            (
                self.latency_s > 0,
                self.timeout,
                self.lose_answer,
                self.server_error,
                self.malformed,
                self.garble_answer,
                self.rate_limit,
                self.token_invalid,
                self.duplicate,
                self.client_error > 0,
            )
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault switches: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            values[name] = _coerce(name, value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["paths"] = list(self.paths)
        return data


class FaultSwitch:
    """The current faults, shared by the request threads; `take` spends one use."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = faults or Faults()

    def get(self) -> Faults:
        with self._lock:
            return self._faults

    def set(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults

    def update(self, **changes: Any) -> Faults:
        with self._lock:
            merged = self._faults.to_dict() | changes
            self._faults = Faults.from_dict(merged)
            return self._faults

    def clear(self) -> None:
        self.set(Faults())

    def take(self, path: str) -> Faults | None:
        """The faults that apply to this request (None when none)."""
        with self._lock:
            faults = self._faults
            if not faults.active:
                return None
            if faults.paths and not any(p in path for p in faults.paths):
                return None
            if faults.skip > 0:
                self._faults = replace(faults, skip=faults.skip - 1)
                return None
            if faults.count is not None:
                remaining = faults.count - 1
                self._faults = Faults() if remaining <= 0 else replace(faults, count=remaining)
            return faults


_FLOATS = {"latency_s", "hang_s"}
_INTS = {"skip"}


def _coerce(name: str, value: Any) -> Any:
    """Control-panel JSON to typed switches; a wrong type is an error, not a surprise later."""
    if name == "paths":
        if isinstance(value, str):
            return (value,)
        if value is None or (
            isinstance(value, list | tuple) and all(isinstance(p, str) for p in value)
        ):
            return tuple(value or ())
    elif name == "count":
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            return value
    elif name == "client_error":
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (value == 0 or 400 <= value < 500)
        ):
            return value
    elif name in _INTS:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    elif name in _FLOATS:
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    elif isinstance(value, bool):
        return value
    raise ValueError(f"bad value for fault switch {name}")
