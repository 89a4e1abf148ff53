"""From settings to a speaking kiosk: the announcer, subscribed to the controller."""

from __future__ import annotations

import logging

from common.config import Settings
from kiosk.controller import Controller
from kiosk.voice.announcer import Announcer
from kiosk.voice.clips import ClipLibrary, clip_dirs
from kiosk.voice.player import AplayPlayer, Player
from kiosk.voice.settings import voice_settings

log = logging.getLogger(__name__)


def start_voice(
    settings: Settings, controller: Controller, *, player: Player | None = None
) -> Announcer | None:
    """Subscribe an announcer to `controller` and start it; None when the volume is 0.

    Call before ``controller.start()`` so that no state goes unheard. `player` replaces
    ALSA (the demo records what it plays)."""
    config = voice_settings(settings)  # validated with the rest of the configuration
    if config.volume == 0:
        log.info("voice off (volume 0)")
        return None
    library = ClipLibrary(clip_dirs(settings), config.volume)
    announcer = Announcer(library, player or AplayPlayer(config.device), config)
    announcer.follow(controller.state)
    controller.subscribe(announcer.observe)
    return announcer.start()
