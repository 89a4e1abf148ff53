"""The kiosk's problems in Chromium: the banner on every page, and the tickets that did not
print reprinted from the kiosk health page, on the loopback ESC/POS printer.

The kiosk's side is real too: its device watcher asks the loopback printer (DLE EOT) and
writes the health file the backoffice reads, as the running kiosk does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp

from backoffice.reports.visits import visit_detail
from hardware.printer import LoopbackPrinter, LoopbackState, printer_from_uri
from kiosk.about import local_address, software_version
from kiosk.adapters.printer import TicketPrinterPort
from kiosk.device_status import DeviceWatcher
from kiosk.health import HealthRecorder
from kiosk.testing import FakeWorld

from .conftest import NOW, Site, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.web]

BANNER = "#kiosk-banner"


class Kiosk:
    """The kiosk's health file and device watcher, over the loopback printer."""

    def __init__(self, site: Site, loopback: LoopbackPrinter) -> None:
        path = site.deps.settings.data_dir / "kiosk-health.json"
        self.health = HealthRecorder(
            path, clock=lambda: NOW - dt.timedelta(minutes=30), write_interval_s=0
        )
        services = FakeWorld().services()
        services.printer = TicketPrinterPort(printer_from_uri(loopback.uri), clinic_name="x")
        self.watcher = DeviceWatcher(services, self.health)

    def look(self) -> None:
        self.watcher.check_now()


@pytest.fixture
def loopback(site: Site) -> Iterator[LoopbackPrinter]:
    """The printer the kiosk and the backoffice share (as on the appliance)."""
    with LoopbackPrinter(width_dots=576) as printer:
        before = site.deps.printer
        site.deps.printer = lambda: printer_from_uri(printer.uri, width_dots=576)
        try:
            yield printer
        finally:
            site.deps.printer = before
            (site.deps.settings.data_dir / "kiosk-health.json").unlink(missing_ok=True)


def qr_codes(image: Any) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def test_paper_out_banner_then_reprint_from_the_failed_list(
    page: Any, site: Site, loopback: LoopbackPrinter
) -> None:
    kiosk = Kiosk(site, loopback)
    loopback.state = LoopbackState.PAPER_OUT
    kiosk.look()
    visit = site.day["coded"][0]
    # The kiosk's check-in found the printer out of paper: the visit stands, no ticket.
    kiosk.health.print_failure(visit.pcucode, visit.visitno, "5", "paper_out")

    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    for path, name in (("/queue", "queue"), ("/checkin", "checkin")):
        page.goto(path)
        banner = page.inner_text(BANNER)
        assert "เครื่องพิมพ์บัตรคิวกระดาษหมด — เติมกระดาษ" in banner, path
        assert "บัตรคิวพิมพ์ไม่สำเร็จ 1 ใบ รอพิมพ์ซ้ำ" in banner
        assert "paper_out" not in page.inner_text("body")
        shot(page, f"kiosk-banner-{name}")

    # Paper loaded: the kiosk's next look clears the printer; the ticket still waits.
    loopback.state = LoopbackState.READY
    kiosk.look()
    page.goto("/queue")
    banner = page.inner_text(BANNER)
    assert "กระดาษหมด" not in banner and "รอพิมพ์ซ้ำ" in banner
    page.click(f"{BANNER} a[href='/health#failed-prints']")
    page.wait_for_url("**/health#failed-prints")
    row = page.locator(f'#failed-prints tr[data-visit="{visit.pcucode}/{visit.visitno}"]')
    assert "กระดาษหมด" in row.inner_text()
    shot(page, "kiosk-health-failed-prints")
    row.locator("button.reprint").click()
    page.wait_for_url("**/health?done=printed")
    assert "ส่งพิมพ์บัตรคิวแล้ว" in page.inner_text("[role=status]")
    (job,) = loopback.wait_for_jobs(1)
    detail = visit_detail(site.deps.clinic, visit.pcucode, visit.visitno)
    assert detail is not None and detail.row.claim_code
    assert job.printed and qr_codes(job.image) == [detail.row.claim_code]
    row = page.locator(f'#failed-prints tr[data-visit="{visit.pcucode}/{visit.visitno}"]')
    assert "พิมพ์ซ้ำแล้ว" in row.inner_text() and row.locator("button").count() == 0
    assert page.locator(BANNER).count() == 0  # nothing left to do
    shot(page, "kiosk-health-reprinted")


def test_health_in_words_and_a_test_print(page: Any, site: Site, loopback: LoopbackPrinter) -> None:
    kiosk = Kiosk(site, loopback)
    loopback.state = LoopbackState.NEAR_END
    kiosk.look()
    kiosk.health.component("nhso", "down", "unreachable")
    sign_in(page, "t_staff")
    page.wait_for_url("**/queue")
    page.goto("/health")
    problems = page.inner_text("#kiosk-problems")
    assert "กระดาษบัตรคิวใกล้หมด" in problems and "เตรียมกระดาษม้วนใหม่ไว้เติม" in problems
    assert "ตู้ติดต่อ สปสช. ไม่ได้" in problems
    assert "ตรวจสอบการเชื่อมต่ออินเทอร์เน็ต" in problems
    # What the kiosk's watcher found out about itself.
    assert page.inner_text("#kiosk-version") == software_version() != "unknown"
    assert page.inner_text("#kiosk-address") == (local_address() or "ไม่ทราบ")
    assert "ตรวจสอบการเชื่อมต่ออินเทอร์เน็ต" in page.inner_text(BANNER)
    page.click("#test-print")
    page.wait_for_url("**/health?done=test_printed")
    (job,) = loopback.wait_for_jobs(1)
    assert job.printed and job.image is not None and qr_codes(job.image) == []
    shot(page, "kiosk-health-test-print")
    page.click("text=English")
    assert "Check the internet connection" in page.inner_text(BANNER)
    shot(page, "kiosk-health-en")
