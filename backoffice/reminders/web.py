"""Staff pages: appointments due and missed by village and vaccine, warnings, PDFs, the log.

Mount (in backoffice/app.py)::

    from backoffice.reminders import web as reminders_web
    ROUTES = (..., *(RouteSpec(p, m, e) for p, m, e in reminders_web.ROUTES))

Every page needs the ``staff`` role (the lists name people). Releasing an uncertain
or failed reminder from the log is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.responses import RedirectResponse, Response

from backoffice.exports.web import add_template_folder, texts
from backoffice.reminders.ledger import ReminderLedger
from backoffice.reminders.pdf import appointments_pdf
from backoffice.web.errors import BadInput
from backoffice.web.framework import Page, guard, parse_date, threaded
from common.thaidate import format_date_th
from integrations.jhcis import appointments as q

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_DAYS = 92
KINDS: dict[str, tuple[q.Kind, ...]] = {"all": ("epi", "diag"), "epi": ("epi",), "diag": ("diag",)}

TEXT: dict[str, tuple[str, str]] = {
    "title": ("นัดหมายและการแจ้งเตือน", "Appointments and reminders"),
    "from": ("ตั้งแต่วันที่", "From"),
    "days": ("จำนวนวัน", "Days"),
    "kind": ("ประเภท", "Kind"),
    "kind_all": ("ทั้งหมด", "All"),
    "kind_epi": ("นัดรับวัคซีน", "Vaccines"),
    "kind_diag": ("นัดทั่วไป", "Other appointments"),
    "show": ("แสดง", "Show"),
    "pdf_due": ("พิมพ์รายชื่อผู้มีนัด (PDF)", "Print due list (PDF)"),
    "pdf_missed": ("พิมพ์รายชื่อผู้ขาดนัด (PDF)", "Print missed list (PDF)"),
    "log": ("บันทึกการแจ้งเตือน", "Reminder log"),
    "due": ("ผู้มีนัด", "Due"),
    "missed": ("ขาดนัด (90 วันที่ผ่านมา)", "Missed (last 90 days)"),
    "village": ("หมู่บ้าน", "Village"),
    "date": ("วันนัด", "Date"),
    "name": ("ชื่อ - สกุล", "Name"),
    "what": ("วัคซีน / เรื่อง", "Vaccine / reason"),
    "warnings": ("รายการที่ควรแก้ไขใน JHCIS", "To fix in JHCIS"),
    "double": ("นัดวัคซีนตัวเดียวกันมากกว่า 1 วัน", "Same vaccine booked on several dates"),
    "early": ("ให้วัคซีนแล้วแต่นัดยังค้างอยู่", "Vaccine given while its appointment is open"),
    "booked_for": ("นัดไว้", "booked for"),
    "given_on": ("ให้แล้วเมื่อ", "given on"),
    "channel": ("ช่องทาง", "Channel"),
    "state": ("สถานะ", "State"),
    "person": ("ผู้รับบริการ (pid)", "Person (pid)"),
    "key": ("นัดหมาย", "Appointment"),
    "note": ("หมายเหตุ", "Note"),
    "release": ("อนุญาตให้ส่งใหม่", "Allow resending"),
    "state_sent": ("ส่งแล้ว", "sent"),
    "state_failed": ("ส่งไม่สำเร็จ (จะลองใหม่)", "failed (will retry)"),
    "state_skipped": ("ไม่ส่ง", "skipped"),
    "state_released": ("อนุญาตให้ส่งใหม่แล้ว", "released for resending"),
    "state_uncertain": ("ไม่ทราบผล (ไม่ส่งซ้ำอัตโนมัติ)", "uncertain (not resent)"),
}

add_template_folder(TEMPLATES)


def _params(page: Page) -> tuple[dt.date, int, str]:
    day = parse_date(page.query("date"), page.deps.clock().date())
    days_text = page.query("days", "7")
    kind = page.query("kind", "all")
    if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_DAYS or kind not in KINDS:
        raise BadInput("bad reminder query")
    return day, int(days_text), kind


def _common(page: Page) -> dict[str, Any]:
    return {"L": texts(TEXT, page.lang), "thai_date": format_date_th, "max_days": MAX_DAYS}


@guard("staff")
async def reminders_page(page: Page) -> Response:
    day, days, kind = _params(page)
    engine = page.deps.clinic.engine

    def load() -> dict[str, Any]:
        due = q.due(engine, day, days, kinds=KINDS[kind])
        missed = q.missed(engine, day, kinds=KINDS[kind])
        return {
            "due": due,
            "due_by_village": q.by_village(due),
            "by_vaccine": q.by_vaccine(a for a in due if a.kind == "epi"),
            "missed": missed,
            "missed_by_village": q.by_village(missed),
            "doubles": q.double_bookings(engine, day),
            "early": q.given_while_open(engine, day),
        }

    data = await threaded(load)
    return page.render("reminders.html", day=day, days=days, kind=kind, **_common(page), **data)


def _pdf(missed: bool) -> Callable[[Page], Awaitable[Response]]:
    async def endpoint(page: Page) -> Response:
        day, days, kind = _params(page)
        engine = page.deps.clinic.engine
        if missed:
            title = f"รายชื่อผู้ขาดนัด ก่อนวันที่ {format_date_th(day)}"
            items = await threaded(q.missed, engine, day, kinds=KINDS[kind])
        else:
            end = day + dt.timedelta(days=days - 1)
            title = f"รายชื่อผู้มีนัด {format_date_th(day)} ถึง {format_date_th(end)}"
            items = await threaded(q.due, engine, day, days, kinds=KINDS[kind])
        data: bytes = await threaded(
            appointments_pdf,
            items,
            title=title,
            clinic_name=page.deps.settings.clinic.name,
            printed_at=page.deps.clock(),
        )
        await threaded(page.audit, "reminders_pdf", target="missed" if missed else "due")
        name = f"{'missed' if missed else 'due'}-{day.isoformat()}.pdf"
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    endpoint.__name__ = "missed_pdf" if missed else "due_pdf"
    return guard("staff")(endpoint)  # type: ignore[no-any-return]


due_pdf = _pdf(missed=False)
missed_pdf = _pdf(missed=True)


@guard("staff")
async def log_page(page: Page) -> Response:
    since = page.deps.clock().date() - dt.timedelta(days=90)
    ledger = ReminderLedger(page.deps.clinic.engine)
    entries = await threaded(ledger.entries, since=since)
    return page.render("reminders_log.html", entries=entries, **_common(page))


@guard("staff")
async def release(page: Page) -> Response:
    key, channel = page.field("key", limit=120), page.field("channel", limit=20)
    if not key or not channel:
        raise BadInput("key and channel required")
    ledger = ReminderLedger(page.deps.clinic.engine)
    released = await threaded(ledger.release, key, channel)
    await threaded(
        page.audit,
        "reminder_release",
        target=f"{channel}:{key}",
        outcome="ok" if released else "nothing",
    )
    return RedirectResponse("/reminders/log", status_code=303)


ROUTES: tuple[tuple[str, str, Callable[..., Awaitable[Response]]], ...] = (
    ("/reminders", "GET", reminders_page),
    ("/reminders/due.pdf", "GET", due_pdf),
    ("/reminders/missed.pdf", "GET", missed_pdf),
    ("/reminders/log", "GET", log_page),
    ("/reminders/release", "POST", release),
)
