"""Charts drawn on the server as SVG: no script, no charting library, the strict CSP kept.

Each chart is a small ``<svg>`` with a ``viewBox`` and no fixed size, so it scales to
the width of a phone or a desk screen; its words are sized for a phone (the stylesheet
caps the width on a desk so they do not grow huge). Every bar carries a ``<title>``
with its number, and every chart a ``data-*`` summary, so the numbers stay readable
without a mouse and testable without pixels. Colours come from ``charts.css`` by class,
with the same colours as presentation attributes for a copy saved without it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 400
HEIGHT = 230
LEFT, RIGHT, TOP, BOTTOM = 34, 36, 34, 30
MAX_X_LABELS = 8
FONT = 11

#: Fallback fills by class (the stylesheet sets the same).
FILLS: dict[str, str] = {
    "ok": "#2e7d32",
    "warn": "#ef6c00",
    "bad": "#c62828",
    "info": "#1565c0",
    "muted": "#9e9e9e",
    "line": "#37474f",
}


@dataclass(frozen=True)
class Series:
    """One stacked part of every bar: its key (CSS class and data name), label, values."""

    key: str
    label: str
    css: str
    values: Sequence[int]


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _text(x: float, y: float, words: str, *, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{FONT}">'
        f"{escape(words)}</text>"
    )


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    """Swatches and labels along the top, wrapped onto a second line when long."""
    out: list[str] = []
    x, y = float(LEFT), 12.0
    for css, label in items:
        width = 16 + FONT * 0.62 * len(label)
        if x + width > WIDTH - 4 and x > LEFT:
            x, y = float(LEFT), y + 14
        out.append(
            f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="10" height="10" class="{css}" '
            f'fill="{FILLS.get(css, "#666")}"/>'
        )
        out.append(_text(x + 13, y + 1, label, anchor="start"))
        x += width
    return out


def _svg(
    kind: str, title: str, body: list[str], data: dict[str, str], height: int = HEIGHT
) -> Markup:
    attrs = "".join(f' data-{k}="{escape(v)}"' for k, v in data.items())
    return Markup(  # noqa: S704 - every text above went through escape()
        f'<svg class="chart" data-chart="{kind}"{attrs} viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def stacked_bars(
    kind: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    line: Sequence[float | None] | None = None,
    line_label: str = "",
) -> Markup:
    """Bars stacked from `series` per label; optionally a percentage line (0-100 %, the
    right-hand axis) drawn over them, e.g. the share of visits with a claim code."""
    n = len(labels)
    totals = [sum(s.values[i] for s in series) for i in range(n)]
    top = max(nice_ceiling(max(totals, default=0)), 4)
    steps = next(s for s in (4, 5, 2) if top % s == 0)  # whole numbers on the axis
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    body: list[str] = _legend(
        [(s.css, s.label) for s in series] + ([("line", line_label)] if line is not None else [])
    )
    for step in range(steps + 1):  # the grid lines and the base
        y = base - plot_h * step / steps
        body.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        body.append(_text(LEFT - 4, y + 4, f"{top * step // steps}", anchor="end"))
        if line is not None:
            body.append(_text(WIDTH - RIGHT + 4, y + 4, f"{100 * step // steps}%", anchor="start"))
    slot = plot_w / max(n, 1)
    bar = max(slot * 0.72, 1.0)
    every = max(1, math.ceil(n / MAX_X_LABELS))
    for i, label in enumerate(labels):
        x = LEFT + slot * i + (slot - bar) / 2
        y = float(base)
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'class="{s.css}" fill="{FILLS.get(s.css, "#666")}" data-series="{s.key}" '
                f'data-value="{value}"><title>{escape(label)} · {escape(s.label)}: '
                f"{value}</title></rect>"
            )
        if i % every == 0:
            body.append(_text(x + bar / 2, base + 14, label))
    if line is not None:
        points = [
            (LEFT + slot * i + slot / 2, base - plot_h * p / 100)
            for i, p in enumerate(line)
            if p is not None
        ]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" class="line" fill="none" stroke="{FILLS["line"]}" '
                f'stroke-width="2"/>'
            )
            body.extend(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" class="dot" fill="{FILLS["line"]}"/>'
                for x, y in points
            )
    data = {"bars": str(n), "total": str(sum(totals))}
    return _svg(kind, title, body, data)


def bar_list(kind: str, title: str, items: Sequence[tuple[str, str, str, int]]) -> Markup:
    """Horizontal bars, one per (key, label, css class, count): outcomes side by side,
    each with its number written at the end of its bar."""
    rows = max(len(items), 1)
    height = 8 + rows * 26 + 4
    top = nice_ceiling(max((c for *_, c in items), default=0))
    label_w = 150
    plot_w = WIDTH - label_w - 40
    body: list[str] = []
    for i, (key, label, css, count) in enumerate(items):
        y = 8 + i * 26
        w = plot_w * count / top if count else 0
        body.append(_text(label_w - 6, y + 13, label, anchor="end"))
        body.append(
            f'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="18" class="{css}" '
            f'fill="{FILLS.get(css, "#666")}" data-series="{escape(key)}" data-value="{count}">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        body.append(_text(label_w + w + 4, y + 13, str(count), anchor="start"))
    data = {"bars": str(len(items)), "total": str(sum(c for *_, c in items))}
    return _svg(kind, title, body, data, height)
