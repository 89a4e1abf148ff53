"""Staff flows in Chromium against the running backoffice (MariaDB + NHSO sandbox)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from backoffice.testing import TEST_ACCOUNTS, XSS, walkin_cid
from integrations.jhcis.records import Visit, WalkinIdentity
from integrations.jhcis.tables import person

from .conftest import NOW, UNIT, Site, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.web]


def cid_of(site: Site, visit: Visit) -> str:
    from sqlalchemy import select

    with site.deps.clinic.engine.connect() as conn:
        return str(
            conn.execute(
                select(person.c.idcard).where(
                    person.c.pcucodeperson == visit.pcucodeperson, person.c.pid == visit.pid
                )
            ).scalar_one()
        )


def test_sign_in_and_the_queue_refreshes_itself(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    assert page.locator("h1").inner_text().startswith("คิววันนี้ — 15 ม.ค. 2569")
    total = sum(len(v) for v in site.day.values())
    assert page.inner_text("#count-total") == str(total)
    assert page.inner_text("#count-new") == "1"
    walkin = site.day["walkin"][0]
    row = page.locator(f'tr[data-visitno="{walkin.visitno}"]')
    assert "ลงทะเบียนใหม่ (นอกเขต)" in row.inner_text()
    assert XSS in row.inner_text()  # shown as text, never run (the page fixture checks)
    shot(page, "queue")
    # A kiosk check-in arrives: the table picks it up without a reload.
    clinic = site.deps.clinic
    someone = clinic.register_walkin(
        WalkinIdentity(
            cid=walkin_cid(424242), title="นาง", first_name="มาใหม่", last_name="ระหว่างวัน",
            birth=dt.date(1970, 5, 5), sex="2",
        ),
        at=NOW,
    )  # fmt: skip
    new = clinic.open_visit(someone, at=NOW, idempotency_key="browser-refresh-1")
    page.wait_for_selector(f'tr[data-visitno="{new.visitno}"]', timeout=8000)
    assert page.inner_text("#count-total") == str(total + 1)


def test_wrong_password_then_lockout_in_thai(page: Any, site: Site) -> None:
    for expected in ("auth.failed", "auth.failed", "auth.locked"):
        sign_in(page, "t_viewer", "not-the-password")
        box = page.locator("[data-error-code]")
        assert box.get_attribute("data-error-code") == expected
    assert "บัญชีนี้ถูกระงับชั่วคราว" in page.inner_text("[role=alert]")
    shot(page, "login-locked")
    site.deps.directory.unlock("t_viewer")


def test_viewer_sees_read_only_pages(page: Any) -> None:
    sign_in(page, "t_viewer")
    page.wait_for_url("**/queue")
    nav = page.inner_text("nav.main")
    assert "คิววันนี้" in nav and "สถานะตู้" in nav
    assert "ตั้งค่า" not in nav and "ลงทะเบียนแทนผู้ป่วย" not in nav
    reply = page.goto("/settings")
    assert reply.status == 403
    assert page.get_attribute("[data-error-code]", "data-error-code") == "auth.forbidden"
    reply = page.goto("/checkin")
    assert reply.status == 403


def test_every_page_renders_for_the_admin(page: Any, site: Site) -> None:
    sign_in(page, "t_admin")
    visit = site.day["coded"][0]
    pages = {
        "queue": "/queue",
        "visit": f"/visits/{visit.pcucode}/{visit.visitno}",
        "checkin": "/checkin",
        "claims": "/claims",
        "report": "/reports/authen?date=2026-01-15&to=2026-01-15",
        "health": "/health",
        "settings": "/settings",
        "staff": "/staff",
        "audit": "/audit",
    }
    for name, path in pages.items():
        reply = page.goto(path)
        assert reply.status == 200, path
        assert page.locator("h1").count() >= 1
        shot(page, f"page-{name}")
    page.click("text=English")
    assert "Today's queue" in page.inner_text("nav.main")
    page.click("text=ไทย")
    assert "คิววันนี้" in page.inner_text("nav.main")


def test_reprint_with_preview(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    visit = site.day["coded"][0]
    page.goto(f"/visits/{visit.pcucode}/{visit.visitno}")
    page.wait_for_function("document.getElementById('ticket-preview').naturalWidth > 0")
    width = page.evaluate("document.getElementById('ticket-preview').naturalWidth")
    assert width == site.deps.settings.printer.width_dots
    code = page.inner_text("#claim-code")
    assert re.fullmatch(r"PP\d{10}", code)
    before = set((site.deps.settings.data_dir.parent / "tickets").glob("*.png"))
    page.click("#reprint")
    page.wait_for_selector("[role=status]")
    assert "ส่งพิมพ์บัตรคิวแล้ว" in page.inner_text("[role=status]")
    after = set((site.deps.settings.data_dir.parent / "tickets").glob("*.png"))
    assert len(after - before) == 1
    shot(page, "visit-reprinted")


def _type_on_keypad(page: Any, digits: str) -> None:
    page.click(".keypad [data-key=clear]")
    for digit in digits:
        page.click(f".keypad [data-key='{digit}']")


def test_assisted_checkin_with_authen_code_without_card(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    target = site.day["uncoded"][0]
    cid = cid_of(site, target)
    page.goto("/checkin")
    _type_on_keypad(page, cid)
    assert page.input_value("#cid") == cid
    page.click("#find")
    assert page.locator("#person-name").inner_text().strip()
    assert cid not in page.content()  # only the masked citizen ID is shown
    page.fill("#mobile", "0812345678")
    page.click("#open-authen")
    page.wait_for_url(re.compile(r"/visits/\d+/\d+\?done=opened"))
    code = page.inner_text("#claim-code")
    issued = [r for r in site.sandbox.authens(cid) if r.source_channel == "AUTHENCODE_API"]
    assert len(issued) == 1 and issued[0].claim_code == code
    assert issued[0].hcode == UNIT
    shot(page, "checkin-authen-done")


def test_second_visit_of_the_day_without_authen(page: Any, site: Site) -> None:
    sign_in(page, "t_staff")
    target = site.day["coded"][1]
    cid = cid_of(site, target)
    before = len(site.sandbox.authens(cid))
    page.goto("/checkin")
    page.fill("#cid", cid)
    page.click("#find")
    assert page.locator("text=วันนี้มี visit แล้ว").count() == 1
    page.click("#open-plain")
    page.wait_for_url(re.compile(r"/visits/\d+/\d+\?done=opened"))
    assert page.inner_text("#claim-code") == "ไม่มีรหัสยืนยันสิทธิ"
    assert len(site.sandbox.authens(cid)) == before  # no authen was asked for


def test_unknown_and_invalid_citizen_ids(page: Any) -> None:
    sign_in(page, "t_staff")
    page.goto("/checkin")
    page.fill("#cid", "1234567890123")
    page.click("#find")
    assert page.get_attribute("[data-error-code]", "data-error-code") == "nhso.invalid_cid"
    page.fill("#cid", walkin_cid(777777))
    page.click("#find")
    assert page.get_attribute("[data-error-code]", "data-error-code") == "person_not_found"
    page.evaluate("document.getElementById('cid').removeAttribute('pattern')")
    page.fill("#cid", "1' OR '1'='1")
    page.click("#find")
    assert page.get_attribute("[data-error-code]", "data-error-code") == "nhso.invalid_cid"


def test_claim_code_sync_page_against_the_sandbox(page: Any, site: Site) -> None:
    target = site.day["uncoded"][1]
    record = site.sandbox.state.issue_authen(
        cid_of(site, target), "PG0060001", hcode=UNIT, channel="SMARTCARD_AGENT"
    )
    sign_in(page, "t_staff")
    page.goto("/claims?date=2026-01-15&to=2026-01-15")
    page.click("#run-sync")
    page.wait_for_selector(f'#sync-results tr[data-visitno="{target.visitno}"]', timeout=15000)
    row = page.locator(f'#sync-results tr[data-visitno="{target.visitno}"]')
    assert row.get_attribute("data-outcome") == "filled"
    assert record.claim_code in row.inner_text()
    assert site.deps.clinic.visit_claim(target).claim_code == record.claim_code
    shot(page, "claims-sync")
    page.goto(f"/visits/{target.pcucode}/{target.visitno}")
    assert page.inner_text("#claim-code") == record.claim_code


def test_settings_tokens_are_write_only(page: Any, site: Site) -> None:
    sign_in(page, "t_admin")
    page.goto("/settings")
    page.fill("#nhso_token", "browser-secret-token")
    page.fill("#current_password", TEST_ACCOUNTS["t_admin"][0])  # re-authentication
    page.click("#save")
    page.wait_for_selector("[role=status]")
    assert page.input_value("#nhso_token") == ""
    assert "browser-secret-token" not in page.content()
    assert "ตั้งค่าแล้ว" in page.inner_text("#nhso_token-state")
    assert "browser-secret-token" in site.deps.settings.secrets_file.read_text()
    # put the sandbox token back for the other tests
    from common.secrets import write_secret

    write_secret(site.deps.settings.secrets_file, "nhso_token", "sandbox-token")


def test_forged_cross_site_post_is_refused(page: Any, site: Site) -> None:
    sign_in(page, "t_admin")
    visit = site.day["coded"][0]
    # A form on another origin cannot know the CSRF token, and SameSite=Strict keeps the
    # session cookie off cross-site requests anyway; here the token is simply missing.
    action = f"{site.url}/visits/{visit.pcucode}/{visit.visitno}/reprint"
    page.set_content(
        f'<form id="f" method="post" action="{action}">'
        '<input name="csrf_token" value="guess"></form>'
    )
    with page.expect_navigation():
        page.evaluate("document.getElementById('f').submit()")
    assert page.get_attribute("[data-error-code]", "data-error-code") == "auth.csrf"


ROOM_PAGES = {
    "exports": ("/exports", "ส่งออกข้อมูลเคลม"),
    "moph": ("/claims/moph", "ส่งเคลม MOPH"),
    "close-right": ("/claims/close-right", "ปิดสิทธิ สปสช."),
    "reminders": ("/reminders", "นัดหมาย"),
    "phr": ("/phr", "ส่ง PHR"),
}


def test_mounted_room_pages_render_for_staff_with_nav_links(page: Any) -> None:
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    for name, (path, label) in ROOM_PAGES.items():
        page.click(f"nav.main a >> text={label}")  # reached from the menu, not by URL only
        page.wait_for_url(f"**{path}")
        assert page.locator("h1").count() >= 1, path
        assert page.locator("[data-error-code]").count() == 0, path
        assert page.get_attribute("nav.main a.on", "href") == path
        shot(page, f"page-{name}")


def test_mounted_room_pages_are_refused_to_a_viewer(page: Any) -> None:
    sign_in(page, "t_viewer")
    page.wait_for_url("**/queue")
    nav = page.inner_text("nav.main")
    for path, label in ROOM_PAGES.values():
        assert label not in nav
        reply = page.goto(path)
        assert reply.status == 403, path
        assert page.get_attribute("[data-error-code]", "data-error-code") == "auth.forbidden"
