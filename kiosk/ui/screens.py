"""One screen per flow step. Screens render a :class:`FlowState` and post flow events;
they hold no check-in data of their own beyond the digits being typed."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from common.cid import mask_phone
from kiosk import flow as f
from kiosk.i18n import (
    Language,
    cancelled_message,
    card_error_message,
    counter_message,
    text,
)
from kiosk.ui.widgets import (
    INK,
    MUTED,
    PRIMARY,
    SECONDARY,
    WARNING,
    BigButton,
    Dots,
    Keypad,
    Text,
)
from kiosk.updates.status import UpdateFacts

# Touch targets for old hands: at least this tall, and this far from the next one.
TARGET_PX = 100
GAP_PX = 24


@dataclass
class UiContext:
    """What the screens may call: flow events, the staff PIN check, a status line."""

    post: Callable[[f.Event], None]
    submit_pin: Callable[[str], None]
    journal_pending: Callable[[], int] = field(default=lambda: 0)
    # i18n keys of device problems for the idle screen (kiosk.device_status)
    device_notes: Callable[[], tuple[str, ...]] = field(default=lambda: ())
    # The staff web's HTTPS certificate fingerprint, for staff to compare in their browser.
    backoffice_fingerprint: Callable[[], str | None] = field(default=lambda: None)
    # Software version and IP address (kiosk.about), and the update agent's slot and last
    # result (kiosk.updates.status; None without an update server): for support calls.
    about: Callable[[], tuple[str, str | None]] = field(default=lambda: ("?", None))
    update_facts: Callable[[], UpdateFacts | None] = field(default=lambda: None)


class StepScreen(Screen):  # type: ignore[misc]
    steps: tuple[f.Step, ...] = ()

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ui = ui
        self.language: Language = "th"
        # A gap at the top too: the header's language button is a touch target.
        self.body = BoxLayout(orientation="vertical", padding=[24, GAP_PX, 24, 12], spacing=GAP_PX)
        self.add_widget(self.body)

    def orient(self, landscape: bool) -> None:
        """Screens with a keypad put it beside the text in landscape, below in portrait."""

    def wipe(self) -> None:
        """Blank every text: a hidden screen must not keep the last patient's details."""
        for widget in self.walk(restrict=True):
            if isinstance(widget, Text):
                widget.text = ""

    def t(self, key: str, **values: object) -> str:
        return text(key, self.language, **values)

    def show(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.language = state.language
        self.update(state, previous)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        raise NotImplementedError


class IdleScreen(StepScreen):
    steps = (f.Step.IDLE,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, size_hint_y=0.5)
        self.hint = Text(role="read", color=MUTED, size_hint_y=0.5)
        # Empty (and taking no room) unless the device watcher found something wrong.
        self.devices = Text(role="read", color=WARNING)
        self.body.add_widget(self.title)
        self.body.add_widget(self.hint)
        self.body.add_widget(self.devices)
        # Before a card goes in: who cannot use one (a child without a card, issue 20.7).
        # In the layout only while shown: even empty, a widget costs the box's spacing.
        self.child = Text(role="read", color=INK, size_hint_y=0.3)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        # A card left in (its check-in over or given up): asking for one would baffle.
        card_in = state.card_present
        self.title.text = self.t("take_card_title" if card_in else "idle_title")
        notes = self.ui.device_notes()
        self.devices.text = "\n".join(self.t(key) for key in notes)
        # What is wrong and what still works must be read before the card goes in, at
        # full size: the hint (how to insert it) gives way. A note takes about two lines
        # to the title's one.
        self.hint.text = "" if notes else self.t("take_card_hint" if card_in else "idle_hint")
        share(self.title, 0.6 if notes else 0.5)
        share(self.hint, 0 if notes else 0.5)
        share(self.devices, len(notes))
        self.child.text = "" if notes or card_in else self.t("idle_child")
        if self.child.text and self.child.parent is None:
            self.body.add_widget(self.child)
        if self.child.text:  # the title is one line: it gives the note its room
            share(self.title, 0.3)
        elif not self.child.text and self.child.parent is not None:
            self.body.remove_widget(self.child)


class BusyScreen(StepScreen):
    steps = (
        f.Step.READING_CARD,
        f.Step.CARD_READ,
        f.Step.IDENTIFIED,
        f.Step.MOBILE_CONFIRMED,
        f.Step.AUTHENTICATED,
        f.Step.JOURNALING,
        f.Step.VISIT_OPENED,
    )

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, size_hint_y=0.45)
        self.progress = Dots(len(self.steps), size_hint_y=0.2)
        self.hint = Text(role="read", color=MUTED, size_hint_y=0.35)
        for widget in (self.title, self.progress, self.hint):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.title.text = self.t(state.step.value)
        # Which of the seven steps we are at, so a slow one does not look frozen.
        index = self.steps.index(state.step) + 1 if state.step in self.steps else 1
        self.progress.show(index)
        self.hint.text = self.t("busy_hint")


class SplitScreen(StepScreen):
    """Text in one column, touch targets in the other (side by side in landscape), and a
    footer (Back, Cancel): under the text in landscape, at the bottom in portrait, the
    same action always in the same place."""

    # The text column's share of the width (landscape) or of the height (portrait).
    info_share = (0.5, 0.3)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.info = BoxLayout(orientation="vertical", spacing=6)
        self.area = BoxLayout(orientation="vertical", spacing=GAP_PX)
        self.footer = BoxLayout(
            orientation="horizontal", spacing=GAP_PX, size_hint_y=None, height=TARGET_PX
        )
        self.body.add_widget(self.info)
        self.body.add_widget(self.area)
        self.cancel = BigButton(
            on_press_do=lambda: ui.post(f.CancelTouched()), colour=MUTED, role="read"
        )

    def orient(self, landscape: bool) -> None:
        self.body.orientation = "horizontal" if landscape else "vertical"
        wide, tall = self.info_share
        self.info.size_hint = (wide, 1) if landscape else (1, tall)
        self.area.size_hint = (1 - wide, 1) if landscape else (1, 1 - tall)
        home = self.info if landscape else self.body
        if self.footer.parent is not home:
            if self.footer.parent is not None:
                self.footer.parent.remove_widget(self.footer)
            home.add_widget(self.footer)

    def set_footer(self, *buttons: BigButton) -> None:
        fill(self.footer, list(buttons))
        self.cancel.text = self.t("cancel")


def share(widget: Any, part: float) -> None:
    """The widget's part of its box's height; none at all (not even Kivy's default 100
    px, which a size hint of 0 still gets) when `part` is 0."""
    widget.size_hint_y = part or None
    if not part:
        widget.height = 0


def fill(box: Any, widgets: list[Any]) -> None:
    """Put `widgets` in `box` unless they are there already (a touch may be in flight)."""
    if list(reversed(box.children)) != widgets:
        box.clear_widgets()
        for widget in widgets:
            box.add_widget(widget)


class ClaimTypeScreen(SplitScreen):
    """What the patient came for: the clinic's main service as one big button and the
    rest behind "other services"; or the others, two to a row, with Back among them."""

    steps = (f.Step.RIGHTS_CHECKED,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True)
        self.info.add_widget(self.title)
        self.more = BigButton(
            on_press_do=lambda: ui.post(f.OtherServicesRequested()),
            colour=SECONDARY,
            size_hint_y=0.4,
        )
        self.grid = GridLayout(cols=2, spacing=GAP_PX)
        self.back = BigButton(
            on_press_do=lambda: ui.post(f.OtherServicesClosed()), colour=MUTED, role="read"
        )
        self.buttons: dict[str, BigButton] = {}  # the claim types on screen, by code

    def orient(self, landscape: bool) -> None:
        # The others need the room: two to a row beside the text in landscape, one to a
        # row at full width in portrait (a name in one line, big).
        self.info_share = (0.3, 0.14) if self.grid.parent is not None else (0.45, 0.3)
        self.grid.cols = 2 if landscape and len(self.grid.children) > 2 else 1
        super().orient(landscape)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        session = state.session
        if session is None:
            return
        shown = session.shown_choices
        others = shown != (session.main_choice,)
        self.title.text = self.t("choose_other_service" if others else "choose_claim_type")
        if tuple(self.buttons) != tuple(choice.code for choice in shown):
            self.buttons = {
                choice.code: BigButton(
                    on_press_do=partial(self.ui.post, f.ClaimTypeChosen(choice.code)),
                    colour=SECONDARY if others else PRIMARY,
                    size_hint_y=1 if others else 0.6,
                )
                for choice in shown
            }
        for choice in shown:
            self.buttons[choice.code].text = choice.label(self.language)
        if others:
            back = [self.back] if session.main_choice is not None else []
            fill(self.area, [])
            fill(self.grid, [*self.buttons.values(), *back])
            fill(self.area, [self.grid])
        else:
            fill(self.grid, [])
            fill(self.area, [*self.buttons.values(), self.more])
        self.orient(self.body.orientation == "horizontal")
        self.more.text = self.t("other_services")
        self.back.text = self.t("back")
        self.set_footer(self.cancel)


class MobileScreen(SplitScreen):
    """The returning patient's one-touch confirm (naming the service, with the others a
    touch away), or the keypad."""

    steps = (f.Step.CLAIM_TYPE_CHOSEN,)
    info_share = (0.55, 0.42)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, size_hint_y=0.3)
        self.number = Text(role="huge", bold=True, size_hint_y=0.42)
        self.claim = Text(role="read", color=SECONDARY, size_hint_y=0.28)
        for widget in (self.title, self.number, self.claim):
            self.info.add_widget(widget)
        self.confirm = BigButton(on_press_do=lambda: ui.post(f.MobileConfirmed()), size_hint_y=1.4)
        self.edit = BigButton(
            on_press_do=lambda: ui.post(f.MobileEditRequested()), colour=SECONDARY
        )
        self.more = BigButton(
            on_press_do=lambda: ui.post(f.OtherServicesRequested()), colour=SECONDARY
        )
        self.keypad = Keypad(
            max_len=10,
            secret=False,
            on_digit=lambda: ui.post(f.PatientActive()),
            on_ok=lambda value: ui.post(f.MobileEntered(value)),
            ok_label=lambda: self.t("ok"),
            delete_label=lambda: self.t("delete"),
            gap=GAP_PX,
        )
        self.keypad.on_change = lambda text: setattr(self.number, "text", text)
        self.keypad_back = BigButton(
            on_press_do=lambda: ui.post(f.MobileEditCancelled()), colour=MUTED, role="read"
        )
        self.mode = ""

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        session = state.session
        if session is None:
            return
        keypad = session.editing_mobile or session.mobile is None
        has_back = session.mobile is not None
        others = session.main_choice is not None and bool(session.other_choices)
        mode = ("keypad-back" if has_back else "keypad") if keypad else "confirm"
        entering = previous is None or previous.step != state.step or mode != self.mode
        self.mode = mode
        if not keypad:
            # The confirm stands for the claim choice too: it says which service.
            label = session.claim_label(self.language)
            self.claim.text = self.t("service_line", service=label) if label else ""
            share(self.claim, 0.28)
            fill(self.area, [self.confirm, self.edit, *((self.more,) if others else ())])
            self.set_footer(self.cancel)
            self.title.text = self.t("confirm_mobile_title")
            self.title.color = INK
            share(self.title, 0.3)
            self.number.text = mask_phone(session.mobile or "")
            self.confirm.text = self.t("confirm")
            self.edit.text = self.t("edit_mobile")
            self.more.text = self.t("other_services")
            return
        # Typing: the question may take two lines (a mistake says what is wanted).
        self.claim.text = ""
        share(self.claim, 0)
        share(self.title, 0.5)
        fill(self.area, [self.keypad])
        self.set_footer(*((self.keypad_back,) if has_back else ()), self.cancel)
        if entering:
            self.keypad.clear()
        self.title.text = self.t("mobile_invalid" if session.mobile_error else "enter_mobile_title")
        self.title.color = WARNING if session.mobile_error else INK
        self.keypad.refresh()
        self.number.text = self.keypad.display_text
        self.keypad_back.text = self.t("back")


class DoneScreen(StepScreen):
    steps = (f.Step.DONE,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.body.spacing = 6  # text only: the room goes to the queue number
        self.title = Text(role="title", bold=True, size_hint_y=0.2)
        self.queue = Text(role="huge", bold=True, color=PRIMARY, size_hint_y=0.5)
        self.notes = Text(role="read", color=SECONDARY)
        self.hint = Text(role="read", bold=True, size_hint_y=0.2)
        for widget in (self.title, self.queue, self.notes, self.hint):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        session = state.session
        visit = session.visit if session else None
        patient = session.patient if session else None
        self.title.text = self.t("done_title")
        label = visit.queue_label if visit else ""  # "": no number, the ticket says why
        self.queue.text = self.t("queue_number", queue=label) if label else ""
        notes = []
        if session is not None and session.reprint:
            notes.append(self.t("reprint_note"))
        if patient is not None and patient.newly_registered:
            notes.append(self.t("new_patient"))
        if visit is not None and visit.local:
            notes.append(self.t("offline_note"))
        if session is not None and session.authen_status == "pending":
            notes.append(self.t("nhso_pending"))
        self.notes.text = "\n".join(notes)
        # Room for the notes only when there are some: the number stays big otherwise.
        share(self.notes, 0.2 * len(notes))
        share(self.queue, 0.5 - 0.1 * len(notes))
        self.hint.text = self.t("done_hint")


class CounterScreen(StepScreen):
    steps = (f.Step.GO_TO_COUNTER,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.body.spacing = 6
        self.title = Text(role="title", bold=True, color=WARNING, size_hint_y=0.2)
        self.reason = Text(role="read", size_hint_y=0.2)
        self.queue = Text(role="huge", bold=True, color=PRIMARY, size_hint_y=0.4)
        self.hint = Text(role="read", bold=True, size_hint_y=0.2)
        for widget in (self.title, self.reason, self.queue, self.hint):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        visit = state.session.visit if state.session else None
        self.title.text = self.t("counter_title")
        self.reason.text = self.t(counter_message(state.counter_reason))
        label = visit.queue_label if visit else ""  # "": no number, the ticket says why
        self.queue.text = self.t("queue_number", queue=label) if label else ""
        share(self.queue, 0.4 if visit else 0)
        # Without a visit the staff need the card itself (and the patient, the way there).
        self.hint.text = self.t("counter_hint" if visit else "counter_card_hint")


class CardErrorScreen(StepScreen):
    steps = (f.Step.CARD_ERROR,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, color=WARNING, size_hint_y=0.4)
        self.hint = Text(role="read", size_hint_y=0.6)
        self.body.add_widget(self.title)
        self.body.add_widget(self.hint)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.title.text = self.t("card_error_title")
        self.hint.text = self.t(card_error_message(state.error_code))


class CancelledScreen(StepScreen):
    """The check-in ended before a visit: say so, why, and what to do with the card."""

    steps = (f.Step.CANCELLED,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="huge", bold=True, color=WARNING, size_hint_y=0.4)
        self.reason = Text(role="read", size_hint_y=0.25)
        self.hint = Text(role="read", bold=True, size_hint_y=0.35)
        for widget in (self.title, self.reason, self.hint):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.title.text = self.t("cancelled_title")
        why = cancelled_message(state.cancel_reason)
        self.reason.text = self.t(why) if why else ""
        share(self.reason, 0.25 if why else 0)
        take = state.card_present
        self.hint.text = self.t("cancelled_take_card" if take else "cancelled_insert_again")


class StillThereScreen(StepScreen):
    """Shown instead of a choice screen while ``FlowState.warning``: a countdown to the
    reset, dismissed by a touch anywhere (the choice screen comes back as it was)."""

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        kwargs.setdefault("name", "still_there")
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, size_hint_y=0.22)
        self.count = Text(role="huge", bold=True, color=WARNING, size_hint_y=0.3)
        self.seconds = Text(role="read", size_hint_y=0.2)
        self.go_on = BigButton(on_press_do=self.go_on_touched, size_hint_y=0.28)
        for widget in (self.title, self.count, self.seconds, self.go_on):
            self.body.add_widget(widget)
        self.deadline = 0.0
        self._ticker: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        if self.collide_point(*touch.pos):
            self.go_on_touched()
            return True
        return False

    def go_on_touched(self) -> None:
        self.ui.post(f.PatientActive())

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        if previous is None or not previous.warning or previous.seq != state.seq:
            self.deadline = time.monotonic() + (state.timeout_s or 0)
        self.title.text = self.t("still_there_title")
        self.go_on.text = self.t("still_there_touch")
        self.tick()
        if self._ticker is None:
            self._ticker = Clock.schedule_interval(lambda _dt: self.tick(), 0.25)

    def seconds_left(self) -> int:
        return max(0, math.ceil(self.deadline - time.monotonic()))

    def tick(self) -> None:
        left = self.seconds_left()
        self.count.text = str(left)
        self.seconds.text = self.t("still_there_seconds", seconds=left)

    def on_leave(self, *_args: Any) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None


class StaffPinScreen(SplitScreen):
    steps = (f.Step.STAFF_PIN,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, size_hint_y=0.4)
        self.keypad = Keypad(
            max_len=8,
            secret=True,
            on_digit=lambda: None,
            on_ok=self._submit,
            ok_label=lambda: self.t("ok"),
            delete_label=lambda: self.t("delete"),
            size_hint_y=0.84,
        )
        self.dots = Text(role="title", size_hint_y=0.3)
        self.keypad.on_change = lambda text: setattr(self.dots, "text", text)
        self.cancel = BigButton(
            on_press_do=lambda: ui.post(f.StaffAction("back")),
            colour=MUTED,
            role="hint",
            size_hint_y=0.3,
        )
        for widget in (self.title, self.dots, self.cancel):
            self.info.add_widget(widget)
        self.area.add_widget(self.keypad)

    def _submit(self, value: str) -> None:
        self.keypad.clear()  # the PIN leaves the screen at once
        self.ui.submit_pin(value)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        wrong = state.pin_attempts > 0
        self.title.text = self.t("staff_pin_wrong") if wrong else self.t("staff_pin_title")
        self.title.color = WARNING if wrong else MUTED
        self.cancel.text = self.t("back")
        if previous is None or previous.step != state.step:
            self.keypad.clear()
        self.keypad.refresh()


class StaffMenuScreen(StepScreen):
    steps = (f.Step.STAFF_MENU,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, size_hint_y=0.12)
        # Room for four lines: the queue, the HTTPS fingerprint, version/IP/slot/update,
        # and the last test print's result.
        self.status = Text(role="hint", color=MUTED, size_hint_y=0.28)
        post = ui.post
        self.replay = BigButton(on_press_do=lambda: post(f.StaffAction("replay")), size_hint_y=0.15)
        self.test_print = BigButton(
            on_press_do=lambda: post(f.StaffAction("test_print")), size_hint_y=0.15
        )
        self.exit = BigButton(
            on_press_do=lambda: post(f.StaffAction("exit")), colour=WARNING, size_hint_y=0.15
        )
        self.back = BigButton(
            on_press_do=lambda: post(f.StaffAction("back")), colour=SECONDARY, size_hint_y=0.15
        )
        for widget in (
            self.title, self.status, self.replay, self.test_print, self.exit, self.back
        ):  # fmt: skip
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.title.text = self.t("staff_menu_title")
        self.status.text = self.t("staff_status", pending=self.ui.journal_pending())
        if fingerprint := self.ui.backoffice_fingerprint():
            self.status.text += f"\nHTTPS SHA-256 {fingerprint}"
        version, address = self.ui.about()
        lines = [self.t("staff_about", version=version, address=address or "-")]
        if (facts := self.ui.update_facts()) is not None:
            lines.append(self.t("staff_slot", slot=facts.slot))
            if facts.result:
                result = self.t(f"staff_update_{facts.result}")
                lines.append(
                    self.t("staff_last_update", version=facts.result_version, result=result)
                )
        self.status.text += "\n" + " · ".join(lines)
        if state.test_print:
            self.status.text += "\n" + self.t(f"staff_test_print_{state.test_print}")
        self.replay.text = self.t("staff_replay")
        self.test_print.text = self.t("staff_test_print")
        self.exit.text = self.t("staff_exit")
        self.back.text = self.t("staff_back")


SCREEN_CLASSES: tuple[type[StepScreen], ...] = (
    IdleScreen,
    BusyScreen,
    ClaimTypeScreen,
    MobileScreen,
    DoneScreen,
    CounterScreen,
    CardErrorScreen,
    CancelledScreen,
    StaffPinScreen,
    StaffMenuScreen,
)


def build_screens(ui: UiContext) -> dict[f.Step, StepScreen]:
    """One screen per step, named after it (busy steps share a layout, not a screen)."""
    screens: dict[f.Step, StepScreen] = {}
    for cls in SCREEN_CLASSES:
        for step in cls.steps:
            screens[step] = cls(ui, name=step.value)
    missing = set(f.Step) - set(screens)
    if missing:
        raise RuntimeError(f"steps without a screen: {sorted(missing)}")
    return screens
