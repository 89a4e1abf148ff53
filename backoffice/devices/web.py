"""Kiosk health in words, the banner on every page, failed tickets and a test print.

* ``/health``: what works and what does not at the kiosk, what to do about it, the
  kiosk's software version and address, today's tickets that did not print (one
  click each reprints it, through the queue's reprint) and a test print.
* The banner: every signed-in page shows the kiosk's problems at its top, each with
  what to do ("เติมกระดาษ"), and how many of today's tickets still wait for a reprint.
* Test print and reprint reach the printer the same way: ``deps.printer()``, the
  backoffice's own ``[printer] uri``. On the appliance the backoffice runs on the kiosk
  box with the kiosk's configuration file, so that is the kiosk's printer; a backoffice
  on another PC must name the kiosk's printer over the network (``tcp://KIOSK:9100``),
  a USB printer on the kiosk cannot be reached from there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import text
from starlette.responses import RedirectResponse, Response

from backoffice.devices.failed_prints import FailedTicket, failed_tickets
from backoffice.devices.report import KioskReport, load_report, load_update_report
from backoffice.devices.words import (
    COMPONENT_NAMES,
    FAILURE_KINDS,
    component_words,
    pick,
    problems,
    state_words,
)
from backoffice.web import framework
from backoffice.web.framework import Page, add_template_folder, env, guard, texts, threaded
from common.errors import BilingualError
from hardware.printer import render_test_slip

TEMPLATES = Path(__file__).resolve().parent / "templates"
add_template_folder(TEMPLATES)

TEXT: dict[str, tuple[str, str]] = {
    "kiosk": ("ตู้ลงทะเบียน", "Kiosk"),
    "all_well": ("ตู้พร้อมใช้งาน ทุกอย่างปกติ", "The kiosk is ready; everything works"),
    "what": ("ปัญหา", "Problem"),
    "todo": ("สิ่งที่ต้องทำ", "What to do"),
    "devices": ("อุปกรณ์", "Devices"),
    "since": ("ตั้งแต่", "Since"),
    "version": ("รุ่นซอฟต์แวร์", "Software version"),
    "address": ("IP ของตู้", "Kiosk IP address"),
    "slot": ("ช่องระบบที่ใช้อยู่ (A/B)", "System slot in use (A/B)"),
    "last_update": ("การอัปเดตครั้งล่าสุด", "Last update"),
    "update_success": ("สำเร็จ", "succeeded"),
    "update_failure": ("ไม่สำเร็จ ย้อนกลับรุ่นเดิมแล้ว", "failed; the kiosk went back to its version"),
    "update_refused": (
        "เครื่องไม่ยอมติดตั้ง (ลายเซ็นหรือรุ่นเครื่องไม่ตรง)",
        "refused by the kiosk (signature or model does not match)",
    ),
    "unknown": ("ไม่ทราบ", "Not known"),
    "failed_prints": ("บัตรคิวที่พิมพ์ไม่สำเร็จวันนี้", "Tickets that did not print today"),
    "no_failed_prints": ("วันนี้ไม่มีบัตรคิวที่พิมพ์ไม่สำเร็จ", "Every ticket printed today"),
    "why": ("สาเหตุ", "Why"),
    "reprint": ("พิมพ์บัตรคิวซ้ำ", "Reprint ticket"),
    "reprinted": ("พิมพ์ซ้ำแล้ว", "Reprinted"),
    "in_journal": (
        "รอส่งเข้า JHCIS ก่อน จึงพิมพ์ซ้ำได้ที่หน้าคิววันนี้",
        "Waits to reach JHCIS; reprint it from the queue then",
    ),
    "not_in_jhcis": ("ไม่พบรายการนี้ใน JHCIS", "Not found in JHCIS"),
    "not_checked": (
        "ติดต่อฐานข้อมูล JHCIS ไม่ได้ พิมพ์ซ้ำได้เมื่อกลับมา",
        "JHCIS cannot be reached: reprint once it is back",
    ),
    "tickets_waiting": (
        "บัตรคิวพิมพ์ไม่สำเร็จ {n} ใบ รอพิมพ์ซ้ำ",
        "{n} tickets did not print and wait for a reprint",
    ),
    "reprint_them": ("พิมพ์ซ้ำที่หน้าสถานะตู้", "Reprint them on the kiosk health page"),
    "see_health": ("ดูสถานะตู้", "Kiosk health"),
    "test_print": ("ทดสอบพิมพ์", "Test print"),
    "test_print_hint": (
        "พิมพ์หน้าทดสอบสั้น ๆ ที่เครื่องพิมพ์บัตรคิว ({uri})",
        "Prints a short test slip on the ticket printer ({uri})",
    ),
    "test_printed": (
        "ส่งหน้าทดสอบไปที่เครื่องพิมพ์แล้ว ตรวจดูว่าอ่านได้ชัดเจน",
        "The test slip was sent to the printer: check that it reads clearly",
    ),
    "printed": ("ส่งพิมพ์บัตรคิวแล้ว", "Ticket sent to the printer"),
    "backoffice_db": ("ฐานข้อมูล JHCIS (ระบบหลังบ้าน)", "JHCIS database (backoffice)"),
    "db_ok": ("เชื่อมต่อได้", "Connected"),
    "db_down": ("เชื่อมต่อไม่ได้", "Not reachable"),
}


def _database_ok(page: Page) -> bool:
    try:
        with page.deps.clinic.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def _tickets(page: Page, report: KioskReport | None) -> list[FailedTicket]:
    if report is None:
        return []
    deps = page.deps
    return failed_tickets(report, deps.clinic, deps.audit, deps.clock().date())


def _words(page: Page) -> dict[str, Any]:
    """What the templates call to say things in the page's language."""
    lang = page.lang
    return {
        "w": texts(TEXT, lang),
        "say": lambda words: pick(words, lang),
        "component_name": lambda c: pick(COMPONENT_NAMES[c.name], lang),
        "component_words": lambda c: pick(component_words(c), lang),
        "kind_words": lambda kind: pick(FAILURE_KINDS.get(kind, FAILURE_KINDS["error"]), lang),
    }


async def _health(page: Page, *, status: int = 200, error: BilingualError | None = None) -> Any:
    report = await threaded(load_report, page.deps.settings)
    update = await threaded(load_update_report, page.deps.settings)
    tickets = await threaded(_tickets, page, report)
    return page.render(
        "kiosk_health.html",
        status=status,
        report=report,
        update=update,
        problems=problems(report) if report else [],
        state=pick(state_words(report.state), page.lang) if report else "",
        tickets=tickets,
        db_ok=await threaded(_database_ok, page),
        message=page.query("done", limit=20),
        error=error,
        printer_uri=page.deps.settings.printer.uri,
        **_words(page),
    )


@guard("viewer")
async def health(page: Page) -> Response:
    response: Response = await _health(page)
    return response


@guard("staff")
async def test_print(page: Page) -> Response:
    deps = page.deps
    settings = deps.settings

    def print_it() -> None:
        printer = deps.printer()
        slip = render_test_slip(
            settings.clinic.name, deps.clock(), printer.width_dots, settings.kiosk.font_path
        )
        printer.print_image(slip, label="test")

    try:
        await threaded(print_it)
    except BilingualError as exc:
        await threaded(page.audit, "test_print", outcome=exc.code[:16])
        response: Response = await _health(page, status=502, error=exc)
        return response
    await threaded(page.audit, "test_print")
    return RedirectResponse("/health?done=test_printed", status_code=303)


def banner(page: Page) -> str:
    """The kiosk's problems at the top of every page (nothing when all is well). Reads
    the health file, and the audit log only on a day some ticket did not print."""
    report = load_report(page.deps.settings)
    if report is None:
        return ""
    shown = [p for p in problems(report) if p.in_banner]
    waiting = sum(1 for t in _tickets(page, report) if t.waiting)
    if not shown and not waiting:
        return ""
    html: str = env.get_template("_kiosk_banner.html").render(
        problems=shown, waiting=waiting, lang=page.lang, **_words(page)
    )
    return Markup(html)  # noqa: S704 - rendered by our autoescaping template


framework.TOP_NOTICES.append(banner)

ROUTES = (
    ("/health", "GET", health),
    ("/health/test-print", "POST", test_print),
)
