"""The server-drawn charts: numbers in, an SVG whose bars and line say the same numbers."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter

from backoffice.claims.report_charts import (
    chart_rows,
    daily_chart,
    month_label,
    month_start,
    upload_chart,
)
from backoffice.reports.authen import AuthenReport, CountLine
from backoffice.reports.charts import Series, bar_list, nice_ceiling, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_nice_ceiling_is_one_two_or_five_times_ten() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 394, 1001)] == [1, 1, 5, 10, 20, 500, 2000]


def test_stacked_bars_heights_follow_values_and_text_is_escaped() -> None:
    svg = stacked_bars(
        "t",
        "<b>",
        ["a", "b"],
        [Series("x", "X & Y", "ok", [2, 4]), Series("y", "Y", "bad", [2, 0])],
    )
    root = parse(svg)
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("data-series")]
    assert [(r.get("data-series"), r.get("data-value")) for r in rects] == [
        ("x", "2"), ("y", "2"), ("x", "4"),
    ]  # fmt: skip
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[0] == heights[1] and abs(heights[2] - 2 * heights[0]) < 0.2
    assert root.get("data-total") == "8"
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "X &amp; Y" in svg


def test_daily_chart_has_every_day_and_the_share_with_a_code() -> None:
    day = dt.date(2026, 1, 1)
    report = AuthenReport(
        day,
        day + dt.timedelta(days=29),
        [
            CountLine(day, "PG", "with_code", 3),
            CountLine(day, "PG", "no_code", 1),
            CountLine(day + dt.timedelta(days=2), "PG", "pending", 2),
        ],
        [],
        6,
    )
    assert report.without_code == 3 and report.without_code_percent == 50
    chart = daily_chart(report, "th")
    root = parse(chart.svg)
    assert root.get("data-bars") == "30"
    points = root.find(f"{SVG}polyline")
    assert points is not None
    # Two days have visits: 75 % on the first, 0 % on the third; empty days have no point.
    ys = [float(p.split(",")[1]) for p in (points.get("points") or "").split()]
    assert len(ys) == 2 and ys[1] > ys[0]
    assert ("2026-01-01", "with_code", 3) in chart.rows and len(chart.rows) == 90
    assert "มีรหัส" in chart.svg


def test_bar_list_writes_each_number() -> None:
    svg = bar_list("k", "T", [("filled", "บันทึกแล้ว", "ok", 7), ("not_found", "ไม่พบ", "bad", 0)])
    texts = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert "7" in texts and "0" in texts and "ไม่พบ" in texts


def test_months_are_buddhist_era_in_thai() -> None:
    assert month_start(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 1)
    assert month_label(dt.date(2026, 1, 1), "th") == "ม.ค.69"
    assert month_label(dt.date(2026, 1, 1), "en") == "Jan 26"
    chart = upload_chart(
        {dt.date(2026, 1, 1): Counter(sent=5, failed=1)}, dt.date(2026, 1, 9), "th"
    )
    assert ("2026-01", "sent", 5) in chart.rows and ("2026-01", "failed", 1) in chart.rows
    assert chart_rows([chart])[0][0] == "uploads"
