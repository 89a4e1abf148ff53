"""Drives the real KioskApp (create_app) offscreen: keys insert and remove the fake card.

Run in its own process by tests/ui/test_app.py; prints one JSON line of observations.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_NO_ARGS", "1")

from common.config import load_settings
from kiosk.app import build_controller, configure_kivy, create_app
from kiosk.testing import FakeWorld

settings = load_settings(
    overrides={"data_dir": sys.argv[1], "kiosk.width": 800, "kiosk.height": 480}
)
configure_kivy(settings)
world = FakeWorld()
world.clinic.add_person(world.card.identity)
controller = build_controller(settings, world.services(), staff_pin="1357")
seen: dict[str, Any] = {}


def on_ready(app: Any) -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window

    steps = iter(
        [
            lambda: Window.dispatch("on_key_down", 105, 0, "i", []),
            lambda: app.root_widget.manager.current == "claim_type_chosen",
            lambda: seen.update(mobile_screen=app.root_widget.screens_text()),
            lambda: app.root_widget.current_screen.confirm.dispatch("on_release"),
            lambda: app.root_widget.manager.current == "done",
            lambda: Window.dispatch("on_key_down", 114, 0, "r", []),
            lambda: app.root_widget.manager.current == "idle",
            lambda: Window.dispatch("on_key_down", 120, 0, "x", []),  # no action bound
        ]
    )
    state = {"step": next(steps), "deadline": time.monotonic() + 20}

    def pump(_dt: float) -> None:
        result = state["step"]()
        if result is False:
            if time.monotonic() > state["deadline"]:
                seen["error"] = f"stuck at {app.root_widget.manager.current}"
                app.stop()
            return
        try:
            state["step"] = next(steps)
        except StopIteration:
            seen["final"] = app.root_widget.manager.current
            seen["printed"] = [t.queue_label for t in world.printer.printed]
            app.stop()

    Clock.schedule_interval(pump, 0.02)


app = create_app(
    settings,
    controller,
    on_ready=on_ready,
    key_actions={"i": world.monitor.insert, "r": world.monitor.remove},
)
app.run()
health = json.loads((Path(sys.argv[1]) / "kiosk-health.json").read_text())
seen["health_state"] = health["state"]
seen["health_checkins"] = health["checkins"]
print(json.dumps(seen, ensure_ascii=False))
