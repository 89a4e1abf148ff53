"""Long jobs show real progress (issue 22 item 4, done-when): the claim-code catch-up and
an e-Claim export with its upload, run in Chromium against the backoffice on MariaDB
and the NHSO sandbox answering slowly. The pages are polled during the run: they show
done of total with the total known from the start, the time left, a cancel that stops
the run and keeps what was done, and a result that says what to do about each
outcome that is not a success."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from backoffice.reports.visits import visits_between
from backoffice.testing import seed_day
from integrations.nhso.sandbox.faults import Faults

from .conftest import NOW, Site, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.web]

DAYS = 8
START = (NOW - dt.timedelta(days=DAYS)).date()
END = (NOW - dt.timedelta(days=1)).date()


@pytest.fixture(scope="module")
def backlog(site: Site) -> int:
    """Visits without a code on the days before the fixture's own: what a catch-up
    of START..END must check (NHSO never issued them a code, so it finds none)."""
    for back in range(1, DAYS + 1):
        seed_day(site.deps.clinic, (NOW - dt.timedelta(days=back)).replace(hour=8),
                 with_code=1, without_code=4, pending=1, walkin_name="ค้าง")  # fmt: skip
    rows = visits_between(site.deps.clinic, START, END)
    return sum(1 for r in rows if not r.claim_code)  # ours and the synthetic clinic's


def read_box(page: Any) -> dict[str, str | None]:
    box = page.locator("#job-box")
    return {k: box.get_attribute(f"data-{k}") for k in ("done", "total", "finished")}


def poll(page: Any, url: str, *, until: str = "#job-status", limit_s: float = 90) -> list[Any]:
    """Reload `url` until `until` appears; every progress box seen on the way."""
    seen: list[Any] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        page.goto(url)
        if page.locator("#job-box").count():
            seen.append({**read_box(page), "eta": page.locator("#job-eta").count() > 0})
        if page.locator(until).count():
            return seen
        time.sleep(0.3)
    raise AssertionError(f"no {until} within {limit_s} s: {seen[-3:]}")


@pytest.fixture
def slow_nhso(site: Site) -> Any:
    site.sandbox.faults.set(Faults(latency_s=0.35))
    yield
    site.sandbox.faults.clear()


def test_catch_up_shows_done_of_total_time_left_and_next_steps(
    page: Any, site: Site, backlog: int, slow_nhso: None
) -> None:
    sign_in(page, "t_staff")
    url = f"/claims?date={START.isoformat()}&to={END.isoformat()}"
    page.goto(url)
    page.click("#run-sync")
    seen = poll(page, url)
    running = [s for s in seen if s["finished"] == "false"]
    assert running, "the run was never seen unfinished"
    # Known from the first visit on (0 only while the run reads what it must check).
    assert {s["total"] for s in running if s["total"] != "0"} == {str(backlog)}
    assert all(s["done"] == "0" for s in running if s["total"] == "0")
    assert any(0 < int(s["done"] or 0) < backlog for s in running)
    assert any(s["eta"] for s in running)
    dones = [int(s["done"] or 0) for s in running]
    assert dones == sorted(dones)
    shot(page, "progress-sync-done")
    # NHSO has none of these codes: not green, and it says what to do.
    assert page.get_attribute("#job-status", "data-all-good") == "false"
    steps = page.locator("#next-steps li")
    assert steps.count() >= 1
    assert steps.first.get_attribute("data-next") == "not_found"
    assert "ยืนยันตัวตน" in steps.first.inner_text()
    assert page.locator("#job-box").get_attribute("data-done") == str(backlog)


def test_a_cancelled_catch_up_stops_and_keeps_what_it_checked(
    page: Any, site: Site, backlog: int
) -> None:
    site.sandbox.faults.set(Faults(latency_s=0.8))
    try:
        sign_in(page, "t_staff")
        start = (NOW - dt.timedelta(days=DAYS + 30)).date()
        url = f"/claims?date={start.isoformat()}&to={END.isoformat()}"
        page.goto(url)
        page.check("#dry-run")  # a different range and a dry run: nothing settled before
        page.click("#run-sync")
        page.wait_for_selector("#job-cancel")
        page.click("#job-cancel")
        poll(page, url)
        stopped = page.locator("#job-status [data-error-code]")
        assert stopped.get_attribute("data-error-code") == "claims.sync_cancelled"
        done, total = int(read_box(page)["done"] or 0), int(read_box(page)["total"] or 0)
        assert total >= backlog and done < total
    finally:
        site.sandbox.faults.clear()


def test_an_export_with_upload_shows_its_total_while_sending(page: Any, site: Site) -> None:
    site.sandbox.faults.set(Faults(latency_s=2.5, paths=("/FMU/ecimp/v1/send",)))
    try:
        sign_in(page, "t_staff")
        page.goto("/exports")
        # The form's own date fields (whatever date picker stands in front of them).
        for name, day in (("date_from", START), ("date_to", END)):
            page.eval_on_selector(
                f"form.stack input[name={name}]", "(e, v) => { e.value = v; }", day.isoformat()
            )
        page.check("input[name=kind][value=eclaim]")
        page.check("input[name=upload_nhso]")
        page.click("form[action='/exports/run'] button[type=submit]")
        page.wait_for_url("**/exports/jobs/**")
        seen = poll(page, page.url, until="#nhso-upload-result")
    finally:
        site.sandbox.faults.clear()
    running = [s for s in seen if s["finished"] == "false"]
    assert running and all(int(s["total"] or 0) > 0 for s in running)
    final = read_box(page)
    assert final["finished"] == "true" and final["done"] == final["total"]
    shot(page, "progress-export-done")
