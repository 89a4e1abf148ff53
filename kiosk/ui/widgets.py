"""Big, high-contrast, touch-first widgets that scale with the screen.

Sizes are fractions of the screen's shorter side (``unit``), so the same screens work
from 800x480 to 1920x1080, portrait or landscape.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from common.line_breaks import wrap_lines

# Font size per role, as a fraction of the screen's shorter side.
ROLES = {
    "huge": 0.24,
    "title": 0.075,
    "body": 0.052,
    "button": 0.085,
    "key": 0.11,
    "hint": 0.04,
    "small": 0.034,
    # What a patient must read: 40 px from a 1024x600 panel up (arm's length, old eyes).
    "read": 0.068,
}
INK = (0.08, 0.09, 0.14, 1)
PAPER = (0.98, 0.97, 0.94, 1)
PRIMARY = (0.05, 0.50, 0.24, 1)
SECONDARY = (0.16, 0.30, 0.55, 1)
WARNING = (0.72, 0.20, 0.12, 1)
MUTED = (0.35, 0.37, 0.42, 1)


MIN_FONT = 14.0


class Scaled:
    """A label whose font is as big as its role allows and small enough to fit its box.

    Thai fonts stand tall (tone marks above, vowels below), so a fixed size per role
    either wastes space or overflows; each label shrinks from its role's size until the
    wrapped text fits. Lines end only between words (see texture_update); a widget lists
    Scaled before its Kivy class so that this texture_update runs first.
    """

    role = "body"
    max_font = 24.0
    fit_width = 1.0  # share of the width the text may use (buttons keep a margin)

    def _setup_fit(self) -> None:
        self._fit_trigger = Clock.create_trigger(lambda _dt: self.fit(), 0)
        widget: Any = self
        widget.bind(size=lambda *_a: self._fit_trigger(), text=lambda *_a: self._fit_trigger())

    def fit(self) -> None:
        label: Any = self
        if label.width <= 1 or label.height <= 1:
            return
        width = label.width * self.fit_width
        label.text_size = (width, None)
        size = self.max_font
        while True:
            label.font_size = size
            label.texture_update()
            tw, th = label.texture_size
            if (tw <= width + 1 and th <= label.height + 1) or size <= MIN_FONT:
                return
            size = max(MIN_FONT, size * 0.9)

    def texture_update(self, *largs: Any) -> None:
        """Draw the text in lines that end only between words.

        Kivy wraps at spaces and, inside a run without one (any Thai sentence), between
        any two letters. Lines that already fit it leaves alone, so the text it draws is
        broken here first, with Kivy's own measure, where common.line_breaks allows.
        `text` itself stays as the screen set it.
        """
        label: Any = self
        core = label._label  # Kivy's CoreLabel: the texture is drawn from its text
        if core is not None and not label.markup:
            core.text = word_wrapped(core, label.text)
        cast(Any, super()).texture_update(*largs)


def word_wrapped(core: Any, text: str) -> str:
    """`text` with a newline wherever a line must break to fit `core`'s text_size."""
    width = core.text_size[0]
    if not text or width is None:
        return text
    padding = core.options["padding"]
    room = max(0, int(width - padding[0] - padding[2]))  # as Kivy's layout_text counts it
    core.resolve_font_name()  # the font may have changed since the last texture
    extents = core.get_cached_extents()
    return "\n".join(wrap_lines(text, lambda line: extents(line)[0], room))


def script_for(language: str) -> str:
    return "Thai" if language == "th" else "Latn"


class Text(Scaled, Label):  # type: ignore[misc]
    def __init__(self, role: str = "body", color: tuple[float, ...] = INK, **kwargs: Any) -> None:
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("valign", "middle")
        super().__init__(color=color, font_script_name="Thai", **kwargs)
        self.role = role
        self._setup_fit()


class BigButton(Scaled, Button):  # type: ignore[misc]
    fit_width = 0.92

    def __init__(
        self,
        text: str = "",
        on_press_do: Callable[[], None] | None = None,
        colour: tuple[float, ...] = PRIMARY,
        role: str = "button",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            text=text,
            background_normal="",
            background_down="",
            background_color=colour,
            color=(1, 1, 1, 1),
            halign="center",
            valign="middle",
            font_script_name="Thai",
            **kwargs,
        )
        self.role = role
        self._action = on_press_do
        self._setup_fit()

    def on_release(self) -> None:
        if self._action is not None:
            self._action()


def apply_scale(root: Widget, unit: float, language: str) -> None:
    """Give every label its role's size for this screen and its script, then fit it."""
    script = script_for(language)
    for widget in root.walk(restrict=True):
        if isinstance(widget, Scaled) and isinstance(widget, Label):
            widget.max_font = max(MIN_FONT, unit * ROLES[widget.role])
            widget.font_script_name = script
            widget.fit()


class Dots(Widget):  # type: ignore[misc]
    """Progress as a row of dots, drawn (the Thai fonts have no circle glyphs)."""

    def __init__(self, count: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count = count
        self.filled = 0
        self.bind(pos=self._redraw, size=self._redraw)

    def show(self, filled: int) -> None:
        self.filled = filled
        self._redraw()

    def _redraw(self, *_args: object) -> None:
        self.canvas.clear()
        diameter = min(self.height * 0.5, self.width / (self.count * 2))
        gap = diameter
        total = self.count * diameter + (self.count - 1) * gap
        x = self.center_x - total / 2
        y = self.center_y - diameter / 2
        with self.canvas:
            for i in range(self.count):
                Color(*(PRIMARY if i < self.filled else (0.80, 0.82, 0.85, 1)))
                Ellipse(pos=(x + i * (diameter + gap), y), size=(diameter, diameter))


class Panel(BoxLayout):  # type: ignore[misc]
    """A vertical box with a flat background."""

    def __init__(self, colour: tuple[float, ...] = PAPER, **kwargs: Any) -> None:
        kwargs.setdefault("orientation", "vertical")
        super().__init__(**kwargs)
        with self.canvas.before:
            Color(*colour)
            self._bg = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._redraw, size=self._redraw)

    def _redraw(self, *_args: object) -> None:
        self._bg.pos = self.pos
        self._bg.size = self.size


class Keypad(BoxLayout):  # type: ignore[misc]
    """A big numeric keypad and its display; the digits stay on the UI thread."""

    def __init__(
        self,
        *,
        max_len: int,
        secret: bool,
        on_digit: Callable[[], None],
        on_ok: Callable[[str], None],
        ok_label: Callable[[], str],
        delete_label: Callable[[], str],
        gap: float = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(orientation="vertical", spacing=6, **kwargs)
        self.max_len = max_len
        self.secret = secret
        self.value = ""
        self._on_digit = on_digit
        self._on_ok = on_ok
        self._ok_label = ok_label
        self._delete_label = delete_label
        self.on_change: Callable[[str], None] = lambda _text: None
        self.display_text = ""  # shown by the screen, beside or above the keys
        grid = GridLayout(cols=3, spacing=gap)
        self.keys: dict[str, BigButton] = {}
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok"):
            colour = PRIMARY if key == "ok" else (WARNING if key == "del" else SECONDARY)
            button = BigButton(key, on_press_do=partial(self.press, key), colour=colour, role="key")
            self.keys[key] = button
            grid.add_widget(button)
        self.add_widget(grid)
        self.refresh()

    def press(self, key: str) -> None:
        if key == "ok":
            self._on_ok(self.value)
            return
        if key == "del":
            self.value = self.value[:-1]
        elif len(self.value) < self.max_len:
            self.value += key
        self.refresh()
        self._on_digit()

    def clear(self) -> None:
        self.value = ""
        self.refresh()

    def refresh(self) -> None:
        self.keys["ok"].text = self._ok_label()
        self.keys["del"].text = self._delete_label()
        if self.secret:
            self.display_text = "•" * len(self.value) or " "
        else:
            self.display_text = group_mobile(self.value) or "___-___-____"
        self.on_change(self.display_text)


def group_mobile(digits: str) -> str:
    """0812345678 -> 081-234-5678 as the patient types (easier to check at a glance)."""
    parts = [digits[:3], digits[3:6], digits[6:]]
    return "-".join(p for p in parts if p)


class LongPress(BoxLayout):  # type: ignore[misc]
    """A area that fires after being held (the staff gesture); its children show as usual."""

    def __init__(self, hold_s: float, on_hold: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hold_s = hold_s
        self._on_hold = on_hold
        self._event: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        if self.collide_point(*touch.pos):
            self._event = Clock.schedule_once(lambda _dt: self._on_hold(), self.hold_s)
            return True
        return False

    def on_touch_up(self, touch: Any) -> bool:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        return False

    def held(self) -> bool:
        return self._event is not None
