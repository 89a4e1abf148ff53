"""One screen per flow step. Screens render a :class:`FlowState` and post flow events;
they hold no check-in data of their own beyond the digits being typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from common.cid import mask_phone
from kiosk import flow as f
from kiosk.i18n import Language, card_error_message, counter_message, text
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


@dataclass
class UiContext:
    """What the screens may call: flow events, the staff PIN check, a status line."""

    post: Callable[[f.Event], None]
    submit_pin: Callable[[str], None]
    journal_pending: Callable[[], int] = field(default=lambda: 0)
    # i18n keys of device problems for the idle screen (kiosk.device_status)
    device_notes: Callable[[], tuple[str, ...]] = field(default=lambda: ())


class StepScreen(Screen):  # type: ignore[misc]
    steps: tuple[f.Step, ...] = ()

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ui = ui
        self.language: Language = "th"
        self.body = BoxLayout(orientation="vertical", padding=[24, 12], spacing=12)
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

    def name_line(self, state: f.FlowState) -> str:
        session = state.session
        if session is None or session.identity is None:
            return ""
        identity = session.identity
        return identity.masked_name if self.language == "th" else identity.masked_name_en


class IdleScreen(StepScreen):
    steps = (f.Step.IDLE,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, size_hint_y=0.55)
        self.hint = Text(role="body", color=MUTED, size_hint_y=0.45)
        # Empty (and taking no room) unless the reader or the database is down.
        self.devices = Text(role="body", color=WARNING, size_hint_y=0)
        self.body.add_widget(self.title)
        self.body.add_widget(self.hint)
        self.body.add_widget(self.devices)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.title.text = self.t("idle_title")
        self.hint.text = self.t("idle_hint")
        notes = self.ui.device_notes()
        self.devices.text = "\n".join(self.t(key) for key in notes)
        self.devices.size_hint_y = 0.3 if notes else 0


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
        self.who = Text(role="body", color=MUTED, size_hint_y=0.2)
        self.title = Text(role="title", bold=True, size_hint_y=0.4)
        self.progress = Dots(len(self.steps), size_hint_y=0.15)
        self.hint = Text(role="hint", color=MUTED, size_hint_y=0.25)
        for widget in (self.who, self.title, self.progress, self.hint):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.who.text = self.name_line(state)
        self.title.text = self.t(state.step.value)
        # Which of the seven steps we are at, so a slow one does not look frozen.
        index = self.steps.index(state.step) + 1 if state.step in self.steps else 1
        self.progress.show(index)
        self.hint.text = self.t("busy_hint")


class ClaimTypeScreen(StepScreen):
    steps = (f.Step.RIGHTS_CHECKED,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.who = Text(role="body", color=MUTED, size_hint_y=0.12)
        self.title = Text(role="title", bold=True, size_hint_y=0.16)
        self.choices = BoxLayout(orientation="vertical", spacing=10, size_hint_y=0.62)
        self.hint = Text(role="hint", color=MUTED, size_hint_y=0.1)
        for widget in (self.who, self.title, self.choices, self.hint):
            self.body.add_widget(widget)
        self.buttons: dict[str, BigButton] = {}

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.who.text = self.name_line(state)
        self.title.text = self.t("choose_claim_type")
        self.hint.text = self.t("cancel_hint")
        rights = state.session.rights if state.session else None
        claims = rights.claim_types if rights else ()
        if tuple(self.buttons) != tuple(c.code for c in claims):
            self.choices.clear_widgets()
            self.buttons = {}
            for claim in claims:
                button = BigButton(
                    claim.name,
                    on_press_do=partial(self.ui.post, f.ClaimTypeChosen(claim.code)),
                    colour=SECONDARY,
                )
                self.buttons[claim.code] = button
                self.choices.add_widget(button)


class SplitScreen(StepScreen):
    """Text in one column, touch targets in the other (side by side in landscape)."""

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.info = BoxLayout(orientation="vertical", spacing=6)
        self.area = BoxLayout(orientation="vertical", spacing=10)
        self.body.add_widget(self.info)
        self.body.add_widget(self.area)

    def orient(self, landscape: bool) -> None:
        self.body.orientation = "horizontal" if landscape else "vertical"
        self.info.size_hint = (0.45, 1) if landscape else (1, 0.38)
        self.area.size_hint = (0.55, 1) if landscape else (1, 0.62)


class MobileScreen(SplitScreen):
    """The returning patient's one-touch confirm, or the keypad."""

    steps = (f.Step.CLAIM_TYPE_CHOSEN,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.who = Text(role="body", color=MUTED, size_hint_y=0.14)
        self.claim = Text(role="hint", color=SECONDARY, size_hint_y=0.14)
        self.title = Text(role="title", bold=True, size_hint_y=0.22)
        self.number = Text(role="huge", bold=True, size_hint_y=0.26)
        self.note = Text(role="small", color=WARNING, size_hint_y=0.02)
        for widget in (self.who, self.claim, self.title, self.number, self.note):
            self.info.add_widget(widget)
        self.confirm = BigButton(on_press_do=lambda: ui.post(f.MobileConfirmed()), size_hint_y=0.6)
        self.edit = BigButton(
            on_press_do=lambda: ui.post(f.MobileEditRequested()),
            colour=SECONDARY,
            size_hint_y=0.4,
        )
        self.keypad = Keypad(
            max_len=10,
            secret=False,
            on_digit=lambda: ui.post(f.PatientActive()),
            on_ok=lambda value: ui.post(f.MobileEntered(value)),
            ok_label=lambda: self.t("ok"),
            delete_label=lambda: self.t("delete"),
            size_hint_y=0.84,
        )
        self.keypad.on_change = lambda text: setattr(self.number, "text", text)
        self.keypad_back = BigButton(
            on_press_do=lambda: ui.post(f.MobileEditCancelled()),
            colour=MUTED,
            role="hint",
            size_hint_y=0.16,
        )
        self.mode = ""

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        session = state.session
        if session is None:
            return
        self.who.text = self.name_line(state)
        self.claim.text = session.claim_type.name if session.claim_type else ""
        notes = []
        if session.patient is not None and session.patient.newly_registered:
            notes.append(self.t("new_patient"))
        if session.nhso_down:
            notes.append(self.t("nhso_down_note"))
        self.note.text = "\n".join(notes)
        # Room for the notes only when there are some: the number stays big otherwise.
        self.note.size_hint_y = 0.14 * len(notes) + 0.02
        keypad = session.editing_mobile or session.mobile is None
        has_back = session.mobile is not None
        mode = ("keypad-back" if has_back else "keypad") if keypad else "confirm"
        entering = previous is None or previous.step != state.step or mode != self.mode
        if mode != self.mode:
            self.area.clear_widgets()
            if keypad:
                self.area.add_widget(self.keypad)
                if has_back:
                    self.area.add_widget(self.keypad_back)
            else:
                self.area.add_widget(self.confirm)
                self.area.add_widget(self.edit)
            self.mode = mode
        if not keypad:
            self.title.text = self.t("confirm_mobile_title")
            self.title.color = INK
            self.number.text = mask_phone(session.mobile or "")
            self.confirm.text = self.t("confirm")
            self.edit.text = self.t("edit_mobile")
            return
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
        self.title = Text(role="title", bold=True, size_hint_y=0.16)
        self.queue = Text(role="huge", bold=True, color=PRIMARY, size_hint_y=0.36)
        self.notes = Text(role="hint", color=WARNING, size_hint_y=0.22)
        self.hint = Text(role="body", size_hint_y=0.26)
        for widget in (self.title, self.queue, self.notes, self.hint):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        session = state.session
        visit = session.visit if session else None
        self.title.text = self.t("done_title")
        self.queue.text = self.t("queue_number", queue=visit.queue_label) if visit else ""
        notes = []
        if session is not None and session.reprint:
            notes.append(self.t("reprint_note"))
        if visit is not None and visit.local:
            notes.append(self.t("offline_note"))
        if session is not None and session.authen_status == "pending":
            notes.append(self.t("claim_pending_note"))
        self.notes.text = "\n".join(notes)
        self.hint.text = self.t("done_hint")


class CounterScreen(StepScreen):
    steps = (f.Step.GO_TO_COUNTER,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, color=WARNING, size_hint_y=0.2)
        self.reason = Text(role="body", size_hint_y=0.25)
        self.queue = Text(role="huge", bold=True, color=PRIMARY, size_hint_y=0.3)
        self.hint = Text(role="body", color=MUTED, size_hint_y=0.25)
        for widget in (self.title, self.reason, self.queue, self.hint):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        visit = state.session.visit if state.session else None
        self.title.text = self.t("counter_title")
        self.reason.text = self.t(counter_message(state.counter_reason))
        self.queue.text = self.t("queue_number", queue=visit.queue_label) if visit else ""
        if visit:
            self.hint.text = self.t("counter_hint")
        elif state.counter_reason == "registration":  # staff will need the card itself
            self.hint.text = self.t("counter_card_hint")
        else:
            self.hint.text = self.t("cancel_hint")


class CardErrorScreen(StepScreen):
    steps = (f.Step.CARD_ERROR,)

    def __init__(self, ui: UiContext, **kwargs: Any) -> None:
        super().__init__(ui, **kwargs)
        self.title = Text(role="title", bold=True, color=WARNING, size_hint_y=0.4)
        self.hint = Text(role="body", size_hint_y=0.6)
        self.body.add_widget(self.title)
        self.body.add_widget(self.hint)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.title.text = self.t("card_error_title")
        self.hint.text = self.t(card_error_message(state.error_code))


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
        self.title = Text(role="title", bold=True, size_hint_y=0.16)
        self.status = Text(role="hint", color=MUTED, size_hint_y=0.12)
        post = ui.post
        self.replay = BigButton(on_press_do=lambda: post(f.StaffAction("replay")), size_hint_y=0.24)
        self.exit = BigButton(
            on_press_do=lambda: post(f.StaffAction("exit")), colour=WARNING, size_hint_y=0.24
        )
        self.back = BigButton(
            on_press_do=lambda: post(f.StaffAction("back")), colour=SECONDARY, size_hint_y=0.24
        )
        for widget in (self.title, self.status, self.replay, self.exit, self.back):
            self.body.add_widget(widget)

    def update(self, state: f.FlowState, previous: f.FlowState | None) -> None:
        self.title.text = self.t("staff_menu_title")
        self.status.text = self.t("staff_status", pending=self.ui.journal_pending())
        self.replay.text = self.t("staff_replay")
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
