"""The daily tasks in few presses (issue 22 item 5, done-when), each driven in Chromium
against the running backoffice (MariaDB, NHSO sandbox, the preview printer) and each
press counted: reprint from the queue row 1; assisted check-in at most 3 besides typing
the citizen ID; today's claim-code catch-up 1; the month's e-Claim export 2. Typing
and opening a page from the menu are not presses of the task; every click is."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.testing import walkin_cid
from hardware.printer import TicketData
from integrations.jhcis.records import Person, WalkinIdentity
from integrations.jhcis.tables import person
from integrations.nhso.sandbox.faults import Faults

from .conftest import NOW, Site, shot, sign_in
from .test_child_and_ticket import printed  # noqa: F401 - the recording printer fixture

pytestmark = [pytest.mark.integration, pytest.mark.web]

MOBILE_ON_FILE = "0891234567"


class Presses:
    """The page's clicks, counted: the only way the tests below press anything."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)


def registered(site: Site, serial: int) -> tuple[Person, str]:
    """A person JHCIS knows, with a mobile number on file, not yet seen today."""
    cid = walkin_cid(serial)
    identity = WalkinIdentity(
        cid=cid, title="นาง", first_name="ทดสอบ", last_name=f"กดน้อย{serial}",
        birth=dt.date(1970, 4, 4), sex="2",
    )  # fmt: skip
    who = site.deps.clinic.register_walkin(identity, at=NOW.replace(hour=7))
    site.deps.clinic.update_mobile(who, MOBILE_ON_FILE)
    return who, cid


def test_reprint_from_the_queue_row_is_one_press(
    page: Any,
    site: Site,
    printed: list[TicketData],  # noqa: F811 - the fixture
) -> None:
    target = site.day["coded"][0]
    sign_in(page, "t_staff")
    page.goto("/queue")
    presses = Presses(page)
    presses.click(f'.reprint-row[data-visitno="{target.visitno}"]')
    page.wait_for_selector("#queue-printed")
    assert presses.count == 1
    assert [t.visitno for t in printed] == [target.visitno]
    shot(page, "clicks-queue-reprint")


def test_the_queue_finds_by_hn_name_queue_number_and_citizen_id(page: Any, site: Site) -> None:
    target = site.day["uncoded"][0]
    with site.deps.clinic.engine.connect() as conn:
        fname, idcard = conn.execute(
            select(person.c.fname, person.c.idcard).where(
                person.c.pcucodeperson == target.pcucodeperson, person.c.pid == target.pid
            )
        ).one()
    sign_in(page, "t_staff")
    for text in (str(target.pid), fname, idcard, str(target.queue_no)):
        page.goto("/queue")
        page.fill("#queue-q", text)
        page.click("#queue-search-go")
        page.wait_for_selector("#queue-search-note")
        shown = page.eval_on_selector_all(
            "#queue-table tbody tr", "rs => rs.map(r => r.dataset.visitno)"
        )
        assert str(target.visitno) in shown, text
        assert len(shown) < len(site.day["coded"]) + 4, text  # a filter, not the whole day
    assert idcard not in page.url  # posted: never in a URL
    page.goto("/queue")
    page.fill("#queue-q", "ไม่มีชื่อนี้แน่นอน")
    page.click("#queue-search-go")
    assert page.locator("#queue-table").count() == 0
    # A viewer sees masked names only: a name finds nothing for them.
    sign_in(page, "t_viewer")
    page.goto("/queue")
    page.fill("#queue-q", fname)
    page.click("#queue-search-go")
    assert page.locator("#queue-table").count() == 0


def test_assisted_check_in_is_at_most_three_presses_and_prints_the_ticket(
    page: Any,
    site: Site,
    printed: list[TicketData],  # noqa: F811 - the fixture
) -> None:
    who, cid = registered(site, 630001)
    sign_in(page, "t_staff")
    page.goto("/checkin")
    page.fill("#cid", cid)  # typing the citizen ID is not a press
    presses = Presses(page)
    presses.click("#find")
    assert page.input_value("#mobile") == MOBILE_ON_FILE  # the number on file, filled in
    presses.click("#open-authen")
    page.wait_for_url(re.compile(r"/visits/\d+/\d+\?done=opened_printed"))
    assert presses.count <= 3
    (visit,) = site.deps.clinic.visits_on(who, NOW.date())
    assert [t.visitno for t in printed] == [visit.visitno]  # printed by itself, once
    assert page.inner_text("#reprint") == "พิมพ์บัตรคิวซ้ำ"  # the next print is the reprint
    shot(page, "clicks-assisted-checkin")


def test_with_nhso_down_staff_are_told_what_to_do_and_the_mobile_stays(
    page: Any, site: Site
) -> None:
    who, cid = registered(site, 630002)
    sign_in(page, "t_staff")
    page.goto("/checkin")
    page.fill("#cid", cid)
    page.click("#find")
    page.fill("#mobile", "0899999999")
    site.sandbox.faults.set(Faults(server_error=True))
    try:
        page.click("#open-authen")
        box = page.locator("[data-error-code]").first
        assert box.get_attribute("data-error-code") == "checkin.nhso_down"
    finally:
        site.sandbox.faults.clear()
    text = page.inner_text("[data-error-code]")
    assert "ติดต่อเจ้าหน้าที่" not in text and "ส่งเข้ารับบริการโดยไม่ทำ Authen" in text
    assert page.input_value("#mobile") == "0899999999"
    assert site.deps.clinic.visits_on(who, NOW.date()) == []
    shot(page, "clicks-assisted-checkin-nhso-down")


def test_todays_claim_code_catch_up_is_one_press(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    page.goto("/queue")
    presses = Presses(page)
    presses.click("#catch-up-today")
    page.wait_for_url(re.compile(r"/claims\?date=" + NOW.date().isoformat()))
    for _ in range(60):  # the page reloads itself until the run is over
        if page.locator("#job-status").count():
            break
        page.wait_for_timeout(500)
    assert page.locator("#job-status").count() == 1
    assert page.get_attribute("#job-box", "data-total") == page.get_attribute(
        "#job-box", "data-done"
    )
    assert presses.count == 1


def test_the_months_eclaim_export_is_two_presses(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    page.goto("/exports")
    presses = Presses(page)
    presses.click("#export-this_month")
    page.wait_for_url("**/exports/jobs/**")
    page.wait_for_selector("#included", timeout=60_000)  # the page reloads itself
    assert int(page.inner_text("#included")) > 0
    with page.expect_download() as download:
        presses.click("a[href$='/files/zip']")
    assert download.value.suggested_filename.endswith(".zip")
    assert presses.count == 2
