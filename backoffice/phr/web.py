"""Staff page ``/phr``: today's MOPH-PHR sends and failures, in Thai (English on request).

It lists every ledger row of the day (sent, refused with MOPH's reason, failed with the
time of the next try, unknown with what to do), what the next run would do (waiting
for JHCIS to finish the visit, cannot be sent and why), and three actions for staff,
each audited: send now, check the unknown outcomes with PHR, and send one visit again
on purpose (only a visit whose outcome is unknown or that MOPH refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.responses import RedirectResponse, Response

from backoffice.phr.commands import sender_from_settings
from backoffice.phr.sender import PhrSender
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
from common.errors import BilingualError
from common.thaidate import format_date_th, format_datetime_th
from integrations.jhcis import visit_ledger as vl
from integrations.moph import errors as moph_errors

TEMPLATES = Path(__file__).resolve().parent / "templates"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("ส่งข้อมูลเข้า MOPH PHR", "MOPH-PHR uploads"),
    "day": ("วันที่รับบริการ", "Visit date"),
    "show": ("แสดง", "Show"),
    "send": ("ส่งตอนนี้", "Send now"),
    "check": ("ตรวจสอบรายการที่ไม่ทราบผลกับระบบ PHR", "Check unknown outcomes with PHR"),
    "resend": ("ส่งซ้ำโดยตั้งใจ", "Send again on purpose"),
    "summary": ("สรุป", "Summary"),
    "ledger": ("รายการที่ส่งแล้วและที่ส่งไม่สำเร็จ", "Sends and failures"),
    "next": ("รอบถัดไป", "Next run"),
    "time": ("เวลา", "Time"),
    "visit": ("ลำดับบริการ (SEQ)", "Visit (SEQ)"),
    "attempt": ("ครั้งที่ส่ง", "Attempt"),
    "status": ("สถานะ", "Status"),
    "tries": ("จำนวนครั้งที่ลอง", "Tries"),
    "retry_at": ("ลองใหม่เมื่อ", "Next try"),
    "answer": ("คำตอบจาก MOPH / เหตุผล", "MOPH's answer / reason"),
    "vaccines": ("วัคซีน", "Vaccines"),
    "nothing": ("ยังไม่มีการส่งในวันนี้", "Nothing sent for this day yet"),
    "sent": ("ส่งสำเร็จ (PHR รับแล้ว)", "Sent (PHR accepted it)"),
    "rejected": (
        "PHR ไม่รับ: แก้ข้อมูลใน JHCIS แล้วระบบจะส่งใหม่เอง",
        "Refused by PHR: correct it in JHCIS and it goes again",
    ),
    "failed": (
        "ส่งไม่สำเร็จ (ยังไม่ถึง PHR) ระบบจะลองใหม่เอง",
        "Failed (never reached PHR); retried by itself",
    ),
    "unknown": (
        "ไม่ทราบผล: ไม่ส่งซ้ำอัตโนมัติ กด 'ตรวจสอบ' หรือส่งซ้ำโดยตั้งใจ",
        "Outcome unknown: never resent by itself; check, or send again on purpose",
    ),
    "sending": ("กำลังส่ง", "Sending"),
    "waiting": ("รอ JHCIS จบบริการ", "Waiting for JHCIS to finish the visit"),
    "cannot_send": ("ส่งไม่ได้ ข้อมูลไม่ครบ", "Cannot be sent: data missing"),
    "skipped": ("ไม่ส่ง", "Not sent"),
    "dry_run": ("จะส่งในรอบถัดไป", "Goes in the next run"),
    "not_tried": ("ยังไม่ได้ส่ง (หยุดก่อน)", "Not tried (the run stopped)"),
    "checked": ("ตรวจสอบกับ PHR เมื่อ", "Checked with PHR at"),
}
PROBLEMS_TH = {
    "invalid_cid": "เลขประจำตัวประชาชนไม่ถูกต้อง",
    "no_birth_date": "ไม่มีวันเกิดที่ครบวันเดือนปี",
    "no_sex": "ไม่ระบุเพศ",
}

add_template_folder(TEMPLATES)


def _error_classes() -> dict[str, type[BilingualError]]:
    found: dict[str, type[BilingualError]] = {}
    todo: list[type[BilingualError]] = [moph_errors.MophError]
    while todo:
        cls = todo.pop()
        found[cls.code] = cls
        todo.extend(cls.__subclasses__())
    return found


ERRORS = _error_classes()


def error_text(code: str | None, lang: str) -> str:
    cls = ERRORS.get(code or "")
    if cls is None:
        return code or ""
    return cls.message_th if lang == "th" else cls.message_en


def _day(page: Page, *, form: bool = False) -> dt.date:
    today = page.deps.clock().date()
    return parse_date(page.field("date") if form else page.query("date"), today)


def _sender(page: Page, *, send: bool) -> PhrSender:
    by = page.session.username if page.session else "web"
    return sender_from_settings(page.deps.clinic, page.deps.settings, send=send, sent_by=by)


@guard("staff")
async def phr_page(page: Page) -> Response:
    day = _day(page)
    now = page.deps.clock()

    def load() -> dict[str, Any]:
        sender = _sender(page, send=False)
        rows = sender.ledger.rows_between(day, day)
        for row in rows:
            row["shown"] = vl.effective_status(row, now)
        plan = sender.send(day, day, dry_run=True)
        return {"rows": rows, "plan": plan}

    data = await threaded(load)
    counts: dict[str, int] = {}
    latest: dict[int, dict[str, Any]] = {}
    for row in data["rows"]:
        latest.setdefault(int(row["visitno"]), row)
    for row in latest.values():
        counts[row["shown"]] = counts.get(row["shown"], 0) + 1
    waiting = [
        o for o in data["plan"].outcomes if o.status in {"waiting", "cannot_send", "dry_run"}
    ]
    return page.render(
        "phr.html", L=texts(TEXT, page.lang), day=day, rows=data["rows"], latest=latest,
        counts=counts, upcoming=waiting, problems=PROBLEMS_TH, error_text=error_text,
        thai_date=format_date_th, thai_time=format_datetime_th,
    )  # fmt: skip


def _action(name: str, run: Callable[[Page, PhrSender, dt.date], Any]) -> Any:
    async def endpoint(page: Page) -> Response:
        day = _day(page, form=True)

        def work() -> Any:
            sender = _sender(page, send=True)
            try:
                return run(page, sender, day)
            finally:
                if sender.client is not None:
                    sender.client.close()

        try:
            result = await threaded(work)
        except BilingualError as error:
            await threaded(page.audit, f"phr_{name}", target=day.isoformat(), outcome=error.code)
            return error_page(page, error, 502)
        await threaded(page.audit, f"phr_{name}", target=day.isoformat(), detail=result)
        return RedirectResponse(f"/phr?date={day.isoformat()}", status_code=303)

    endpoint.__name__ = f"phr_{name}"
    return guard("staff")(endpoint)


def _send(page: Page, sender: PhrSender, day: dt.date) -> dict[str, Any]:
    report = sender.send(day, day)
    if report.stopped is not None:
        raise report.stopped  # the account: shown to staff, in Thai
    return {"counts": report.counts()}


def _check(page: Page, sender: PhrSender, day: dt.date) -> dict[str, Any]:
    return {"settled": sum(1 for c in sender.check(day) if c.after == vl.SENT)}


def _resend(page: Page, sender: PhrSender, day: dt.date) -> dict[str, Any]:
    text = page.field("visitno", limit=12)
    if not text.isdigit():
        raise BadInput("visitno required")
    report = sender.send(day, day, resend=True, only={int(text)})
    if report.stopped is not None:
        raise report.stopped
    return {"visitno": int(text), "counts": report.counts()}


phr_send = _action("send", _send)
phr_check = _action("check", _check)
phr_resend = _action("resend", _resend)

ROUTES: tuple[tuple[str, str, Callable[..., Awaitable[Response]]], ...] = (
    ("/phr", "GET", phr_page),
    ("/phr/send", "POST", phr_send),
    ("/phr/check", "POST", phr_check),
    ("/phr/resend", "POST", phr_resend),
)
