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
from kiosk.ui.screens import StepScreen, UiContext, build_screens
from kiosk.ui.widgets import MUTED, SECONDARY, BigButton, LongPress, Panel, Text, apply_scale

STAFF_HOLD_S = 3.0


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
        header = BoxLayout(orientation="horizontal", size_hint_y=0.11, padding=[12, 4])
        # Held for a few seconds, the clinic name in the corner opens the staff PIN screen.
        corner = LongPress(STAFF_HOLD_S, lambda: ui.post(f.StaffGesture()), size_hint_x=0.4)
        self.staff_corner = corner
        self.clinic = Text(role="small", text=clinic_name, color=MUTED, halign="left")
        corner.add_widget(self.clinic)
        self.clock_label = Text(role="small", color=MUTED, size_hint_x=0.35)
        self.language_button = BigButton(
            on_press_do=lambda: ui.post(f.LanguageToggled()),
            colour=SECONDARY,
            role="hint",
            size_hint_x=0.25,
        )
        for widget in (corner, self.clock_label, self.language_button):
            header.add_widget(widget)
        self.add_widget(header)
        self.manager = ScreenManager(transition=NoTransition())
        self.screens: dict[f.Step, StepScreen] = build_screens(ui)
        for screen in self.screens.values():
            self.manager.add_widget(screen)
        self.add_widget(self.manager)
        self.bind(size=self._rescale)
        self.render(f.FlowState())

    @property
    def unit(self) -> float:
        return float(min(self.width, self.height))

    def _rescale(self, *_args: object) -> None:
        landscape = self.width >= self.height
        for screen in self.screens.values():
            screen.orient(landscape)
        apply_scale(self, self.unit, self.language)

    def tick(self) -> None:
        now = self.clock()
        if self.language == "th":
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
