"""Renders every kiosk screen offscreen and drives a few touches; writes a JSON report.

Run as a script in its own process (Kivy's global state must not leak into other
tests): SDL_VIDEODRIVER=offscreen, KIVY_NO_ARGS=1, KIVY_HOME in a temporary directory.
tests/ui/test_screens.py starts it and asserts on the report and the screenshots.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

NOW = dt.datetime(2026, 11, 25, 9, 41)
FONT = "/usr/share/fonts/truetype/tlwg/Garuda.ttf"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=800)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="a few screens only")
    return parser.parse_args()


ARGS = parse()

from kivy.config import Config  # noqa: E402

Config.set("graphics", "width", str(ARGS.width))
Config.set("graphics", "height", str(ARGS.height))
Config.set("graphics", "resizable", "0")
Config.set("graphics", "maxfps", "0")  # no need to pace frames for a screen nobody watches

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.uix.button import Button  # noqa: E402
from kivy.uix.label import Label  # noqa: E402

from common.config import KioskSettings  # noqa: E402
from kiosk import flow as f  # noqa: E402
from kiosk.app import claim_choices  # noqa: E402
from kiosk.controller import Controller  # noqa: E402
from kiosk.device_status import DeviceStatus  # noqa: E402
from kiosk.effects import Effects  # noqa: E402
from kiosk.ports import AuthenOutcome, Patient, Rights, VisitRef  # noqa: E402
from kiosk.testing import (  # noqa: E402
    GENERAL,
    HOME_WARD,
    NHSO_UC_CLAIM_TYPES,
    FakeWorld,
    sample_identity,
)
from kiosk.ui.fonts import register_thai_font  # noqa: E402
from kiosk.ui.root import KioskRoot  # noqa: E402
from kiosk.ui.screens import UiContext  # noqa: E402
from kiosk.ui.widgets import PAPER  # noqa: E402

IDENTITY = sample_identity(7)
MOBILE = "0812345678"


def flow() -> f.Flow:
    """The flow as the kiosk runs it: the default clinic list of claim types."""
    return f.Flow(f.FlowConfig(claim_choices=claim_choices(KioskSettings())))


# What the device watcher found, shown on the idle screen before the card goes in.
DEVICES: dict[str, DeviceStatus] = {
    "idle-printer_paper_out": DeviceStatus(printer="paper_out"),
    "idle-nhso_down": DeviceStatus(nhso="down"),
    # The internet gone while the paper ran out.
    "idle-printer_nhso": DeviceStatus(printer="paper_out", nhso="agent_not_running"),
    # JHCIS gone with a network printer: no ticket "as usual" is promised.
    "idle-database_printer": DeviceStatus(database="down", printer="offline"),
}


def states() -> list[tuple[str, f.FlowState]]:
    """A state for every step, plus the variants patients meet."""
    machine = flow()
    out: list[tuple[str, f.FlowState]] = []
    state = machine.initial()

    def go(name: str, *events: f.Event) -> f.FlowState:
        nonlocal state
        for event in events:
            state = machine.handle(state, event, NOW).state
        out.append((name, state))
        return state

    def add(name: str, variant: f.FlowState) -> None:
        out.append((name, variant))

    patient = Patient("99999", 1, mobile=MOBILE)
    visit = VisitRef("99999", 5001, 17, claim_type=GENERAL.code, claim_code="PP1000000001")
    rights = Rights(NHSO_UC_CLAIM_TYPES, "UCS")
    go("idle")
    go("reading_card", f.CardInserted("x"))
    go("card_read", f.CardRead("x", IDENTITY))
    identified = go("identified", f.PatientIdentified("x", patient))
    # The returning patient: the main claim type goes first, one touch to confirm.
    base = go("claim_type_chosen", f.RightsChecked("x", rights))
    go("claim_type_chosen-keypad", f.MobileEditRequested())
    go("claim_type_chosen-invalid", f.MobileEntered("0812"))
    state = base
    go("rights_checked-others", f.OtherServicesRequested())
    state = base
    go("still_there", f.Timeout(base.seq))
    go("cancelled-timeout", f.Timeout(state.seq))
    state = base
    go("cancelled-cancelled", f.CancelTouched())
    go("idle-card-in", f.Timeout(state.seq))
    state = base
    go("cancelled-card_removed", f.CardRemoved())
    state = base
    go("mobile_confirmed", f.MobileConfirmed())
    authed = go("authenticated", f.Authenticated("x", AuthenOutcome("PP1", GENERAL.code, NOW)))
    go("journaling", f.ClinicUnavailable("x"))
    state = authed
    opened = go("visit_opened", f.VisitOpened("x", visit))
    go("done", f.TicketPrinted("x"))
    state = opened
    go("go_to_counter", f.PrinterFailed("x", "paper_out"))
    # A first-time patient: asked what for (main type, or the others), then the keypad.
    new_patient = Patient("99999", None, newly_registered=True)
    assert identified.session is not None
    state = replace(identified, session=replace(identified.session, patient=new_patient))
    first = go("rights_checked", f.RightsChecked("x", rights))
    go("claim_type_chosen-new", f.ClaimTypeChosen(GENERAL.code))
    # Variants of the endings.
    session = opened.session
    assert session is not None and first.session is not None
    local = replace(visit, local=True, queue_no=3, claim_code=None)

    def done(**changes: Any) -> f.FlowState:
        return replace(opened, step=f.Step.DONE, session=replace(session, **changes))

    add("done-local-pending", done(visit=local, authen_status="pending"))
    add("done-new-pending", done(patient=new_patient, authen_status="pending"))
    add("done-reprint", done(reprint=True))
    for reason in ("no_rights", "refused", "database"):
        add(
            f"go_to_counter-{reason}",
            replace(opened, step=f.Step.GO_TO_COUNTER, counter_reason=reason),  # type: ignore[arg-type]
        )
    # JHCIS records the card holder as deceased or discharged: no visit, staff decide.
    add(
        "go_to_counter-registration",
        replace(
            opened,
            step=f.Step.GO_TO_COUNTER,
            counter_reason="registration",
            error_code="deceased",
            session=replace(session, visit=None),
        ),
    )
    for name in DEVICES:
        add(name, machine.initial())
    state = machine.initial()
    go("card_error", f.CardInserted("y"), f.CardReadFailed("y", "card_unreadable"))
    state = machine.initial()
    go("staff_pin", f.StaffGesture())
    go("staff_pin-wrong", f.StaffPinEntered(ok=False))
    go("staff_menu", f.StaffPinEntered(ok=True))
    return out


QUICK = {"idle", "claim_type_chosen", "claim_type_chosen-keypad", "rights_checked", "done"}
# What a patient sees and touches; the staff screens are for staff at a desk.
STAFF = {f.Step.STAFF_PIN.value, f.Step.STAFF_MENU.value}


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.pins: list[str] = []

    def post(self, event: f.Event) -> None:
        self.events.append(type(event).__name__ + _detail(event))

    def submit_pin(self, pin: str) -> None:
        self.pins.append(pin)


def _detail(event: f.Event) -> str:
    if isinstance(event, f.ClaimTypeChosen):
        return f":{event.code}"
    if isinstance(event, f.MobileEntered):
        return f":{event.number}"
    return ""


def visible_labels(root: Any) -> list[Label]:
    widgets = [*root.children[1].walk(restrict=True)]  # header
    widgets += [*root.current_screen.walk(restrict=True)]
    return [w for w in widgets if isinstance(w, Label) and w.text.strip()]


def visible_targets(root: Any) -> list[dict[str, Any]]:
    """Every button a finger can reach on the current screen and the header, in window
    pixels."""
    widgets = [*root.children[1].walk(restrict=True), *root.current_screen.walk(restrict=True)]
    targets = []
    for widget in widgets:
        if isinstance(widget, Button) and widget.get_root_window() is not None:
            x, y = widget.to_window(*widget.pos)
            box = {"x": x, "y": y, "w": widget.width, "h": widget.height}
            targets.append({"text": widget.text, **{k: round(v, 1) for k, v in box.items()}})
    return targets


def overflow(label: Label) -> str | None:
    tw, th = label.texture_size
    if tw > label.width + 2 or th > label.height + 2:
        box = f"{label.width:.0f}x{label.height:.0f}"
        return f"{label.text[:30]!r}: text {tw:.0f}x{th:.0f} in box {box}"
    return None


def screenshot(path: Path) -> str:
    written = Window.screenshot(name=str(path))
    return str(written)


Step = Callable[[], Any]


class Driver(App):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.report: dict[str, Any] = {"renders": [], "checks": {}, "error": None}
        self.recorder = Recorder()

    def build(self) -> Any:
        self.report["font_registered"] = register_thai_font(FONT)
        Window.clearcolor = PAPER
        self.notes: tuple[str, ...] = ()
        ui = UiContext(
            post=self.recorder.post,
            submit_pin=self.recorder.submit_pin,
            device_notes=lambda: self.notes,
        )
        self.kiosk = KioskRoot(ui, "รพ.สต. ทดสอบ", clock=lambda: NOW)
        self.script = self.run_script()
        self.waiting: Callable[[], bool] | None = None
        self.frames = 3
        self.deadline = 0.0
        Clock.schedule_interval(self.pump, 0)
        return self.kiosk

    def pump(self, _dt: float) -> None:
        if self.frames > 0:
            self.frames -= 1
            return
        if self.waiting is not None:
            if not self.waiting():
                if time.monotonic() > self.deadline:
                    self.fail("timed out waiting")
                return
            self.waiting = None
        try:
            wait = next(self.script)
        except StopIteration:
            self.finish()
            return
        except Exception:
            self.fail(traceback.format_exc())
            return
        if callable(wait):
            self.waiting = wait
            self.deadline = time.monotonic() + 20
        else:
            self.frames = int(wait)

    def fail(self, message: str) -> None:
        self.report["error"] = message
        self.finish()

    def finish(self) -> None:
        Clock.unschedule(self.pump)
        ARGS.report.write_text(json.dumps(self.report, ensure_ascii=False, indent=1))
        self.stop()

    def render(self, state: f.FlowState) -> Iterator[int]:
        self.kiosk.render(state)
        yield 2

    def run_script(self) -> Iterator[Any]:
        ARGS.out.mkdir(parents=True, exist_ok=True)
        size = f"{ARGS.width}x{ARGS.height}"
        for name, state in states():
            if ARGS.quick and name not in QUICK:
                continue
            self.notes = DEVICES[name].notes if name in DEVICES else ()
            for lang in ("th", "en"):
                yield from self.render(replace(state, language=lang))  # type: ignore[arg-type]
                shot = screenshot(ARGS.out / f"{size}-{name}-{lang}.png")
                labels = visible_labels(self.kiosk)
                self.report["renders"].append(
                    {
                        "name": name,
                        "step": state.step.value,
                        "lang": lang,
                        "current": self.kiosk.manager.current,
                        "texts": [label.text for label in labels],
                        "overflow": [o for o in map(overflow, labels) if o],
                        "font_sizes": sorted({round(label.font_size) for label in labels}),
                        "labels": [
                            {
                                "text": label.text,
                                "role": getattr(label, "role", ""),
                                "font": round(label.font_size, 1),
                            }
                            for label in labels
                        ],
                        "targets": visible_targets(self.kiosk),
                        "screenshot": shot,
                    }
                )
        if ARGS.quick:
            return
        yield from self.touches()
        yield from self.with_controller()

    def touches(self) -> Iterator[Any]:
        checks = self.report["checks"]
        all_states = dict(states())
        rec = self.recorder
        # A first-time patient: the main type, or the others.
        yield from self.render(all_states["rights_checked"])
        claims = self.kiosk.screens[f.Step.RIGHTS_CHECKED]
        claims.buttons[GENERAL.code].dispatch("on_release")
        claims.more.dispatch("on_release")
        claims.cancel.dispatch("on_release")
        yield from self.render(all_states["rights_checked-others"])
        claims.buttons[HOME_WARD.code].dispatch("on_release")
        claims.back.dispatch("on_release")
        # The returning patient's confirm.
        yield from self.render(all_states["claim_type_chosen"])
        mobile = self.kiosk.screens[f.Step.CLAIM_TYPE_CHOSEN]
        checks["one_touch_number"] = mobile.number.text
        mobile.confirm.dispatch("on_release")
        mobile.more.dispatch("on_release")
        mobile.edit.dispatch("on_release")
        yield from self.render(all_states["claim_type_chosen-keypad"])
        for digit in "0891112222":
            mobile.keypad.keys[digit].dispatch("on_release")
        checks["keypad_display"] = mobile.number.text
        mobile.keypad.keys["ok"].dispatch("on_release")
        mobile.keypad_back.dispatch("on_release")
        # The countdown: a touch anywhere on it goes on.
        yield from self.render(all_states["still_there"])
        still = self.kiosk.still_there
        checks["still_there_current"] = self.kiosk.manager.current
        checks["still_there_count"] = still.count.text
        still.on_touch_down(FakeTouch(still.center))
        checks["still_there_events"] = rec.events[-1:]
        self.kiosk.language_button.dispatch("on_release")
        yield from self.render(all_states["staff_pin"])
        pin = self.kiosk.screens[f.Step.STAFF_PIN]
        for digit in "2468":
            pin.keypad.keys[digit].dispatch("on_release")
        checks["pin_display"] = pin.dots.text
        pin.keypad.keys["ok"].dispatch("on_release")
        checks["pin_display_after"] = pin.dots.text
        # The staff gesture: hold the clinic-name corner.
        corner = self.kiosk.staff_corner
        corner.hold_s = 0.2
        touch = FakeTouch(corner.center)
        corner.on_touch_down(touch)
        start = time.monotonic()
        yield lambda: "StaffGesture" in rec.events or time.monotonic() - start > 1
        corner.on_touch_up(touch)
        # A short tap does nothing.
        before = rec.events.count("StaffGesture")
        corner.on_touch_down(touch)
        corner.on_touch_up(touch)
        yield 20
        checks["short_tap_gestures"] = rec.events.count("StaffGesture") - before
        checks["events"] = rec.events
        checks["pins"] = rec.pins

    def with_controller(self) -> Iterator[Any]:
        """The real controller and fakes behind the screens: a check-in by touch."""
        checks = self.report["checks"]
        world = FakeWorld()
        world.card.identity = IDENTITY
        world.clinic.add_person(IDENTITY, mobile=MOBILE)
        controller = Controller(f.Flow(), Effects(world.services()))
        ui = UiContext(post=controller.post, submit_pin=controller.submit_pin)
        root = KioskRoot(ui, "รพ.สต. ทดสอบ", clock=lambda: NOW)
        self.root.parent.remove_widget(self.root) if self.root.parent else None
        Window.add_widget(root)
        self.kiosk = root
        wiped_at: list[float] = []

        def show(state: f.FlowState) -> None:
            root.render(state)
            if state.session is None:
                wiped_at.append(time.monotonic())  # the moment the screen lost the data

        controller.subscribe(lambda s: Clock.schedule_once(lambda _dt: show(s)))
        controller.start()
        try:
            world.monitor.insert()
            yield lambda: root.manager.current == "claim_type_chosen"
            root.screens[f.Step.CLAIM_TYPE_CHOSEN].confirm.dispatch("on_release")
            yield lambda: root.manager.current == "done"
            checks["done_texts"] = [label.text for label in visible_labels(root)]
            screenshot(ARGS.out / f"{ARGS.width}x{ARGS.height}-controller-done.png")
            removed = time.monotonic()
            world.monitor.remove()
            yield lambda: root.manager.current == "idle"
            checks["removal_to_idle_s"] = wiped_at[-1] - removed
            everything = [w.text for w in root.walk(restrict=True) if isinstance(w, Label)]
            checks["texts_after_removal"] = everything
            checks["printed"] = [t.queue_label for t in world.printer.printed]
        finally:
            controller.stop()


class FakeTouch:
    def __init__(self, pos: tuple[float, float]) -> None:
        self.pos = pos
        self.x, self.y = pos


if __name__ == "__main__":
    Driver().run()
    sys.exit(0)
