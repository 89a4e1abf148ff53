"""Runs the real KioskApp offscreen with the real device watcher, the loopback printer out
of paper and NHSO's address with nothing behind it; prints one JSON line of what the
idle screen said, and saves its screenshots.

Run in its own process by tests/ui/test_device_warnings_app.py:
``device_warnings_driver.py DATA_DIR SCREENS_DIR WIDTH HEIGHT``.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_NO_ARGS", "1")

from common.config import load_settings
from common.secrets import Secrets
from hardware.printer import LoopbackPrinter, LoopbackState, printer_from_uri
from integrations.nhso.providers import authen_provider_from_settings
from kiosk import flow as f
from kiosk.adapters.nhso import ProviderRights
from kiosk.adapters.printer import TicketPrinterPort
from kiosk.app import build_controller, configure_kivy, create_app
from kiosk.testing import FakeWorld

data_dir, shots = Path(sys.argv[1]), Path(sys.argv[2])
shots.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/test/screens yet
width, height = int(sys.argv[3]), int(sys.argv[4])
settings = load_settings(
    overrides={
        "data_dir": str(data_dir),
        "secrets_file": str(data_dir / "none.toml"),
        "kiosk.width": width,
        "kiosk.height": height,
    }
)
configure_kivy(settings)


def port_nobody_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


loopback = LoopbackPrinter(width_dots=576).start()
loopback.state = LoopbackState.PAPER_OUT
nhso = load_settings(overrides={"nhso.sandbox_port": port_nobody_listens_on(), "nhso.timeout_s": 2})
provider = authen_provider_from_settings(nhso, Secrets())
services = FakeWorld().services()
services.printer = TicketPrinterPort(printer_from_uri(loopback.uri), clinic_name="x")
services.rights = ProviderRights(provider)
controller = build_controller(settings, services)
seen: dict[str, Any] = {"shots": []}


def on_ready(app: Any) -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window

    idle = app.root_widget.screens[f.Step.IDLE]
    size = f"{width}x{height}"

    def note() -> str:
        return str(idle.devices.text)

    def shoot(name: str) -> None:
        for old in shots.glob(f"{size}-app-{name}*.png"):
            old.unlink()  # Kivy numbers its screenshots: keep only this run's
        path = Window.screenshot(name=str(shots / f"{size}-app-{name}.png"))
        seen["shots"].append(str(path))

    def refill() -> None:
        loopback.state = LoopbackState.READY
        app.devices.nudge()  # as when a check-in ends

    steps: list[Callable[[], object]] = [
        lambda: bool(note()),  # the watcher's first look (about 3 s after start)
        lambda: seen.update(th=note(), th_font=idle.devices.font_size),
        lambda: shoot("idle-paper_out-nhso_down-th"),
        lambda: app.root_widget.language_button.dispatch("on_release"),
        lambda: bool(note()) and note() != seen["th"],
        lambda: seen.update(en=note(), en_font=idle.devices.font_size),
        lambda: shoot("idle-paper_out-nhso_down-en"),
        refill,
        lambda: "paper" not in note(),
        lambda: seen.update(after_refill=note(), jobs=len(loopback.jobs)),
    ]
    state = {"at": 0, "deadline": time.monotonic() + 30}

    def pump(_dt: float) -> None:
        if state["at"] == len(steps):
            return
        if steps[int(state["at"])]() is False:
            if time.monotonic() > state["deadline"]:
                seen["error"] = f"stuck at step {state['at']}: {note()!r}"
                app.stop()
            return
        state["at"] += 1
        if state["at"] == len(steps):
            app.stop()

    Clock.schedule_interval(pump, 0.05)


app = create_app(settings, controller, on_ready=on_ready)
app.run()
loopback.stop()
provider.close()
seen["health"] = json.loads((data_dir / "kiosk-health.json").read_text())["components"]
print(json.dumps(seen, ensure_ascii=False))
