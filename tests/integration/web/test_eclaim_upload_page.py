"""The export page's "send to NHSO e-Claim" option, in Chromium, against the sandbox.

Staff export a range with the upload ticked: the job page shows each right's result in
Thai and English; the same range again is refused by our ledger (nothing reaches the
sandbox twice), even with "send again on purpose" once NHSO acknowledged it; that box
sends again only what has an unknown outcome; a viewer never sees the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backoffice.exports.eclaim_ledger import recent_uploads
from backoffice.testing import seed_day

from .conftest import NOW, Site, shot, sign_in

pytestmark = pytest.mark.integration

RANGE = (NOW.date().replace(day=1).isoformat(), NOW.date().isoformat())


def export_with_upload(page: Any, *, resend: bool = False, days: tuple[str, str] = RANGE) -> None:
    page.goto("/exports")
    page.fill("input[name=date_from]", days[0])
    page.fill("input[name=date_to]", days[1])
    page.check("input[name=kind][value=eclaim]")
    page.check("input[name=upload_nhso]")
    if resend:
        page.check("input[name=resend]")
    page.click("form[action='/exports/run'] button[type=submit]")
    page.wait_for_url("**/exports/jobs/**")
    # The job page reloads itself every 2 s until the job is done.
    page.wait_for_selector("#nhso-upload-result", timeout=60_000)


def test_staff_send_a_batch_once_and_see_the_result_in_both_languages(
    page: Any, site: Site
) -> None:
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    before = site.sandbox.eclaim.snapshot()["send_requests"]
    export_with_upload(page)
    rows = page.locator("table.nhso-parts tr[data-status]")
    assert int(page.inner_text("#included")) > 0
    assert rows.count() >= 1
    statuses = {rows.nth(i).get_attribute("data-status") for i in range(rows.count())}
    assert statuses == {"sent"}, page.inner_text("#nhso-upload-result")
    text = page.inner_text("#nhso-upload-result")
    assert "ส่งแล้ว" in text and "Sent" in text and "sandbox" in text
    sent = site.sandbox.eclaim.snapshot()["send_requests"] - before
    assert sent == rows.count()
    shot(page, "exports-nhso-upload-sent")

    export_with_upload(page)  # the same range: the same content
    rows = page.locator("table.nhso-parts tr[data-status]")
    statuses = {rows.nth(i).get_attribute("data-status") for i in range(rows.count())}
    assert statuses == {"refused"}
    codes = page.locator("#nhso-upload-result [data-error-code]")
    assert {codes.nth(i).get_attribute("data-error-code") for i in range(codes.count())} == {
        "nhso.eclaim.already_sent"
    }
    text = page.inner_text("#nhso-upload-result")
    assert "เคยส่งเข้า e-Claim แล้ว" in text and "already sent" in text
    assert site.sandbox.eclaim.snapshot()["send_requests"] - before == sent  # nothing more
    assert page.get_attribute("#nhso-upload-result", "data-ok") == "false"
    shot(page, "exports-nhso-upload-refused")

    # NHSO acknowledged it: ticking "send again on purpose" does not send it again.
    export_with_upload(page, resend=True)
    rows = page.locator("table.nhso-parts tr[data-status]")
    statuses = {rows.nth(i).get_attribute("data-status") for i in range(rows.count())}
    assert statuses == {"refused"}
    assert "not even with --resend" in page.inner_text("#nhso-upload-result")
    assert site.sandbox.eclaim.snapshot()["send_requests"] - before == sent
    parts = rows.count()
    # The export page lists every attempt (the refused ones wrote none), newest first.
    page.goto("/exports")
    history = page.locator("#eclaim-uploads tr[data-status]")
    assert history.count() == parts
    assert {history.nth(i).get_attribute("data-status") for i in range(history.count())} == {"sent"}
    shot(page, "exports-nhso-upload-history")


def test_send_again_on_purpose_sends_only_what_is_unknown(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    day = NOW - dt.timedelta(days=7)
    seed_day(site.deps.clinic, day.replace(hour=8), with_code=1, without_code=0, pending=0)
    days = (day.date().isoformat(), day.date().isoformat())
    before = site.sandbox.eclaim.snapshot()
    site.sandbox.set_faults(server_error=True, paths=["ecimp/v1/send"], count=1)
    try:
        export_with_upload(page, days=days)
    finally:
        site.sandbox.clear_faults()
    rows = page.locator("table.nhso-parts tr[data-status]")
    assert rows.count() >= 1
    assert rows.nth(0).get_attribute("data-status") == "unknown"
    export_with_upload(page, days=days)  # not ticked: refused until staff check e-Claim
    codes = page.locator("#nhso-upload-result [data-error-code]")
    assert codes.nth(0).get_attribute("data-error-code") == "nhso.eclaim.outcome_unknown"
    export_with_upload(page, days=days, resend=True)
    rows = page.locator("table.nhso-parts tr[data-status]")
    assert rows.nth(0).get_attribute("data-status") == "sent"
    after = site.sandbox.eclaim.snapshot()
    new = after["uploads"][len(before["uploads"]) :]
    assert new[-1]["import_dup"] and not any(u["import_dup"] for u in new[:-1])
    shot(page, "exports-nhso-upload-resent")


def test_nhso_down_is_said_in_both_languages_and_nothing_is_recorded(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    site.sandbox.set_faults(server_error=True, paths=["ecimp/v1/auth"], count=1)
    try:
        export_with_upload(page, days=(RANGE[0], RANGE[0]))
    finally:
        site.sandbox.clear_faults()
    alert = page.locator("#nhso-upload-result [data-error-code]")
    assert alert.get_attribute("data-error-code") == "nhso.unavailable"
    text = alert.inner_text()
    assert "สปสช." in text and "NHSO" in text
    assert page.locator("table.nhso-parts").count() == 0
    assert page.locator("ul.downloads a").count() >= 1  # the export itself is there
    day = RANGE[0].replace("-", "")
    recorded = recent_uploads(site.deps.clinic.engine, 100)
    assert [r for r in recorded if f"_{day}-{day}_" in r["batch"]] == []
    shot(page, "exports-nhso-upload-error")


def test_a_viewer_cannot_export_or_upload(page: Any, site: Site) -> None:
    sign_in(page, "t_viewer")
    page.wait_for_url("**/queue")
    reply = page.goto("/exports")
    assert reply.status == 403
    assert page.locator("input[name=upload_nhso]").count() == 0
