"""Staff-facing codes as words: one place for every status, kind and role a page shows.

The ledgers and jobs keep short English codes (``closed``, ``dry_run``, ``epi``) because
the code, the CLI and the tests read them; a nurse reads words. Pages call
``t.label(kind, code)`` (``backoffice.web.i18n.Translator``), which looks here. A code
with no words yet is shown as it is, so nothing is ever hidden.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from common.config import DEFAULT_KIOSK_CLAIM_TYPES
from common.errors import BilingualError

ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")

# kind -> code -> (Thai, English)
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "role": {
        "admin": ("ผู้ดูแลระบบ", "administrator"),
        "staff": ("เจ้าหน้าที่", "staff"),
        "viewer": ("ดูข้อมูลอย่างเดียว", "viewer"),
        "none": ("ไม่ให้เข้าใช้", "no access"),
    },
    # kiosk_close_right.status and the close-right job's outcomes
    "close_right": {
        "closed": ("ปิดสิทธิแล้ว", "Closed"),
        "already": ("ปิดสิทธิไว้แล้ว", "Already closed"),
        "cancelled": ("ยกเลิกการปิดสิทธิแล้ว", "Close cancelled"),
        "restored": ("คืนการยกเลิกแล้ว", "Cancel undone"),
        "failed": ("ส่งไม่สำเร็จ", "Failed"),
        "unknown": ("ไม่ทราบผล (ตรวจสอบก่อนส่งซ้ำ)", "Outcome unknown (check before resending)"),
        "sending": ("กำลังส่ง", "Sending"),
        "dry_run": ("ทดลอง ไม่ได้ส่งจริง", "Dry run, not sent"),
    },
    # kiosk_moph_claim.status and the MOPH Claim job's outcomes
    "moph": {
        "sent": ("ส่งแล้ว", "Sent"),
        "duplicate": ("MOPH มีรายการนี้แล้ว", "Already at MOPH"),
        "already": ("ส่งไว้แล้ว", "Sent before"),
        "failed": ("ส่งไม่สำเร็จ", "Failed"),
        "unknown": ("ไม่ทราบผล (ตรวจสอบก่อนส่งซ้ำ)", "Outcome unknown (check before resending)"),
        "sending": ("กำลังส่ง", "Sending"),
        "dry_run": ("ทดลอง ไม่ได้ส่งจริง", "Dry run, not sent"),
    },
    # what a MOPH Claim pays for (backoffice/claims/moph_rules.py KINDS)
    "moph_kind": {
        "dm": ("ตรวจติดตามเบาหวาน", "Diabetes follow-up"),
        "ht": ("ตรวจติดตามความดันโลหิตสูง", "Hypertension follow-up"),
        "epi": ("วัคซีนพื้นฐาน (EPI)", "Childhood vaccines (EPI)"),
        "dt": ("วัคซีน dT ผู้ใหญ่", "Adult dT vaccine"),
        "": ("-", "-"),
    },
    # the background jobs (backoffice/exports/jobs.py BOARD kinds)
    "job": {
        "export-eclaim": ("ส่งออก e-Claim", "e-Claim export"),
        "export-fdh": ("ส่งออก FDH", "FDH export"),
        "export-ssop": ("ส่งออก SSOP", "SSOP export"),
        "claims-moph": ("ส่งเคลม MOPH Claim", "MOPH Claim send"),
        "claims-moph-status": ("ตรวจสอบสถานะ MOPH Claim", "MOPH Claim status check"),
        "claims-close-right": ("ปิดสิทธิ สปสช.", "NHSO close right"),
        "claims-ndp-export": ("ส่งออก 13 แฟ้ม", "13-file export"),
        "claims-ndp-send": ("ส่ง 13 แฟ้ม", "13-file send"),
        "claims-ndp-status": ("ตรวจสอบผล 13 แฟ้ม", "13-file status check"),
    },
    # NHSO's main rights (INSCL), as the claim files and close right name them
    "inscl": {
        "UCS": ("บัตรทอง (UCS)", "Universal coverage (UCS)"),
        "WEL": ("บัตรทอง ผู้มีรายได้น้อย (WEL)", "Universal coverage, welfare (WEL)"),
        "OFC": ("ข้าราชการ (OFC)", "Civil servant (OFC)"),
        "LGO": ("ข้าราชการท้องถิ่น (LGO)", "Local government (LGO)"),
        "SSS": ("ประกันสังคม (SSS)", "Social security (SSS)"),
        "SSI": ("ประกันสังคม ทุพพลภาพ (SSI)", "Social security, disability (SSI)"),
        "NRH": ("คนต่างด้าว (NRH)", "Non-resident (NRH)"),
        "STP": ("ผู้มีปัญหาสถานะและสิทธิ (STP)", "Stateless persons (STP)"),
        "BFC": ("ทหารผ่านศึก (BFC)", "Veterans (BFC)"),
        "PVT": ("ประกันเอกชน (PVT)", "Private insurance (PVT)"),
    },
    # how the kiosk reaches NHSO (common/config.py NhsoMode)
    "nhso_mode": {
        "sandbox": ("ทดสอบ (sandbox ของระบบนี้)", "Test (our own sandbox)"),
        "agent": ("NHSO Agent บนตู้ (ใช้บัตรเจ้าหน้าที่)", "NHSO Agent on the kiosk (staff card)"),
        "endpoint": ("เว็บเซอร์วิส สปสช. (Token)", "NHSO web services (token)"),
    },
    # where a reminder went (backoffice/reminders/channels.py names)
    "channel": {
        "sms": ("SMS", "SMS"),
        "mophpush": ("หมอพร้อม", "MOPH push (Mor Prom)"),
        "slip": ("ใบนัดพิมพ์", "Printed slip"),
    },
    # NHSO's claim types the kiosk offers: the name, with the code staff also know
    "claim_type": {
        code: (f"{th} ({code})", f"{en} ({code})") for code, th, en in DEFAULT_KIOSK_CLAIM_TYPES
    },
    # the staff web's audit trail (backoffice/web/audit.py actions)
    "audit": {
        "sign_in": ("เข้าสู่ระบบ", "Signed in"),
        "sign_out": ("ออกจากระบบ", "Signed out"),
        "denied": ("ถูกปฏิเสธ (ไม่มีสิทธิ์)", "Refused (no permission)"),
        "settings": ("เปลี่ยนการตั้งค่า", "Settings changed"),
        "token_set": ("ตั้ง Token ใหม่", "Token set"),
        "role_set": ("เปลี่ยนสิทธิ์ผู้ใช้", "Role changed"),
        "visit_view": ("เปิดดู visit", "Visit viewed"),
        "photo_view": ("เปิดดูรูปถ่าย", "Photo viewed"),
        "reprint": ("พิมพ์บัตรคิวซ้ำ", "Ticket reprinted"),
        "test_print": ("ทดสอบเครื่องพิมพ์", "Test print"),
        "cid_lookup": ("ค้นหาด้วยเลขประจำตัวประชาชน", "Citizen ID looked up"),
        "checkin_authen": ("ลงทะเบียนแทนพร้อมขอ Authen", "Assisted check-in with Authen"),
        "checkin_open": ("เปิด visit แทนผู้ป่วย", "Assisted visit opened"),
        "claims_sync": ("ตรวจสอบรหัสยืนยันสิทธิ", "Authen Codes checked"),
        "claim_confirm": ("ยืนยันแทนที่รหัสยืนยันสิทธิ", "Authen Code replaced"),
        "report_download": ("ดาวน์โหลดรายงาน", "Report downloaded"),
        "export": ("ส่งออกข้อมูลเคลม", "Claim files exported"),
        "export_download": ("ดาวน์โหลดแฟ้มเคลม", "Claim file downloaded"),
        "job_cancel": ("ยกเลิกงาน", "Job cancelled"),
        "close_right": ("ปิดสิทธิ สปสช.", "NHSO close right"),
        "moph_claim": ("ส่งเคลม MOPH Claim", "MOPH Claim sent"),
        "ndp_export": ("ส่งออก 13 แฟ้ม", "13 files exported"),
        "ndp_send": ("ส่ง 13 แฟ้ม", "13 files sent"),
        "reminders_view": ("เปิดดูนัดหมาย", "Appointments viewed"),
        "reminders_pdf": ("พิมพ์รายชื่อนัดหมาย", "Appointment list printed"),
        "reminder_release": ("อนุญาตส่งการแจ้งเตือนใหม่", "Reminder released"),
        "vaccine_history": ("เปิดดูประวัติวัคซีน", "Vaccine history viewed"),
        "ic_push": ("ส่งประวัติวัคซีนไป MOPH IC", "Vaccines sent to MOPH IC"),
        "call_next": ("เรียกคิวถัดไป", "Next in the queue called"),
        # outcomes
        "ok": ("สำเร็จ", "Done"),
        "empty": ("ไม่มีข้อมูล", "Nothing found"),
        "invalid": ("ข้อมูลไม่ถูกต้อง", "Invalid input"),
        "found_existing": ("มีอยู่แล้ว", "Already there"),
        "reauth_failed": ("รหัสผ่านยืนยันไม่ถูกต้อง", "Password check failed"),
    },
    # the keys of an audit entry's details
    "audit_detail": {
        "from": ("ตั้งแต่", "from"),
        "to": ("ถึง", "to"),
        "dry_run": ("ทดลอง", "dry run"),
        "resend": ("ส่งซ้ำ", "resend"),
        "send": ("ส่ง", "send"),
        "kind": ("ประเภท", "kind"),
        "keys": ("รายการที่เปลี่ยน", "changed"),
        "role": ("สิทธิ์", "role"),
        "queue_no": ("คิว", "queue"),
        "counter": ("ช่องบริการ", "counter"),
        "point": ("จุดบริการ", "point"),
        "all": ("ทั้งหมด", "all"),
        "upload_nhso": ("ส่งเข้า สปสช.", "upload to NHSO"),
        "visits": ("จำนวน visit", "visits"),
        "date": ("วันที่", "date"),
        "part": ("ส่วน", "part"),
        "format": ("รูปแบบ", "format"),
        "name": ("แฟ้ม", "file"),
        "job": ("งาน", "job"),
    },
}


def code_label(kind: str, code: object, lang: str) -> str:
    """`code` of `kind` in `lang` ("th" or "en"); the code itself when it has no words."""
    text = "" if code is None else str(code)
    pair = LABELS.get(kind, {}).get(text)
    if pair is None:
        return text
    return pair[0] if lang == "th" else pair[1]


def _error_classes(root: type[BilingualError]) -> dict[str, type[BilingualError]]:
    found: dict[str, type[BilingualError]] = {}
    for cls in root.__subclasses__():
        found.setdefault(cls.code, cls)
        for code, sub in _error_classes(cls).items():
            found.setdefault(code, sub)
    return found


def error_message(code: str | None, lang: str) -> str:
    """What a ledger's stored error code means, in `lang`: the message of the
    BilingualError with that code (every error class is imported by the time a page is
    drawn); the code itself when none has it."""
    if not code:
        return ""
    cls = _error_classes(BilingualError).get(code)
    if cls is None:
        return code
    return cls.message_th if lang == "th" else cls.message_en


def has_label(kind: str, code: object) -> bool:
    return str(code) in LABELS.get(kind, {})


def audit_details(text: str, lang: str, date: Callable[[str], str]) -> str:
    """An audit entry's details (JSON as recorded) as words: each key named, a date in the
    Buddhist era (`date` formats one), yes/no for a flag. Text that is not a JSON object
    is shown as it is."""
    try:
        details = json.loads(text) if text else {}
    except ValueError:
        return text
    if not isinstance(details, dict):
        return text
    yes, no = ("ใช่", "ไม่") if lang == "th" else ("yes", "no")
    parts = []
    for key, value in details.items():
        name = code_label("audit_detail", key, lang) if has_label("audit_detail", key) else key
        if isinstance(value, bool):
            shown = yes if value else no
        elif isinstance(value, list):
            shown = ", ".join(str(v).replace("_", " ") for v in value)
        elif isinstance(value, str) and ISO_DATE.fullmatch(value):
            shown = date(value)
        else:
            shown = str(value)
        parts.append(f"{name.replace('_', ' ')}: {shown}")
    return " · ".join(parts)
