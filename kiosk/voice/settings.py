"""The voice's settings: ``[kiosk.voice]`` of the configuration (common.config.VoiceSettings).

Quiet hours are parsed by :mod:`common.quiet_hours`, the same rule the reminders use.
"""

from __future__ import annotations

from common.config import Settings, VoiceSettings
from common.quiet_hours import QuietHours

__all__ = ["QuietHours", "VoiceSettings", "voice_settings"]


def voice_settings(settings: Settings) -> VoiceSettings:
    return settings.kiosk.voice
