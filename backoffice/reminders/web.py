"""Staff pages: appointments due and missed by village and vaccine, warnings, PDFs, the log.

Mount (in backoffice/app.py)::

    from backoffice.reminders import web as reminders_web
    ROUTES = (..., *(RouteSpec(p, m, e) for p, m, e in reminders_web.ROUTES))

Every page needs the ``staff`` role (the lists name people). Releasing an uncertain
or failed reminder from the log is audited.

The due list leaves out a vaccine appointment whose dose MOPH IC shows given at another
unit after it was booked (:mod:`.given_elsewhere`, from what MOPH IC last said) and lists
it apart. "ประวัติวัคซีน" (POST, so that the citizen ID never sits in a URL or a server
log) looks a person up in MOPH IC and shows one timeline with the clinic's doses; from
it, staff can push the clinic's doses of that person to MOPH IC. Both are audited with
the citizen ID masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.responses import RedirectResponse, Response

from backoffice.reminders import given_elsewhere
from backoffice.reminders.contacts import contacts_of
from backoffice.reminders.ic_push import IcPusher
from backoffice.reminders.ic_service import ic_client, look_up
from backoffice.reminders.ledger import ReminderLedger
from backoffice.reminders.pdf import COPIES, appointments_pdf
from backoffice.reminders.timeline import cid_of, find_person
from backoffice.web.errors import BadInput
from backoffice.web.framework import (
    Page,
    add_template_folder,
    error_page,
    guard,
    parse_date,
    texts,
    threaded,
)
from common.cid import is_valid_cid, mask_cid
from common.errors import BilingualError
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
    "pdf_due_volunteer": ("รายชื่อผู้มีนัด สำเนาสำหรับ อสม. (PDF)", "Due list, volunteer's copy (PDF)"),
    "pdf_missed_volunteer": ("รายชื่อผู้ขาดนัด สำเนาสำหรับ อสม. (PDF)",
                             "Missed list, volunteer's copy (PDF)"),
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
    "elsewhere": (
        "ได้รับวัคซีนแล้วที่หน่วยบริการอื่น (ข้อมูล MOPH IC) จึงไม่อยู่ในรายชื่อผู้มีนัด",
        "Already given at another unit (MOPH IC): left out of the due list",
    ),
    "check_elsewhere": (
        "MOPH IC มีวัคซีนรหัสเดียวกันก่อนวันที่นัด กรุณาตรวจสอบ",
        "MOPH IC shows the same vaccine before the booking: please check",
    ),
    "history": ("ประวัติวัคซีน", "Vaccine history"),
    "cid": ("เลขประจำตัวประชาชน", "Citizen ID"),
    "look_up": ("ค้นหา (รพ.สต. + MOPH IC)", "Look up (clinic + MOPH IC)"),
    "bad_cid": ("เลขประจำตัวประชาชนไม่ถูกต้อง", "Not a valid citizen ID"),
    "not_in_jhcis": ("ไม่พบบุคคลนี้ใน JHCIS แสดงเฉพาะข้อมูลจาก MOPH IC",
                     "Not in JHCIS: MOPH IC's doses only"),
    "given": ("วันที่ได้รับ", "Given on"),
    "vaccine": ("วัคซีน", "Vaccine"),
    "code43": ("รหัส 43 แฟ้ม", "43-file code"),
    "source": ("แหล่งข้อมูล", "Source"),
    "place": ("สถานที่รับ", "Where"),
    "src_clinic": ("รพ.สต. (JHCIS)", "This clinic (JHCIS)"),
    "src_moph_ic": ("MOPH IC", "MOPH IC"),
    "pushed": ("ส่ง MOPH IC", "Pushed to MOPH IC"),
    "push": ("ส่งข้อมูลวัคซีนของ รพ.สต. ไป MOPH IC", "Push the clinic's doses to MOPH IC"),
    "push_done": ("ผลการส่งไป MOPH IC", "MOPH IC push"),
    "open_appointments": ("นัดรับวัคซีนที่ยังค้างอยู่", "Open vaccine appointments"),
    "given_elsewhere": ("ได้รับแล้วที่", "already given at"),
    "ic_failed": ("ค้นหาจาก MOPH IC ไม่สำเร็จ แสดงเฉพาะข้อมูลของ รพ.สต.",
                  "MOPH IC could not be asked: the clinic's doses only"),
}  # fmt: skip
PUSH_STATUS_TH = {
    "sent": "ส่งแล้ว", "rejected": "MOPH IC ไม่รับ", "failed": "ส่งไม่สำเร็จ (จะลองใหม่)",
    "unknown": "ไม่ทราบผล (ไม่ส่งซ้ำอัตโนมัติ)", "sending": "กำลังส่ง",
}  # fmt: skip

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

    hcode = page.deps.clinic.unit_code()

    def load() -> dict[str, Any]:
        due, elsewhere = given_elsewhere.due(engine, day, days, kinds=KINDS[kind], own_hcode=hcode)
        missed = q.missed(engine, day, kinds=KINDS[kind])
        return {
            "elsewhere": elsewhere,
            "due": due,
            "due_by_village": q.by_village(due),
            "by_vaccine": q.by_vaccine(a for a in due if a.kind == "epi"),
            "missed": missed,
            "missed_by_village": q.by_village(missed),
            "doubles": q.double_bookings(engine, day),
            "early": q.given_while_open(engine, day),
        }

    data = await threaded(load)
    # The lists name people and their villages: a read of personal data, audited.
    await threaded(page.audit, "reminders_view", target=f"{day.isoformat()}+{days}:{kind}")
    return page.render("reminders.html", day=day, days=days, kind=kind, **_common(page), **data)


def _pdf(missed: bool) -> Callable[[Page], Awaitable[Response]]:
    async def endpoint(page: Page) -> Response:
        day, days, kind = _params(page)
        copy = page.query("copy", "staff")
        if copy not in COPIES:
            raise BadInput("bad reminder copy")
        engine = page.deps.clinic.engine
        if missed:
            title = f"รายชื่อผู้ขาดนัด ก่อนวันที่ {format_date_th(day)}"
            items = await threaded(q.missed, engine, day, kinds=KINDS[kind])
        else:
            end = day + dt.timedelta(days=days - 1)
            title = f"รายชื่อผู้มีนัด {format_date_th(day)} ถึง {format_date_th(end)}"
            hcode = page.deps.clinic.unit_code()
            found = await threaded(
                given_elsewhere.due, engine, day, days, kinds=KINDS[kind], own_hcode=hcode
            )
            items = found[0]
        contacts = await threaded(contacts_of, engine, items)
        data: bytes = await threaded(
            appointments_pdf,
            items,
            title=title,
            clinic_name=page.deps.settings.clinic.name,
            printed_at=page.deps.clock(),
            contacts=contacts,
            copy=copy,
            mask_contact_details=page.deps.settings.reminders.mask_contact_details,
            lang="en" if page.lang == "en" else "th",
        )
        which = "missed" if missed else "due"
        await threaded(page.audit, "reminders_pdf", target=f"{which}:{copy}")
        name = f"{which}-{copy}-{day.isoformat()}.pdf"
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


def _cid(page: Page) -> str:
    """The citizen ID typed in (``cid``), or the one JHCIS keeps for ``person``
    (PCUCODEPERSON:PID, what a page posts so that it never writes a citizen ID)."""
    unit, _, pid = page.field("person", limit=20).partition(":")
    if len(unit) == 5 and pid.isdigit():
        cid = cid_of(page.deps.clinic.engine, (unit, int(pid)))
    else:
        cid = "".join(ch for ch in page.field("cid", limit=30) if ch.isdigit())
    if not is_valid_cid(cid):
        raise BadInput("not a valid citizen id", th=TEXT["bad_cid"][0], en=TEXT["bad_cid"][1])
    return cid


async def _history(page: Page, cid: str, pushed: Any = None) -> Response:
    deps = page.deps
    hcode = deps.clinic.unit_code()

    def work() -> Any:
        client = ic_client(deps.settings, deps.secrets(), hcode)
        try:
            return look_up(
                deps.clinic.engine, client, cid, own_hcode=hcode,
                clinic_name=deps.settings.clinic.name, now=deps.clock(),
            )  # fmt: skip
        finally:
            client.close()

    found = await threaded(work)
    return page.render(
        "vaccine_history.html", found=found, cid_masked=mask_cid(cid), pushed=pushed,
        push_status=PUSH_STATUS_TH, **_common(page),
    )  # fmt: skip


@guard("staff")
async def vaccine_history(page: Page) -> Response:
    cid = _cid(page)
    await threaded(page.audit, "vaccine_history", target=mask_cid(cid))
    return await _history(page, cid)


@guard("staff")
async def vaccine_history_push(page: Page) -> Response:
    cid = _cid(page)
    deps = page.deps
    hcode = deps.clinic.unit_code()

    def work() -> Any:
        person = find_person(deps.clinic.engine, cid, hcode)
        if person is None:
            raise BadInput("not in JHCIS", th=TEXT["not_in_jhcis"][0], en=TEXT["not_in_jhcis"][1])
        client = ic_client(deps.settings, deps.secrets(), hcode)
        try:
            pusher = IcPusher(
                deps.clinic.engine, client, hcode=hcode, hospital_name=deps.settings.clinic.name,
                sent_by=page.session.username if page.session else "web", clock=deps.clock,
            )  # fmt: skip
            return pusher.push_person(person.key)
        finally:
            client.close()

    try:
        report = await threaded(work)
    except BilingualError as error:
        await threaded(page.audit, "ic_push", target=mask_cid(cid), outcome=error.code)
        return error_page(page, error, 502)
    await threaded(page.audit, "ic_push", target=mask_cid(cid), detail=report.counts())
    return await _history(page, cid, pushed=report)


ROUTES: tuple[tuple[str, str, Callable[..., Awaitable[Response]]], ...] = (
    ("/reminders", "GET", reminders_page),
    ("/reminders/due.pdf", "GET", due_pdf),
    ("/reminders/missed.pdf", "GET", missed_pdf),
    ("/reminders/log", "GET", log_page),
    ("/reminders/release", "POST", release),
    ("/reminders/vaccine-history", "POST", vaccine_history),
    ("/reminders/vaccine-history/push", "POST", vaccine_history_push),
)
