"""Staff pages for the claim files: choose a range, watch the progress bar, download.

Mount (in backoffice/app.py)::

    from backoffice.exports import web as exports_web
    ROUTES = (..., *(RouteSpec(p, m, e) for p, m, e in exports_web.ROUTES))

Pages use the web app's session guard, CSRF check and base layout; the templates
live in ``backoffice/exports/templates`` and are added to the web app's loader.
Files are written under ``<data_dir>/exports`` and served only from there.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import FileResponse, RedirectResponse, Response

from backoffice.exports import job_pages
from backoffice.exports.eclaim import BatchResult, export_eclaim
from backoffice.exports.eclaim_ledger import EclaimUploader, recent_uploads
from backoffice.exports.jobs import BOARD, Job
from backoffice.exports.rules import rules_for
from backoffice.exports.source import ClaimSource
from backoffice.exports.ssop import export_ssop
from backoffice.exports.ssop_sessions import session_for_batch
from backoffice.web.auth import role_rank
from backoffice.web.errors import BadInput, Forbidden, NotFound
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
from integrations.nhso.eclaim_upload import batch_encoding, client_from_settings

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_RANGE_DAYS = 366
KINDS = ("eclaim", "fdh", "ssop")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("ส่งออกข้อมูลเคลม", "Claim files"),
    "from": ("ตั้งแต่วันที่", "From"),
    "to": ("ถึงวันที่", "To"),
    "eclaim": ("e-Claim 16+1 แฟ้ม (windows-874)", "e-Claim 16+1 files (windows-874)"),
    "fdh": ("16+1 แฟ้ม สำหรับ FDH (UTF-8)", "16+1 files for FDH (UTF-8)"),
    "ssop": ("ประกันสังคม SSOP", "Social Security SSOP"),
    "dry_run": ("ตรวจสอบอย่างเดียว ไม่สร้างแฟ้ม", "Check only, write no files"),
    "start": ("เริ่มส่งออก", "Start"),
    "progress": ("ความคืบหน้า", "Progress"),
    "included": ("ส่งออก", "Included"),
    "excluded": ("ไม่ส่งออก (ดูเหตุผลในรายงาน)", "Left out (reasons in the report)"),
    "warnings": ("มีคำเตือน", "With warnings"),
    "download": ("ดาวน์โหลด", "Download"),
    "problems": ("ผลการตรวจรายการรับบริการ", "What the check found, visit by visit"),
    "running": ("กำลังทำงาน… หน้านี้จะโหลดใหม่เอง", "Working… this page reloads itself"),
    "upload_nhso": (
        "ส่งเข้า e-Claim ของ สปสช. ทันที (API, ไม่ส่งซ้ำ)",
        "Send to NHSO e-Claim now (API, never twice)",
    ),
    "resend": (
        "ส่งซ้ำโดยตั้งใจ (เฉพาะข้อมูลที่ไม่ทราบผล หรือที่ สปสช. แจ้งว่าซ้ำ)",
        "Send again on purpose (only content of unknown outcome, or that NHSO called a duplicate)",
    ),
    "nhso_upload": ("ผลการส่งเข้า e-Claim", "e-Claim upload"),
    "right": ("สิทธิ", "Right"),
    "visits": ("จำนวนครั้งบริการ", "Visits"),
    "status": ("ผล", "Result"),
    "message": ("ข้อความ", "Message"),
    "history": ("ประวัติการส่งเข้า e-Claim (ล่าสุด)", "Sent to e-Claim (latest)"),
    "when": ("เวลา", "Time"),
    "batch": ("ชุดข้อมูล", "Batch"),
    "attempt": ("ครั้งที่", "Attempt"),
    "sandbox_note": (
        "ส่งเข้าระบบทดสอบ (sandbox) ไม่ใช่ สปสช. จริง",
        "Sent to the sandbox, not real NHSO",
    ),
    "nothing_to_send": ("ไม่มีข้อมูลที่ต้องส่ง", "Nothing to send"),
    "dry_run_no_upload": ("ตรวจสอบอย่างเดียว ไม่ได้ส่ง", "Check only: nothing was sent"),
    "month_quick": ("ส่งออก e-Claim ทั้งเดือน (กดครั้งเดียว)", "Whole-month e-Claim export (one press)"),
    "last_month": ("e-Claim เดือนที่แล้ว", "e-Claim, last month"),
    "this_month": ("e-Claim เดือนนี้ถึงวันนี้", "e-Claim, this month to date"),
    # What to do about each outcome that is not a success (the job page's next steps).
    "next_excluded": (
        "เปิด report.csv ดูเหตุผลของแต่ละ visit แก้ข้อมูลใน JHCIS แล้วส่งออกช่วงวันนี้ใหม่",
        "Open report.csv for each visit's reason, correct JHCIS, then export this range again",
    ),
    "next_warnings": (
        "ส่งได้ แต่ควรตรวจคำเตือนใน report.csv ก่อนส่ง",
        "The batch may be sent, but check the warnings in report.csv first",
    ),
    "next_failed": (
        "ดูข้อความข้อผิดพลาด แก้ตามนั้น แล้วสั่งส่งใหม่ (ส่วนที่ส่งสำเร็จแล้วจะไม่ถูกส่งซ้ำ)",
        "Read the error, correct it, then send again (parts already sent are not resent)",
    ),
    "next_unknown": (
        "ไม่ทราบว่า สปสช. ได้รับหรือไม่: ตรวจในเว็บ e-Claim ก่อน ถ้าไม่มีจึงใช้ “ส่งซ้ำโดยตั้งใจ”",
        "Unknown whether NHSO has it: check the e-Claim website first; only if it is "
        "missing, use Send again on purpose",
    ),
    "next_duplicate": (
        "สปสช. มีข้อมูลนี้แล้ว ไม่ต้องทำอะไร",
        "NHSO has this already: nothing to do",
    ),
    "next_refused": (
        "ยังไม่ได้ส่ง: อ่านเหตุผล แก้การตั้งค่าหรือข้อมูล แล้วสั่งส่งใหม่",
        "Not sent: read the reason, correct the setting or data, then send again",
    ),
    "next_sending": (
        "ถูกขัดจังหวะระหว่างส่ง: รอ 15 นาที แล้วตรวจในเว็บ e-Claim ก่อนส่งใหม่",
        "Interrupted while sending: wait 15 minutes and check the e-Claim website before "
        "sending again",
    ),
}
NEXT_KEYS = frozenset(key for key in TEXT if key.startswith("next_"))

#: An upload part's status in both languages (the page shows both).
UPLOAD_STATUS: dict[str, tuple[str, str]] = {
    "sent": ("ส่งแล้ว", "Sent"),
    "duplicate": ("สปสช. มีข้อมูลนี้แล้ว", "NHSO has it already"),
    "failed": ("ส่งไม่สำเร็จ", "Failed"),
    "unknown": ("ไม่ทราบผล ห้ามส่งซ้ำจนกว่าจะตรวจสอบ", "Outcome unknown: check before sending again"),
    "refused": ("ไม่ได้ส่ง", "Not sent"),
    "sending": ("กำลังส่ง หรือถูกขัดจังหวะ", "Sending, or interrupted"),
}
#: Who may send a batch to NHSO: whoever may export.
UPLOAD_ROLE = "staff"


add_template_folder(TEMPLATES)


def out_dir(page: Page) -> Path:
    return Path(page.deps.settings.data_dir) / "exports"


def _batch_files(result: BatchResult) -> dict[str, str]:
    files = {}
    for name, path in (("zip", result.zip_path), ("report.csv", result.report_csv),
                       ("report.json", result.report_json)):  # fmt: skip
        if path is not None:
            files[name] = str(path)
    return files


@guard("staff")
async def exports_page(page: Page) -> Response:
    today = page.deps.clock().date()
    first = today.replace(day=1)
    can_upload = _may_upload(page)
    uploads = await threaded(_recent_uploads, page) if can_upload else []
    last_month_end = first - dt.timedelta(days=1)
    months = [
        ("last_month", last_month_end.replace(day=1), last_month_end),
        ("this_month", first, today),
    ]
    return page.render(
        "exports_form.html", L=texts(TEXT, page.lang), kinds=KINDS, date_from=first,
        date_to=today, can_upload=can_upload, uploads=uploads, statuses=UPLOAD_STATUS,
        months=months,
    )  # fmt: skip


def _recent_uploads(page: Page) -> list[dict[str, Any]]:
    try:
        return recent_uploads(page.deps.clinic.engine, 20)
    except SQLAlchemyError:
        log.warning("e-Claim upload history unreadable", exc_info=False)
        return []


def _may_upload(page: Page) -> bool:
    return page.session is not None and role_rank(page.session.role) >= role_rank(UPLOAD_ROLE)


def upload_to_nhso(page: Page, folder: Path, hcode: str, *, resend: bool) -> dict[str, Any]:
    """Send a written batch to NHSO e-Claim; every outcome (and error) as plain data."""
    by = page.session.username if page.session else ""
    try:
        client = client_from_settings(page.deps.settings, page.deps.secrets(), hcode=hcode)
        try:
            uploader = EclaimUploader(page.deps.clinic.engine, client, sent_by=f"web:{by}")
            report = uploader.upload(folder, encoding=batch_encoding(folder), resend=resend)
        finally:
            client.close()
    except BilingualError as error:
        return {"ok": False, "parts": [], "error": error.as_dict()}
    data = report.as_dict()
    for part in data["parts"]:
        part["status_th"], part["status_en"] = UPLOAD_STATUS[part["status"]]
    return data


@guard("staff")
async def exports_run(page: Page) -> Response:
    today = page.deps.clock().date()
    start = parse_date(page.field("date_from"), today)
    end = parse_date(page.field("date_to"), start)
    kind = page.field("kind")
    if kind not in KINDS or end < start or (end - start).days > MAX_RANGE_DAYS:
        return error_page(page, BadInput("bad export request"))
    dry_run = page.field("dry_run") == "1"
    upload = page.field("upload_nhso") == "1" and kind != "ssop"
    resend = upload and page.field("resend") == "1"
    if upload and not _may_upload(page):
        raise Forbidden(f"needs {UPLOAD_ROLE}")
    settings = page.deps.settings
    engine = page.deps.clinic.engine
    folder = out_dir(page)
    hcode = page.deps.clinic.unit_code()
    by = page.session.username if page.session else ""

    def work(job: Job) -> dict[str, Any]:
        source = ClaimSource(engine)
        rules = rules_for(settings)
        if kind == "ssop":
            session = session_for_batch(
                engine, hcode, f"{start:%Y%m%d}-{end:%Y%m%d}", dry_run=dry_run,
                created_by=f"web:{by}",
            )  # fmt: skip
            result = export_ssop(
                source, start, end, folder, rules=rules, hcode=hcode,
                hname=settings.clinic.name, session=session, dry_run=dry_run,
                progress=job.progress,
            )  # fmt: skip
        else:
            result = export_eclaim(
                source, start, end, folder, rules=rules, hcode=hcode, fdh=kind == "fdh",
                dry_run=dry_run, progress=job.progress,
            )  # fmt: skip
        job.files = _batch_files(result)
        answer = {**result.as_dict(), "sample": [p.as_dict() for p in result.sample[:50]]}
        if upload:
            answer["nhso_upload"] = (
                {"dry_run": True, "ok": False, "parts": []}
                if dry_run or result.folder is None
                else upload_to_nhso(page, result.folder, hcode, resend=resend)
            )
        return answer

    job = BOARD.start(f"export-{kind}", by, work)
    await threaded(
        page.audit,
        "export",
        target=kind,
        detail={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "dry_run": dry_run,
            "upload_nhso": upload,
            "resend": resend,
        },
    )
    return RedirectResponse(f"/exports/jobs/{job.id}", status_code=303)


def _job(page: Page) -> Job:
    job = BOARD.get(str(page.request.path_params.get("job_id", "")))
    if job is None or not job.kind.startswith("export-"):
        raise NotFound("no such job")
    return job


@guard("staff")
async def export_job(page: Page) -> Response:
    job = _job(page)
    return page.render("exports_job.html", L=texts(TEXT, page.lang), job=job, next_keys=NEXT_KEYS)


@guard("staff")
async def export_download(page: Page) -> Response:
    job = _job(page)
    name = str(page.request.path_params.get("name", ""))
    path = job.files.get(name)
    root = out_dir(page).resolve()
    if path is None or not Path(path).resolve().is_relative_to(root):
        raise NotFound("no such file")
    # A batch holds citizen IDs: who took which file is on the audit trail.
    await threaded(page.audit, "export_download", target=f"{job.kind}:{name}")
    return FileResponse(path, filename=Path(path).name)


ROUTES: tuple[tuple[str, str, Callable[..., Awaitable[Any]]], ...] = (
    ("/exports", "GET", exports_page),
    ("/exports/run", "POST", exports_run),
    ("/exports/jobs/{job_id}", "GET", export_job),
    ("/exports/jobs/{job_id}/files/{name}", "GET", export_download),
    *job_pages.ROUTES,
)
