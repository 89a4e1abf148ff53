"""Quiet hours: a daily span of the clock, which may run past midnight ("20:00-08:00").

Reminders hold SMS and push inside them; the kiosk's voice keeps its spoken prompts
quiet inside them. One parser for both, and for the configuration's validation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
#: What turns quiet hours off.
OFF = frozenset({"", "off", "none"})


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: dt.time
    end: dt.time

    def contains(self, moment: dt.time) -> bool:
        """From `start` up to, not including, `end`."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"HH:MM-HH:MM"`` on the 24-hour clock; None for "", "off" or "none"."""
        text = text.strip()
        if text.lower() in OFF:
            return None
        match = _SPAN.match(text)
        if match is None:
            raise ValueError("quiet hours are HH:MM-HH:MM, for example 12:00-13:00 or 20:00-08:00")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        hours = cls(dt.time(h1, m1), dt.time(h2, m2))
        if hours.start == hours.end:
            raise ValueError("quiet hours start and end at the same minute")
        return hours
