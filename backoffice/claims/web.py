"""Staff pages for close right and MOPH Claim: preview with reasons, send as a job, monitor.

``ROUTES`` is every claims page, the claim-code catch-up of :mod:`backoffice.claims.sync_web`
included; ``backoffice.app`` mounts them.

The preview lists every visit of the range: what will be sent, what was sent
already (with its status) and what cannot be sent, with the reason. Sending runs in
the background with a progress bar (the job page of the exports). The recorder of a
close right is the signed-in staff member (their CID from JHCIS ``user.idcard``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from backoffice.claims import sync_web
from backoffice.claims.close_right import CloseRightService, rollback_from_settings
from backoffice.claims.moph import MophClaimService, service_from_settings
from backoffice.claims.moph_rules import KINDS
from backoffice.claims.tables import ensure_claim_tables, kiosk_close_right, kiosk_moph_claim
from backoffice.exports.jobs import BOARD, Job
from backoffice.exports.source import ClaimSource
from backoffice.reports.authen import defuse
from backoffice.web.errors import BadInput, NotFound
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
from integrations.jhcis.staff import staff_cid

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_RANGE_DAYS = 92

TEXT: dict[str, tuple[str, str]] = {
    "moph": ("ส่งเคลม MOPH Claim", "MOPH Claim"),
    "close": ("ปิดสิทธิ สปสช.", "NHSO close right"),
    "from": ("ตั้งแต่วันที่", "From"),
    "to": ("ถึงวันที่", "To"),
    "show": ("แสดงรายการ", "Show"),
    "to_send": ("พร้อมส่ง", "Ready to send"),
    "sent": ("ส่งแล้ว", "Already sent"),
    "cannot": ("ส่งไม่ได้ (เหตุผล)", "Cannot be sent (reason)"),
    "send": ("ส่งรายการที่พร้อม", "Send the ready ones"),
    "resend": ("ส่งรายการที่ล้มเหลวใหม่", "Resend the failed ones"),
    "refresh": ("ตรวจสอบสถานะจาก MOPH", "Check statuses with MOPH"),
    "dry_run": ("ทดลอง ไม่ส่งจริง", "Dry run, send nothing"),
    "cancel": ("ยกเลิกการปิดสิทธิ", "Cancel the close"),
    "rollback": ("คืนการยกเลิก", "Undo the cancel"),
    "progress": ("ความคืบหน้า", "Progress"),
    "running": ("กำลังทำงาน… หน้านี้จะโหลดใหม่เอง", "Working… this page reloads itself"),
    "result": ("ผลการส่ง", "Results"),
    "cautions": ("ส่งได้ แต่ควรตรวจสอบ", "Sent, but check"),
    # What to do about each result that is not a success (the job page's next steps).
    "next_failed": (
        "ส่งไม่สำเร็จ: ดูรหัสข้อผิดพลาดใน results.csv แก้ แล้วกด “ส่งรายการที่ล้มเหลวใหม่”",
        "Failed: read the error code in results.csv, correct it, then press Resend the failed ones",
    ),
    "next_unknown": (
        "ไม่ทราบผล: ตรวจในระบบปลายทางก่อน ระบบจะไม่ส่งซ้ำเอง",
        "Outcome unknown: check the receiving system first; it is never resent by itself",
    ),
    "next_duplicate": ("ปลายทางมีข้อมูลนี้แล้ว ไม่ต้องทำอะไร", "Already there: nothing to do"),
    "next_already": ("ส่งไปแล้วก่อนหน้านี้ ไม่ต้องทำอะไร", "Sent before: nothing to do"),
    "next_dry_run": (
        "ทดลองเท่านั้น ยังไม่ได้ส่ง: ยกเลิก “ทดลอง ไม่ส่งจริง” แล้วส่งอีกครั้ง",
        "Dry run only, nothing sent: untick Dry run and send again",
    ),
}
NEXT_KEYS = frozenset(key for key in TEXT if key.startswith("next_"))


add_template_folder(TEMPLATES)


def _range(page: Page, *, form: bool = False) -> tuple[dt.date, dt.date]:
    today = page.deps.clock().date()
    read = page.field if form else page.query
    start = parse_date(read("date_from"), today)
    end = parse_date(read("date_to"), start)
    if end < start or (end - start).days >= MAX_RANGE_DAYS:
        raise BadInput("bad range")
    return start, end


def _source(page: Page) -> ClaimSource:
    engine = page.deps.clinic.engine
    ensure_claim_tables(engine)
    return ClaimSource(engine)


def _moph(page: Page, *, send: bool = True) -> MophClaimService:
    """The configured service; with `send` False, one that only plans (no secrets read)."""
    secrets = page.deps.secrets() if send else None
    return service_from_settings(
        _source(page), page.deps.clinic.unit_code(), page.deps.settings, secrets=secrets
    )


def _recorder_cid(page: Page) -> str:
    if page.session is None:
        return ""
    clinic = page.deps.clinic
    return staff_cid(clinic.engine, page.session.username, clinic.unit_code()) or ""


def _close_right(page: Page) -> CloseRightService:
    return CloseRightService(
        _source(page),
        page.deps.nhso_client(),
        hcode=page.deps.clinic.unit_code(),
        recorder_pid=_recorder_cid(page),
        rollback=rollback_from_settings(page.deps.settings, page.deps.secrets()),
    )


def _rows(page: Page, table: Any) -> list[dict[str, Any]]:
    with page.deps.clinic.engine.connect() as conn:
        result = conn.execute(select(table).order_by(table.c.id.desc()).limit(200))
        return [dict(r) for r in result.mappings()]


@guard("staff")
async def moph_page(page: Page) -> Response:
    start, end = _range(page)

    def preview() -> tuple[Any, list[dict[str, Any]]]:
        return _moph(page, send=False).plan(start, end), _rows(page, kiosk_moph_claim)

    plan, ledger_rows = await threaded(preview)
    return page.render(
        "claims_moph.html", L=texts(TEXT, page.lang), plan=plan, rows=ledger_rows, kinds=KINDS,
        date_from=start, date_to=end,
    )  # fmt: skip


def _start(page: Page, kind: str, work: Callable[[Job], Any]) -> Response:
    by = page.session.username if page.session else ""
    job = BOARD.start(kind, by, work)
    return RedirectResponse(f"/claims/jobs/{job.id}", status_code=303)


@guard("staff")
async def moph_send(page: Page) -> Response:
    start, end = _range(page, form=True)
    resend = page.field("resend") == "1"
    dry_run = page.field("dry_run") == "1"
    service = await threaded(_moph, page)

    def work(job: Job) -> list[dict[str, Any]]:
        plan = service.plan(start, end, resend=resend)
        outcomes = service.submit(plan, dry_run=dry_run, progress=job.progress)
        job.progress(len(plan.eligible), len(plan.eligible))
        return [o.as_dict() for o in outcomes]

    await threaded(
        page.audit, "moph_claim", target="resend" if resend else "send",
        detail={"from": start.isoformat(), "to": end.isoformat(), "dry_run": dry_run},
    )  # fmt: skip
    return _start(page, "claims-moph", work)


@guard("staff")
async def moph_status(page: Page) -> Response:
    service = await threaded(_moph, page)

    def work(job: Job) -> list[dict[str, Any]]:
        return [o.as_dict() for o in service.refresh_statuses()]

    return _start(page, "claims-moph-status", work)


@guard("staff")
async def close_right_page(page: Page) -> Response:
    start, end = _range(page)

    def preview() -> tuple[Any, list[dict[str, Any]]]:
        return _close_right(page).plan(start, end), _rows(page, kiosk_close_right)

    plan, ledger_rows = await threaded(preview)
    return page.render(
        "claims_close_right.html", L=texts(TEXT, page.lang), plan=plan, rows=ledger_rows,
        date_from=start, date_to=end,
    )  # fmt: skip


@guard("staff")
async def close_right_send(page: Page) -> Response:
    start, end = _range(page, form=True)
    dry_run = page.field("dry_run") == "1"
    chosen: list[int] = []
    for value in page.form.getlist("visit") if page.form else []:
        if isinstance(value, str) and value.isdigit():
            chosen.append(int(value))
    service = await threaded(_close_right, page)

    def work(job: Job) -> list[dict[str, Any]]:
        try:
            plan = service.plan(start, end, visitnos=chosen or None)
            outcomes = service.submit(plan, dry_run=dry_run, progress=job.progress)
            job.progress(len(plan.requests), len(plan.requests))
            return [o.as_dict() for o in outcomes]
        finally:
            service.close()

    await threaded(
        page.audit, "close_right", target=",".join(map(str, chosen)) or "all",
        detail={"from": start.isoformat(), "to": end.isoformat(), "dry_run": dry_run},
    )  # fmt: skip
    return _start(page, "claims-close-right", work)


@guard("staff")
async def close_right_change(page: Page) -> Response:
    action = str(page.request.path_params.get("action", ""))
    visitno = str(page.request.path_params.get("visitno", ""))
    if action not in ("cancel", "rollback") or not visitno.isdigit():
        return error_page(page, BadInput("bad action"))
    service = await threaded(_close_right, page)
    try:
        change = service.cancel if action == "cancel" else service.rollback
        outcome = await threaded(change, page.deps.clinic.unit_code(), int(visitno))
    except BilingualError as error:
        return error_page(page, error, 409)
    finally:
        service.close()
    await threaded(page.audit, f"close_right_{action}", target=visitno, outcome=outcome.status)
    return RedirectResponse("/claims/close-right", status_code=303)


def _claims_job(page: Page) -> Job:
    job = BOARD.get(str(page.request.path_params.get("job_id", "")))
    if job is None or not job.kind.startswith("claims-"):
        raise NotFound("no such job")
    return job


@guard("staff")
async def claims_job(page: Page) -> Response:
    job = _claims_job(page)
    statuses: Counter[str] = Counter()
    if job.finished and isinstance(job.result, list):
        statuses.update(str(o.get("status")) for o in job.result if isinstance(o, dict))
    return page.render(
        "claims_job.html", L=texts(TEXT, page.lang), job=job, statuses=statuses,
        next_keys=NEXT_KEYS,
    )  # fmt: skip


@guard("staff")
async def claims_job_csv(page: Page) -> Response:
    """The job's outcomes as CSV (UTF-8 with BOM, for Excel on Thai Windows)."""
    job = _claims_job(page)
    if not job.finished or not isinstance(job.result, list):
        raise NotFound("no results yet")
    out = io.StringIO()
    fields = sorted({key for row in job.result for key in row})
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    # Answers come from MOPH/NHSO: a cell starting "=" must not run in a spreadsheet.
    writer.writerows({key: defuse(value) for key, value in row.items()} for row in job.result)
    await threaded(page.audit, "report_download", target=f"csv:{job.kind}")
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{job.kind}-{job.id[:8]}.csv"'},
    )


ROUTES: tuple[tuple[str, str, Callable[..., Awaitable[Any]]], ...] = (
    *sync_web.ROUTES,
    ("/claims/moph", "GET", moph_page),
    ("/claims/moph/send", "POST", moph_send),
    ("/claims/moph/status", "POST", moph_status),
    ("/claims/close-right", "GET", close_right_page),
    ("/claims/close-right/send", "POST", close_right_send),
    ("/claims/close-right/{visitno}/{action}", "POST", close_right_change),
    ("/claims/jobs/{job_id}", "GET", claims_job),
    ("/claims/jobs/{job_id}/results.csv", "GET", claims_job_csv),
)
