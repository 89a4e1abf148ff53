"""The kiosk's quiet moment: when a reboot interrupts nobody.

The kiosk writes its flow step and when it entered it into its health file
(``kiosk/health.py``: ``state``, ``state_since``). A reboot is allowed when the kiosk
has been on its idle screen (nobody at it, no check-in in flight) for a while, or when
it is not running at all (stopped, or never started: nobody can be checking in).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

QUIET_STATES = frozenset({"idle", "stopped"})


class IdleWindow:
    def __init__(
        self,
        health_file: Path,
        quiet_for_s: float,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.health_file = health_file
        self.quiet_for_s = quiet_for_s
        self._clock = clock

    def why_not(self) -> str | None:
        """None when a reboot may happen now, else what the kiosk is doing (for the log)."""
        try:
            health = json.loads(self.health_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None  # the kiosk never ran on this boot's data: nobody is at it
        except (ValueError, OSError):
            return "health file unreadable"
        state = str(health.get("state") or "")
        if state not in QUIET_STATES:
            return f"kiosk busy ({state or 'unknown'})"
        since = _parse(health.get("state_since")) or _parse(health.get("updated_at"))
        if since is None:
            return "kiosk state has no time"
        quiet = (self._clock() - since).total_seconds()
        if quiet < self.quiet_for_s:
            return f"kiosk {state} for {quiet:.0f} s of {self.quiet_for_s:.0f} s"
        return None


def _parse(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
