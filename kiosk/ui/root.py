"""The kiosk's root widget: a header (clinic, clock, language) above one screen per step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from common.thaidate import format_date_en, format_datetime_th
from kiosk import flow as f
from kiosk.i18n import text
from kiosk.ui.screens import TARGET_PX, StepScreen, StillThereScreen, UiContext, build_screens
from kiosk.ui.widgets import (
    INK,
    MUTED,
    SECONDARY,
    BigButton,
    LongPress,
    Panel,
    Text,
    apply_scale,
)

STAFF_HOLD_S = 3.0
HEADER_SHARE = 0.11  # of the height; never so little that the language button is small
HEADER_PAD = 4


class KioskRoot(Panel):
    def __init__(
        self,
        ui: UiContext,
        clinic_name: str,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ui = ui
        self.clock = clock
        self.state: f.FlowState | None = None
        self.language = "th"
        header = BoxLayout(
            orientation="horizontal", size_hint_y=None, padding=[12, HEADER_PAD], spacing=12
        )
        self.header = header
        # Held for a few seconds, the clinic name in the corner opens the staff PIN screen.
        corner = LongPress(STAFF_HOLD_S, lambda: ui.post(f.StaffGesture()), size_hint_x=0.4)
        self.staff_corner = corner
        self.clinic = Text(role="small", text=clinic_name, color=MUTED, halign="left")
        corner.add_widget(self.clinic)
        self.clock_label = Text(role="small", color=MUTED, size_hint_x=0.35)
        self.language_button = BigButton(
            on_press_do=lambda: ui.post(f.LanguageToggled()),
            colour=SECONDARY,
            role="read",
            size_hint_x=0.25,
        )
        for widget in (corner, self.clock_label, self.language_button):
            header.add_widget(widget)
        self.add_widget(header)
        self.manager = ScreenManager(transition=NoTransition())
        self.screens: dict[f.Step, StepScreen] = build_screens(ui)
        for screen in self.screens.values():
            self.manager.add_widget(screen)
        self.still_there = StillThereScreen(ui)
        self.manager.add_widget(self.still_there)
        self.add_widget(self.manager)
        self.bind(size=self._rescale)
        self.render(f.FlowState())

    @property
    def unit(self) -> float:
        return float(min(self.width, self.height))

    def _rescale(self, *_args: object) -> None:
        self.header.height = max(HEADER_SHARE * self.height, TARGET_PX + 2 * HEADER_PAD)
        landscape = self.width >= self.height
        # Portrait is narrow: the name and the language button get the clinic's room.
        shares = (0.4, 0.35, 0.25) if landscape else (0.2, 0.5, 0.3)
        for widget, share in zip(self.header.children[::-1], shares, strict=True):
            widget.size_hint_x = share
        for screen in self.screens.values():
            screen.orient(landscape)
        apply_scale(self, self.unit, self.language)

    def tick(self) -> None:
        # During a check-in the patient's (masked) name stands where the clock was, big:
        # the card read is theirs, on every screen, and the screens keep their room.
        name = who(self.state, self.language)
        self.clock_label.role = "read" if name else "small"
        self.clock_label.color = INK if name else MUTED
        now = self.clock()
        if name:
            self.clock_label.text = name
        elif self.language == "th":
            self.clock_label.text = format_datetime_th(now)
        else:
            self.clock_label.text = f"{format_date_en(now.date())} {now:%H:%M}"

    def render(self, state: f.FlowState) -> None:
        previous = self.state
        self.state = state
        self.language = state.language
        screen = self.screens[state.step]
        if state.session is None:
            for other in self.screens.values():
                if other is not screen:
                    other.wipe()
        screen.show(state, previous)
        if state.warning:  # over the step's screen, which keeps what it shows
            self.still_there.show(state, previous)
            screen = self.still_there
        self.manager.current = screen.name
        self.language_button.text = text("toggle_language", state.language)
        self.tick()
        apply_scale(self, self.unit, self.language)

    def screens_text(self) -> list[str]:
        """What the current screen says (tests and the demo's screenshots use it)."""
        return [
            widget.text
            for widget in self.current_screen.walk(restrict=True)
            if isinstance(widget, Text) and widget.text
        ]

    @property
    def current_screen(self) -> StepScreen:
        screen = self.manager.current_screen
        assert isinstance(screen, StepScreen)
        return screen


def who(state: f.FlowState | None, language: str) -> str:
    """The masked name of the card holder being checked in, or nothing."""
    session = state.session if state is not None else None
    if session is None or session.identity is None:
        return ""
    identity = session.identity
    return identity.masked_name if language == "th" else identity.masked_name_en
