"""One scripted check-in through the real screens, with a screenshot of each screen.

For the headless demo (``SDL_VIDEODRIVER=offscreen``, no display): the card goes in,
the screens are touched the way a patient would (confirm the mobile on file, or type
one on the keypad), the card comes out, and every state the controller published is
rendered and saved as ``NN-<step>-<lang>.png``. States are replayed one by one, so a
screen the flow passed through in a millisecond still gets its picture.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from common.config import Settings
from common.errors import error_label
from kiosk import flow as f
from kiosk.controller import Controller

DEMO_MOBILE = "0812345678"


@dataclass
class ScriptedRun:
    screenshots: list[Path] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    error: str | None = None


def scripted_checkin(
    settings: Settings,
    controller: Controller,
    *,
    insert: Callable[[], None],
    remove: Callable[[], None],
    out_dir: Path,
    languages: tuple[f.Language, ...] = ("th", "en"),
    timeout_s: float = 60.0,
) -> ScriptedRun:
    """Run the Kivy app until the check-in is over; `configure_kivy` must have run."""
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.ui.fonts import register_thai_font
    from kiosk.ui.root import KioskRoot
    from kiosk.ui.screens import UiContext
    from kiosk.ui.widgets import PAPER

    out_dir.mkdir(parents=True, exist_ok=True)
    result = ScriptedRun()
    published: deque[f.FlowState] = deque([controller.state])
    controller.subscribe(published.append)

    class Scripted(App):  # type: ignore[misc]
        def build(self) -> Any:
            register_thai_font(settings.kiosk.font_path)
            Window.clearcolor = PAPER
            ui = UiContext(post=controller.post, submit_pin=controller.submit_pin)
            self.kiosk = KioskRoot(ui, settings.clinic.name)
            self.script = self.run_script()
            self.frames = 2
            Clock.schedule_interval(self.pump, 0)
            return self.kiosk

        def pump(self, _dt: float) -> None:
            if self.frames > 0:
                self.frames -= 1
                return
            try:
                self.frames = next(self.script)
            except StopIteration:
                Clock.unschedule(self.pump)
                self.stop()
            except Exception as exc:  # report, never hang the demo
                result.error = error_label(exc)
                Clock.unschedule(self.pump)
                self.stop()

        def run_script(self) -> Iterator[int]:
            deadline = time.monotonic() + timeout_s
            controller.start()
            inserted = removed = touched = False
            index = 0
            while True:
                if time.monotonic() > deadline:
                    result.error = f"timed out at {controller.state.step.value}"
                    return
                if not published:
                    yield 1
                    continue
                state = published.popleft()
                while published and published[0].step == state.step:
                    state = published.popleft()  # keypad digits: one picture, the last
                for lang in languages:
                    self.kiosk.render(replace(state, language=lang))
                    yield 2
                    name = f"{index:02d}-{state.step.value}-{lang}.png"
                    result.screenshots.append(Path(Window.screenshot(name=str(out_dir / name))))
                self.kiosk.render(state)
                result.steps.append(state.step.value)
                index += 1
                step = state.step
                if step == f.Step.IDLE and not inserted:
                    inserted = True
                    insert()
                elif step == f.Step.CLAIM_TYPE_CHOSEN and not touched and self._live(step):
                    touched = True
                    self.touch_mobile(state)
                elif step == f.Step.RIGHTS_CHECKED and self._live(step):
                    screen = self.kiosk.screens[step]
                    next(iter(screen.buttons.values())).dispatch("on_release")
                elif step in f.END_STEPS and not removed:
                    removed = True
                    remove()
                elif step == f.Step.IDLE and removed:
                    return

        def _live(self, step: f.Step) -> bool:
            # Touch only if the controller is still there (not a replayed old state).
            return controller.state.step == step

        def touch_mobile(self, state: f.FlowState) -> None:
            screen: Any = self.kiosk.screens[f.Step.CLAIM_TYPE_CHOSEN]
            session = state.session
            if session is not None and session.one_touch:
                screen.confirm.dispatch("on_release")
                return
            for digit in DEMO_MOBILE:
                screen.keypad.keys[digit].dispatch("on_release")
            screen.keypad.keys["ok"].dispatch("on_release")

        def on_stop(self) -> None:
            controller.stop()

    Scripted().run()
    return result
