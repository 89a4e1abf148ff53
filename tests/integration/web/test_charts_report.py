"""The authen report's charts on a 30-day synthetic range (issue 22 item 3, done-when), in
Chromium against the running backoffice on MariaDB: the percentage without a claim code,
a bar for every day, the chart's numbers downloadable, readable at desk and phone width."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from backoffice.reports.authen import build_report
from backoffice.reports.visits import visits_between
from backoffice.testing import seed_day

from .conftest import NOW, SHOTS, Site, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.web]

START = (NOW - dt.timedelta(days=29)).date()


@pytest.fixture(scope="module")
def month(site: Site) -> None:
    """29 more days of kiosk visits before the fixture's own day, some days with more
    codes than others, none on Sundays (as a clinic)."""
    for back in range(1, 30):
        day = NOW - dt.timedelta(days=back)
        if day.weekday() == 6:
            continue
        seed_day(
            site.deps.clinic, day.replace(hour=8), with_code=1 + back % 4, without_code=back % 3,
            pending=back % 2, walkin_name="เดือน",
        )  # fmt: skip


def charts_shot(page: Any, name: str) -> Path:
    """The headline and charts only (the whole report is a long table)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    top = page.locator("#report-share").bounding_box()
    bottom = page.locator("#dl-chart-csv").bounding_box()
    assert top is not None and bottom is not None
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": top["y"] - 8, "width": width,
            "height": bottom["y"] + bottom["height"] - top["y"] + 16}  # fmt: skip
    page.screenshot(path=str(path), full_page=True, clip=clip)
    return path


def test_the_report_shows_the_share_without_a_code_and_a_bar_per_day(
    page: Any, site: Site, month: None
) -> None:
    report = build_report(visits_between(site.deps.clinic, START, NOW.date()), START, NOW.date())
    assert report.total > 100 and 0 < report.without_code < report.total
    sign_in(page, "t_staff")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/reports/authen?date={START.isoformat()}&to={NOW.date().isoformat()}")
    assert page.inner_text("#share-missing") == str(report.without_code)
    expected = round(100 * report.without_code / report.total)
    assert page.inner_text("#share-percent").replace("\xa0", " ") == f"{expected} %"
    daily = page.locator("svg[data-chart=daily]")
    assert daily.get_attribute("data-bars") == "30"
    assert daily.get_attribute("data-total") == str(report.total)
    # The bars drawn add up to the report's own totals, by outcome.
    drawn = page.eval_on_selector_all(
        "svg[data-chart=daily] rect[data-series]",
        "rs => rs.map(r => [r.dataset.series, Number(r.dataset.value)])",
    )
    by_outcome: dict[str, int] = {}
    for series, value in drawn:
        by_outcome[series] = by_outcome.get(series, 0) + value
    assert by_outcome == {k: v for k, v in report.totals_by_outcome().items() if v}
    assert page.locator("svg[data-chart=daily] polyline").count() == 1
    for key in ("catch_up", "uploads", "moph"):
        assert page.locator(f"#chart-{key} svg").count() == 1
    desk = charts_shot(page, "report-charts-1366")
    box = daily.bounding_box()
    assert box is not None and box["width"] >= 400
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    box = page.locator("svg[data-chart=daily]").bounding_box()
    # On a phone the chart fits the screen (no sideways scrolling to read it).
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    phone = charts_shot(page, "report-charts-390")
    assert desk.exists() and phone.exists()

    # The same numbers download as CSV.
    reply = page.request.get(
        f"/reports/authen.csv?date={START.isoformat()}&to={NOW.date().isoformat()}&part=charts"
    )
    assert reply.status == 200
    rows = list(csv.reader(io.StringIO(reply.body().decode("utf-8-sig"))))
    assert rows[0] == ["chart", "category", "series", "value"]
    daily_rows = [r for r in rows[1:] if r[0] == "daily"]
    assert sum(int(r[3]) for r in daily_rows) == report.total
    assert len({r[1] for r in daily_rows}) == 30
