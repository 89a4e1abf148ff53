"""The 13-file claims page (``/claims/ndp``): each closed visit's claim to NHSO's Digital
Platform, where it is, and NHSO's own message about it in Thai; export, send and ask
NDP for statuses as background jobs (the claims' job page shows their results).

``ROUTES`` is mounted by ``backoffice.app``. The close-right page links each closed
visit here (``#visit-<visitno>``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.responses import RedirectResponse, Response

from backoffice.claims.ndp_tables import ensure_ndp_tables
from backoffice.exports.jobs import BOARD, Job
from backoffice.exports.rules import rules_for
from backoffice.exports.source import ClaimSource
from backoffice.exports.web import out_dir
from backoffice.ndp.export import export_ndp
from backoffice.ndp.ledger import recent_claims
from backoffice.ndp.sender import NdpSender
from backoffice.ndp.status import poll
from backoffice.web.errors import BadInput
from backoffice.web.framework import Page, add_template_folder, guard, parse_date, texts, threaded
from integrations.nhso.ndp import client_from_settings
from integrations.nhso.ndp_status import KIND_TEXT, kind_of, label_th

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_RANGE_DAYS = 92

TEXT: dict[str, tuple[str, str]] = {
    "title": ("เคลม 13 แฟ้ม (NHSO Digital Platform)", "13-file claims (NHSO Digital Platform)"),
    "not_public": (
        "ที่อยู่ (endpoint) สำหรับส่ง 13 แฟ้มของ สปสช. ไม่มีเผยแพร่สาธารณะ การส่งจริงใช้ได้เมื่อได้รับจาก "
        "สปสช. และตั้งค่าแล้วเท่านั้น ระบบนี้ยังไม่เคยทดสอบกับ สปสช. จริง",
        "NHSO's endpoint for sending the 13 files is not public: real sending works only "
        "once NHSO gives it and it is configured. Never run against real NHSO.",
    ),
    "from": ("ตั้งแต่วันที่", "From"),
    "to": ("ถึงวันที่", "To"),
    "export": ("ส่งออก 13 แฟ้มของการรับบริการที่ปิดสิทธิแล้ว", "Export the closed visits' 13 files"),
    "send": ("ส่งชุดข้อมูลนี้ไปยัง สปสช.", "Send this batch to NHSO"),
    "resend": (
        "ส่งซ้ำโดยตั้งใจ (เฉพาะที่ไม่ทราบผลหรือ สปสช. ไม่รับ)",
        "Resend on purpose (unknown or refused only)",
    ),
    "poll": ("ตรวจสอบสถานะจาก สปสช.", "Ask NHSO for the statuses"),
    "batch": ("ชุดข้อมูล", "Batch"),
    "status": ("สถานะของเรา", "Our status"),
    "code": ("รหัสสถานะ สปสช.", "NHSO status code"),
    "meaning": ("ความหมาย", "Meaning"),
    "message": ("ข้อความจาก สปสช.", "NHSO's message"),
    "findings": ("สิ่งที่ สปสช. พบ / วิธีแก้", "NHSO's findings / what to do"),
    "checked": ("ตรวจสอบล่าสุด", "Last checked"),
    "none": ("ยังไม่มีรายการ", "Nothing yet"),
    "allow_n": ("ส่งเบิกต่อไม่ได้", "May not be claimed again"),
    "allow_y": ("แก้ไขแล้วส่งใหม่ได้", "May be fixed and sent again"),
}

#: Our ledger's status of a claim, in both languages.
CLAIM_STATUS: dict[str, tuple[str, str]] = {
    "linked": ("ปิดสิทธิแล้ว รอส่งออก 13 แฟ้ม", "Right closed; 13 files not exported yet"),
    "exported": ("ส่งออกแล้ว รอส่ง", "Exported; not sent yet"),
    "sending": ("กำลังส่ง หรือถูกขัดจังหวะ", "Sending, or interrupted"),
    "sent": ("ส่งถึง สปสช. แล้ว", "Sent to NHSO"),
    "failed": ("ส่งไม่สำเร็จ (ส่งใหม่ได้)", "Not sent (may be sent again)"),
    "unknown": ("ไม่ทราบผล ห้ามส่งซ้ำจนกว่าจะตรวจสอบ", "Outcome unknown: check before sending again"),
}

add_template_folder(TEMPLATES)


def _view(row: dict[str, Any], lang: str) -> dict[str, Any]:
    side = 0 if lang == "th" else 1
    code = row.get("nhso_code") or ""
    try:
        findings = json.loads(row["nhso_results"]) if row.get("nhso_results") else []
    except ValueError:
        findings = []
    return {
        **row,
        "status_text": CLAIM_STATUS.get(row["status"], (row["status"], row["status"]))[side],
        "label_th": label_th(code) if code else "",
        "kind": kind_of(code) if code else "",
        "kind_text": KIND_TEXT[kind_of(code)][side] if code else "",
        "findings": findings if isinstance(findings, list) else [],
    }


@guard("staff")
async def ndp_page(page: Page) -> Response:
    today = page.deps.clock().date()
    start = parse_date(page.query("date_from"), today - dt.timedelta(days=30))
    end = parse_date(page.query("date_to"), today)

    def rows() -> list[dict[str, Any]]:
        engine = page.deps.clinic.engine
        ensure_ndp_tables(engine)
        return recent_claims(engine, 300)

    found = await threaded(rows)
    batches = sorted({r["batch"] for r in found if r["status"] == "exported" and r["batch"]})
    return page.render(
        "claims_ndp.html", L=texts(TEXT, page.lang), rows=[_view(r, page.lang) for r in found],
        batches=batches, date_from=start, date_to=end,
    )  # fmt: skip


def _start(page: Page, kind: str, work: Callable[[Job], Any]) -> Response:
    job = BOARD.start(kind, page.session.username if page.session else "", work)
    return RedirectResponse(f"/claims/jobs/{job.id}", status_code=303)


@guard("staff")
async def ndp_export(page: Page) -> Response:
    today = page.deps.clock().date()
    start = parse_date(page.field("date_from"), today)
    end = parse_date(page.field("date_to"), start)
    if end < start or (end - start).days >= MAX_RANGE_DAYS:
        raise BadInput("bad range")
    engine, settings = page.deps.clinic.engine, page.deps.settings
    hcode = page.deps.clinic.unit_code()

    def work(job: Job) -> list[dict[str, Any]]:
        batch = export_ndp(
            ClaimSource(engine), start, end, out_dir(page), rules=rules_for(settings),
            hcode=hcode, progress=job.progress,
        )  # fmt: skip
        return [
            {"visitno": v["visitno"], "kind": batch.name, "status": "exported"}
            for v in batch.visits
        ]

    await threaded(
        page.audit, "ndp_export", detail={"from": start.isoformat(), "to": end.isoformat()}
    )
    return _start(page, "claims-ndp-export", work)


@guard("staff")
async def ndp_send(page: Page) -> Response:
    name = page.field("batch")
    folder = out_dir(page) / name
    if not name or "/" in name or name.startswith(".") or not folder.is_dir():
        raise BadInput("no such batch")
    resend = page.field("resend") == "1"
    engine, settings = page.deps.clinic.engine, page.deps.settings
    hcode = page.deps.clinic.unit_code()
    secrets = page.deps.secrets()
    by = page.session.username if page.session else ""

    def work(job: Job) -> list[dict[str, Any]]:
        client = client_from_settings(settings, secrets, hcode=hcode)
        try:
            sender = NdpSender(
                engine, client, hcode=hcode, sent_by=by, chunk=settings.ndp.chunk_visits
            )
            report = sender.send(folder, resend=resend)
        finally:
            client.close()
        done: list[dict[str, Any]] = [
            {"visitno": seq, "kind": "ndp", "status": r.status,
             "error_code": r.error.code if r.error else ""}
            for r in report.requests
            for seq in r.seqs
        ]  # fmt: skip
        done += [
            {"visitno": s["seq"], "kind": "ndp", "status": "not sent", "error_code": s["reason"]}
            for s in report.skipped
        ]
        return done

    await threaded(page.audit, "ndp_send", target=name, detail={"resend": resend})
    return _start(page, "claims-ndp-send", work)


@guard("staff")
async def ndp_status(page: Page) -> Response:
    engine, settings = page.deps.clinic.engine, page.deps.settings
    hcode = page.deps.clinic.unit_code()
    secrets = page.deps.secrets()

    def work(job: Job) -> list[dict[str, Any]]:
        client = client_from_settings(settings, secrets, hcode=hcode)
        try:
            report = poll(engine, client, hcode=hcode)
        finally:
            client.close()
        return [
            {"visitno": u["seq"], "kind": u["code"], "status": u["message"], "error_code": ""}
            for u in report.updated
        ]

    return _start(page, "claims-ndp-status", work)


ROUTES: tuple[tuple[str, str, Callable[..., Awaitable[Any]]], ...] = (
    ("/claims/ndp", "GET", ndp_page),
    ("/claims/ndp/export", "POST", ndp_export),
    ("/claims/ndp/send", "POST", ndp_send),
    ("/claims/ndp/status", "POST", ndp_status),
)
