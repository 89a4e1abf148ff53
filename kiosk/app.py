"""Wiring: settings -> ports -> flow + controller -> Kivy app; systemd readiness.

``KioskApp`` runs the Kivy main loop. The controller's threads do the work; the UI
renders each published state on the main thread. Readiness (``READY=1``) is sent once
the first screen is drawn and the watchdog is pinged from the main loop, so a frozen
UI gets the service restarted. SIGTERM stops the app gracefully: the command in flight
finishes, the health file says ``stopped``.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.config import KioskSettings, Settings
from common.secrets import load_secrets
from common.tls import read_fingerprint
from common.update_status import STATUS_FILE
from kiosk import flow as f
from kiosk.about import local_address, software_version
from kiosk.controller import Controller
from kiosk.device_status import DeviceWatcher
from kiosk.effects import Effects
from kiosk.health import HealthRecorder, health_path
from kiosk.journal import Journal
from kiosk.ports import KioskServices
from kiosk.sdnotify import notify, watchdog_interval_s
from kiosk.updates.status import update_facts
from kiosk.voice.wiring import start_voice

log = logging.getLogger(__name__)

PROCESS_STARTED = time.monotonic()


def flow_config(settings: Settings) -> f.FlowConfig:
    return f.FlowConfig(
        patient_timeout_s=settings.kiosk.idle_timeout_s,
        default_language=settings.kiosk.language,
        claim_choices=claim_choices(settings.kiosk),
    )


def claim_choices(kiosk: KioskSettings) -> tuple[f.ClaimChoice, ...]:
    return tuple(f.ClaimChoice(claim.code, claim.th, claim.en) for claim in kiosk.claim_types)


def build_controller(
    settings: Settings, services: KioskServices, *, staff_pin: str | None = None
) -> Controller:
    effects = Effects(
        services,
        journal=Journal.in_data_dir(settings.data_dir),
        health=HealthRecorder(health_path(settings)),
        pcucode=settings.clinic.hcode,
    )
    return Controller(f.Flow(flow_config(settings)), effects, staff_pin=staff_pin)


def staff_pin(settings: Settings) -> str | None:
    secret = load_secrets(settings.secrets_file).staff_pin
    return secret.get_secret_value() if secret is not None else None


def window_size(settings: Settings) -> tuple[int, int]:
    """The configured size, turned to match the configured orientation."""
    width, height = settings.kiosk.width, settings.kiosk.height
    portrait = settings.kiosk.orientation == "portrait"
    if portrait == (width > height):
        width, height = height, width
    return width, height


def configure_kivy(settings: Settings) -> None:
    """Must run before anything imports kivy.core.window."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if "KIVY_HOME" not in os.environ:
        home = settings.data_dir / "kivy"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["KIVY_HOME"] = str(home)
    from kivy.config import Config

    width, height = window_size(settings)
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if settings.kiosk.fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if settings.kiosk.fullscreen else "1")
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")
    # One input provider per device: a second one doubles every touch on many panels.
    Config.set("input", "mouse", "mouse,multitouch_on_demand")


def create_app(
    settings: Settings,
    controller: Controller,
    *,
    on_ready: Callable[[Any], None] | None = None,
    key_actions: dict[str, Callable[[], None]] | None = None,
) -> Any:
    """The Kivy App (imported lazily: kivy must be configured first).

    `key_actions` maps keyboard keys to callbacks (the demo inserts and removes the
    virtual card with them); the appliance has no keyboard and passes none.
    """
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.ui.fonts import register_thai_font
    from kiosk.ui.root import KioskRoot
    from kiosk.ui.screens import UiContext
    from kiosk.ui.widgets import PAPER

    class KioskApp(App):  # type: ignore[misc]
        title = "JHCIS kiosk"

        def build(self) -> Any:
            register_thai_font(settings.kiosk.font_path)
            Window.clearcolor = PAPER
            journal = controller.effects.journal
            self.devices = DeviceWatcher(
                controller.effects.services,
                controller.effects.health,
                on_change=lambda _status: Clock.schedule_once(lambda _dt: self._devices_changed()),
                # The printer and NHSO are never asked while a patient is checking in.
                is_idle=lambda: controller.state.step == f.Step.IDLE,
            )
            self._step = controller.state.step
            controller.subscribe(self._step_changed)
            ui = UiContext(
                post=controller.post,
                submit_pin=controller.submit_pin,
                journal_pending=journal.pending_count if journal else (lambda: 0),
                device_notes=lambda: self.devices.status.notes,
                backoffice_fingerprint=lambda: read_fingerprint(Path(settings.data_dir) / "tls"),
                about=lambda: (software_version(), local_address()),
                update_facts=lambda: update_facts(Path(settings.data_dir) / STATUS_FILE),
            )
            self.root_widget = KioskRoot(ui, settings.clinic.name)
            controller.subscribe(
                lambda state: Clock.schedule_once(lambda _dt: self.root_widget.render(state))
            )
            self.voice = start_voice(settings, controller)  # kiosk/README.md, Voice
            controller.effects.on_exit = lambda: Clock.schedule_once(lambda _dt: self.stop())
            Clock.schedule_interval(lambda _dt: self.root_widget.tick(), 20)
            if key_actions:
                Window.bind(on_key_down=self._on_key)
            return self.root_widget

        def _on_key(
            self, _window: Any, _key: int, _scancode: int, text: str | None, *_: Any
        ) -> bool:
            action = (key_actions or {}).get(text or "")
            if action is None:
                return False
            action()
            return True

        def _step_changed(self, state: f.FlowState) -> None:
            was, self._step = self._step, state.step
            if state.step == f.Step.IDLE and was != f.Step.IDLE:
                # A check-in just ended: the next patient hears of a printer that ran out.
                self.devices.nudge()

        def _devices_changed(self) -> None:
            state = controller.state
            if state.step == f.Step.IDLE:  # never redraw a screen a patient is using
                self.root_widget.render(state)

        def on_start(self) -> None:
            controller.start()
            self.devices.start()
            self.root_widget.render(controller.state)
            # Ready once a frame with the idle screen has been drawn.
            Clock.schedule_once(self._ready, 0)

        def _ready(self, _dt: float) -> None:
            notify("READY=1")
            interval = watchdog_interval_s()
            if interval:
                # From the main loop: a frozen UI, or a worker stuck in one call, stops
                # the pings and systemd restarts the kiosk.
                Clock.schedule_interval(self._watchdog, interval)
            log.info("kiosk ready in %.2f s", time.monotonic() - PROCESS_STARTED)
            if on_ready is not None:
                on_ready(self)

        def _watchdog(self, _dt: float) -> None:
            if controller.healthy():
                notify("WATCHDOG=1")
            else:
                log.error("kiosk unhealthy: withholding the watchdog ping")

        def on_stop(self) -> None:
            notify("STOPPING=1")
            self.devices.stop()
            controller.stop()
            if self.voice is not None:
                self.voice.stop()

    app = KioskApp()

    def _terminate(_signum: int, _frame: object) -> None:
        Clock.schedule_once(lambda _dt: app.stop())

    signal.signal(signal.SIGTERM, _terminate)
    return app


def run(
    settings: Settings,
    services: KioskServices,
    *,
    smoke: bool = False,
    key_actions: dict[str, Callable[[], None]] | None = None,
) -> int:
    """Run the touchscreen until exit; with smoke=True stop at the first ready screen."""
    pin = staff_pin(settings)  # a bad secrets file stops us before Kivy starts
    configure_kivy(settings)
    controller = build_controller(settings, services, staff_pin=pin)
    ready_after: list[float] = []

    def on_ready(app: Any) -> None:
        ready_after.append(time.monotonic() - PROCESS_STARTED)
        if smoke:
            from kivy.clock import Clock

            Clock.schedule_once(lambda _dt: app.stop(), 0.1)

    app = create_app(settings, controller, on_ready=on_ready, key_actions=key_actions)
    app.run()
    if smoke:
        print(f"ready_s={ready_after[0]:.3f}" if ready_after else "ready_s=none", flush=True)
        return 0 if ready_after else 1
    return 0
