"""The backoffice's words, Thai first, English on request (a cookie the toggle sets)."""

from __future__ import annotations

import datetime as dt

from backoffice.web.labels import audit_details, code_label, error_message, has_label
from common.thaidate import MONTHS_EN_ABBR, ce_to_be, format_date_th

LANGS = ("th", "en")
LANG_COOKIE = "kb_lang"

# key -> (Thai, English)
WORDS: dict[str, tuple[str, str]] = {
    "app": ("ระบบหลังบ้าน ตู้ลงทะเบียนอัตโนมัติ", "Kiosk backoffice"),
    "sign_in": ("ลงชื่อเข้าใช้", "Sign in"),
    "sign_out": ("ออกจากระบบ", "Sign out"),
    "username": ("ชื่อผู้ใช้ (JHCIS)", "User name (JHCIS)"),
    "password": ("รหัสผ่าน", "Password"),
    "queue": ("คิววันนี้", "Today's queue"),
    "checkin": ("ลงทะเบียนแทนผู้ป่วย", "Assisted check-in"),
    "claims": ("ตรวจสอบรหัสยืนยันสิทธิ", "Authen Codes"),
    "report": ("รายงาน Authen", "Authen report"),
    "nav_exports": ("ส่งออกข้อมูลเคลม", "Claim files"),
    "nav_moph": ("ส่งเคลม MOPH", "MOPH claims"),
    "nav_close_right": ("ปิดสิทธิ สปสช.", "NHSO close right"),
    "nav_reminders": ("นัดหมาย", "Appointments"),
    "nav_phr": ("ส่ง PHR", "MOPH-PHR"),
    # the menu, grouped by task (issue 22, item 1)
    "menu": ("เมนู", "Menu"),
    "language": ("ภาษา", "Language"),
    "nav_today": ("วันนี้", "Today"),
    "nav_claims": ("เคลม", "Claims"),
    "nav_appointments": ("นัดหมาย", "Appointments"),
    "nav_system": ("ระบบ", "System"),
    "nav_calling": ("เรียกคิว", "Call the queue"),
    "nav_ndp": ("เคลม 13 แฟ้ม (NDP)", "13-file claims (NDP)"),
    # table headings of the claim pages: one word per thing (issue 22, item 2)
    "visit_date": ("วันที่มารับบริการ", "Visit date"),
    "main_right": ("สิทธิหลัก", "Main right"),
    "amount_total": ("ค่าใช้จ่ายรวม (บาท)", "Total (baht)"),
    "amount_paid": ("ผู้ป่วยจ่ายเอง (บาท)", "Paid by the patient (baht)"),
    "amount_claim": ("ขอเบิก (บาท)", "Claimed (baht)"),
    "send_it": ("ส่ง", "Send"),
    "reason": ("เหตุผล", "Reason"),
    "problem": ("ปัญหาที่พบ", "Problem"),
    "nhso_seq": ("เลขที่รายการ สปสช.", "NHSO item no."),
    "claim_for": ("รายการที่เคลม", "Claim for"),
    "reference": ("เลขอ้างอิง", "Reference"),
    "moph_answer": ("สถานะที่ MOPH", "Status at MOPH"),
    "ndp_claim": ("เคลม 13 แฟ้ม", "13-file claim"),
    "job": ("งาน", "Job"),
    "results_csv": ("ดาวน์โหลดผล (CSV)", "Download the results (CSV)"),
    "attempts": ("ครั้งที่ส่ง", "Attempts"),
    "import_dup": ("สปสช. มีบางรายการแล้ว", "some already at NHSO"),
    "role_default": ("ตามตำแหน่งใน JHCIS", "from the JHCIS post"),
    "change_role": ("เปลี่ยนสิทธิ์", "Change role"),
    "no_config_file": (
        "ไม่มีแฟ้มการตั้งค่า: เริ่มโปรแกรมด้วย --config แฟ้ม จึงจะเปลี่ยนการตั้งค่าข้างบนได้",
        "No configuration file: start with --config FILE to change the settings above",
    ),
    "authen_at": ("เวลาที่ได้รหัสยืนยันสิทธิ", "Authen Code received"),
    "service_not_finished": ("ยังไม่เสร็จสิ้นบริการใน JHCIS", "Service not finished in JHCIS yet"),
    "vaccine_history": ("ประวัติวัคซีน (รพ.สต. + MOPH IC)", "Vaccine history (clinic + MOPH IC)"),
    "health": ("สถานะตู้", "Kiosk health"),
    "settings": ("ตั้งค่า", "Settings"),
    "staff": ("ผู้ใช้งาน", "Staff"),
    "audit": ("บันทึกการใช้งาน", "Audit log"),
    "date": ("วันที่", "Date"),
    "date_to": ("ถึงวันที่", "To"),
    "show": ("แสดง", "Show"),
    "queue_no": ("คิว", "Queue"),
    "visitno": ("เลขที่ visit", "Visit no."),
    "hn": ("HN", "HN"),
    "name": ("ชื่อ", "Name"),
    "time": ("เวลา", "Time"),
    "status": ("สถานะ", "Status"),
    "claim_type": ("ประเภทการเคลม", "Claim type"),
    "claim_code": ("รหัสยืนยันสิทธิ", "Authen Code"),
    "flags": ("หมายเหตุ", "Flags"),
    "new_out_of_area": ("ลงทะเบียนใหม่ (นอกเขต)", "New, out of area"),
    "pending_code": ("รอรหัสยืนยันสิทธิ", "Authen Code pending"),
    "no_code": ("ไม่มีรหัสยืนยันสิทธิ", "No Authen Code"),
    "no_visits": ("ยังไม่มีผู้มารับบริการ", "No visits yet"),
    "visits_total": ("จำนวน visit", "Visits"),
    "auto_refresh": ("ปรับปรุงอัตโนมัติทุก 15 วินาที", "Refreshes every 15 seconds"),
    "detail": ("รายละเอียด", "Details"),
    "visit": ("ข้อมูลการมารับบริการ", "Visit"),
    "reprint": ("พิมพ์บัตรคิวซ้ำ", "Reprint ticket"),
    "preview": ("ตัวอย่างบัตรคิว", "Ticket preview"),
    "printed": ("ส่งพิมพ์บัตรคิวแล้ว", "Ticket sent to the printer"),
    "cid": ("เลขประจำตัวประชาชน 13 หลัก", "13-digit citizen ID"),
    "find": ("ค้นหา", "Find"),
    "clear": ("ล้าง", "Clear"),
    "mobile": ("เบอร์มือถือ", "Mobile number"),
    "authen_no_card": ("ขอ Authen โดยไม่ใช้บัตร", "Authen without the card"),
    "second_visit": ("ส่งเข้ารับบริการโดยไม่ทำ Authen (ครั้งที่ 2 ของวัน)", "Visit without Authen"),
    # a child checked in without a card (issue 20, item 7)
    "guardian": ("ผู้ปกครองที่พามา", "Who brought the child"),
    "guardian_child_note": (
        "เด็กที่ไม่มีบัตรประชาชน: ขอรหัสยืนยันสิทธิ (Authen Code) ด้วยเลขประจำตัวของเด็ก "
        "(ระบบนี้ใช้บัตรของผู้ปกครองแทนเด็กไม่ได้) และบันทึกผู้ปกครองที่พามา",
        "A child without an ID card: request the Authen Code with the child's citizen ID "
        "(this system cannot use a guardian's card for the child) and record who brought them.",
    ),
    "guardian_relation": ("เกี่ยวข้องเป็น", "Relationship"),
    "relation_mother": ("มารดา", "Mother"),
    "relation_father": ("บิดา", "Father"),
    "relation_other": ("ผู้ปกครองอื่น", "Other guardian"),
    "guardian_name": ("ชื่อผู้ปกครอง", "Guardian's name"),
    "guardian_cid": ("เลขประจำตัวประชาชนผู้ปกครอง (ถ้ามี)", "Guardian's citizen ID (optional)"),
    "guardian_cid_hint": (
        "ใช้หาประวัติผู้ปกครองใน JHCIS เท่านั้น ระบบไม่เก็บเลขนี้",
        "Only used to find the guardian in JHCIS; the number is not kept.",
    ),
    "guardian_in_jhcis": ("HN ผู้ปกครอง", "Guardian's HN"),
    "person_not_found": (
        "ไม่พบผู้ป่วยในฐานข้อมูล JHCIS กรุณาลงทะเบียนใน JHCIS ก่อน",
        "Patient not found in JHCIS; register them in JHCIS first",
    ),
    "visit_opened": ("เปิด visit แล้ว", "Visit opened"),
    "today_visit_exists": ("วันนี้มี visit แล้ว", "Already has a visit today"),
    "photo": ("รูปถ่ายจากบัตรประชาชน", "Photo from the ID card"),
    "kiosk_provider": ("ผู้ให้บริการของตู้", "The kiosk's provider"),
    "card_name_fitted": (
        "ชื่อตามบัตรยาวเกินช่องของ JHCIS จึงถูกตัดให้พอดี ชื่อเต็มตามบัตร",
        "The card's name was longer than JHCIS's column and was cut to fit; in full",
    ),
    "card_area_unresolved": (
        "ที่อยู่ตามบัตรที่ไม่พบในตารางรหัสของ JHCIS (ไม่ได้บันทึกรหัส)",
        "Address parts not found in JHCIS's code tables (no code written)",
    ),
    "card_birth_year": (
        "บัตรมีเพียงปีเกิด ฐานข้อมูลนี้เก็บวันเกิดแบบไม่ครบไม่ได้ ปีเกิด พ.ศ.",
        "The card holds the birth year only, which this database cannot store; year (BE)",
    ),
    "providers_unavailable": (
        "อ่านรายชื่อเจ้าหน้าที่จาก JHCIS ไม่ได้ในขณะนี้",
        "The staff list could not be read from JHCIS just now",
    ),
    "no_provider": ("ไม่ระบุ (เจ้าหน้าที่ระบุเองใน JHCIS)", "None (staff fill it in JHCIS)"),
    "kiosk_provider_hint": (
        "เจ้าหน้าที่ที่ถูกบันทึกเป็นผู้ให้บริการของ visit ที่ตู้เปิด (visit.username) "
        "และเลขใบประกอบวิชาชีพในไฟล์เคลม มีผลเมื่อเริ่มตู้ใหม่",
        "The staff member recorded as the provider of the visits the kiosk opens "
        "(visit.username), whose licence the claim files carry. Takes effect when the kiosk "
        "restarts.",
    ),
    # Why the kiosk sent this card holder to the counter (JHCIS's own record says so).
    "person_deceased": (
        "JHCIS บันทึกว่าผู้นี้เสียชีวิตแล้ว (ตาราง persondeath): ตู้ไม่เปิดบริการให้ กรุณาตรวจสอบก่อนเปิดบริการ",
        "JHCIS records this person as deceased (persondeath): the kiosk opened no visit; "
        "check before opening one",
    ),
    "person_discharged": (
        "JHCIS บันทึกว่าผู้นี้จำหน่ายออกจากทะเบียนแล้ว (dischargetype): ตู้ไม่เปิดบริการให้ "
        "กรุณาตรวจสอบและปรับปรุงทะเบียนใน JHCIS ก่อน",
        "JHCIS records this person as discharged (dischargetype): the kiosk opened no visit; "
        "check and update the registration in JHCIS first",
    ),
    "sync": ("ตรวจสอบและบันทึกรหัสยืนยันสิทธิ", "Check and record Authen Codes"),
    "dry_run": ("ตรวจสอบอย่างเดียว (ไม่บันทึก)", "Check only (do not write)"),
    "outcome": ("ผล", "Outcome"),
    "overwrite": ("ยืนยันแทนที่รหัสเดิม", "Confirm: replace the existing code"),
    "existing_code": ("รหัสเดิม", "Existing code"),
    "found_code": ("รหัสจาก สปสช.", "Code from NHSO"),
    "download_csv": ("ดาวน์โหลด CSV", "Download CSV"),
    "download_xlsx": ("ดาวน์โหลด Excel", "Download Excel"),
    "count": ("จำนวน", "Count"),
    "visits_without_code": ("visit ที่ยังไม่มีรหัสยืนยันสิทธิ", "Visits without an Authen Code"),
    "save": ("บันทึก", "Save"),
    "saved": ("บันทึกแล้ว", "Saved"),
    "unit": ("หน่วยบริการ", "Unit"),
    "hcode": ("รหัสหน่วยบริการ (5 หลัก)", "Unit code (5 digits)"),
    "clinic_name": ("ชื่อหน่วยบริการบนบัตรคิว", "Name on tickets"),
    "printer": ("เครื่องพิมพ์", "Printer"),
    "printer_uri": ("ที่อยู่เครื่องพิมพ์", "Printer URI"),
    "current_password": ("รหัสผ่านของท่าน (ยืนยันตัวตนก่อนบันทึก)", "Your password (to confirm the change)"),
    "current_password_hint": (
        "การเปลี่ยนการตั้งค่าต้องใส่รหัสผ่าน JHCIS ของท่านอีกครั้งทุกครั้ง",
        "Every settings change asks for your JHCIS password again.",
    ),
    "nhso_mode": ("การเชื่อมต่อ สปสช.", "NHSO connection"),
    "tokens": ("Token (กรอกเพื่อเปลี่ยน จะไม่แสดงอีก)", "Tokens (write-only, never shown)"),
    "nhso_token": ("Token ตรวจสอบ/ขอ Authen", "Authen / check token"),
    "nhso_claim_token": ("Token ปิดสิทธิ", "Close-right token"),
    "is_set": ("ตั้งค่าแล้ว", "set"),
    "not_set": ("ยังไม่ตั้งค่า", "not set"),
    "role": ("สิทธิ์", "Role"),
    "reader": ("เครื่องอ่านบัตร", "Card reader"),
    "paper": ("กระดาษ", "Paper"),
    "database": ("ฐานข้อมูล", "Database"),
    "last_checkin": ("ลงทะเบียนล่าสุด", "Last check-in"),
    "no_health": ("ยังไม่มีข้อมูลสถานะจากตู้", "The kiosk has not reported yet"),
    "updated": ("ปรับปรุงเมื่อ", "Updated"),
    "action": ("การกระทำ", "Action"),
    "user": ("ผู้ใช้", "User"),
    "target": ("รายการ", "Target"),
    "back": ("กลับ", "Back"),
    "error": ("ผิดพลาด", "Error"),
    "pending_authens": ("รายการ Authen ค้างจากตู้", "Pending authens from the kiosk"),
    "filled": ("บันทึกรหัสแล้ว", "Code recorded"),
    "would_fill": ("พบรหัส (ยังไม่บันทึก)", "Code found (not written)"),
    "not_found": ("ไม่พบที่ สปสช.", "Not found at NHSO"),
    "conflict": ("รหัสไม่ตรงกับที่มีอยู่", "Differs from the existing code"),
    "ambiguous": ("พบหลายรหัส ต้องตรวจสอบเอง", "Several codes: check by hand"),
    "failed": ("ตรวจสอบไม่สำเร็จ", "Check failed"),
    "skipped": ("ข้าม", "Skipped"),
    "resume_note": (
        "หากการตรวจสอบถูกขัดจังหวะ การสั่งครั้งถัดไปจะทำต่อจากเดิม",
        "An interrupted run continues where it stopped next time",
    ),
    # -- issue 22 items 3-5: charts, job progress, daily tasks --------------------------
    "no_code_share": ("ยังไม่มีรหัสยืนยันสิทธิ (Authen Code)", "Without an Authen Code"),
    "of": ("จาก", "of"),
    "chart_numbers": ("ตัวเลขของกราฟ", "the charts' numbers"),
    "search": ("ค้นหา", "Search"),
    "queue_search": (
        "ค้นหา: ชื่อ, HN, เลขคิว หรือเลขประจำตัวประชาชน",
        "Search: name, HN, queue number or citizen ID",
    ),
    "clear_search": ("ล้างการค้นหา", "Clear search"),
    "no_match": ("ไม่พบรายการที่ค้นหา", "Nothing matches the search"),
    "print_ticket": ("พิมพ์บัตรคิว", "Print ticket"),
    "catch_up_today": (
        "ตามรหัสยืนยันสิทธิ (Authen Code) ของวันนี้",
        "Catch up today's Authen Codes",
    ),
    "opened_printed": ("เปิด visit และส่งพิมพ์บัตรคิวแล้ว", "Visit opened, ticket sent to the printer"),
    "print_failed": (
        "เปิด visit แล้ว แต่พิมพ์บัตรคิวไม่สำเร็จ: ตรวจเครื่องพิมพ์และกระดาษ แล้วกด “พิมพ์บัตรคิว”",
        "Visit opened, but the ticket did not print: check the printer and paper, "
        "then press Print ticket",
    ),
    "mobile_on_file": ("เบอร์ที่มีใน JHCIS (แก้ได้)", "The number JHCIS has (you may change it)"),
    "job_done_of": ("ทำแล้ว", "Done"),
    "time_left": ("เหลืออีกประมาณ", "About this long left:"),
    "minutes": ("นาที", "min"),
    "seconds": ("วินาที", "s"),
    "cancel": ("ยกเลิก", "Cancel"),
    "cancelling": ("กำลังยกเลิก…", "Cancelling…"),
    "cancelled": (
        "ยกเลิกแล้ว: งานที่ทำไปแล้วยังอยู่ สั่งใหม่เมื่อพร้อม",
        "Cancelled: what was done is kept; start again when ready",
    ),
    "job_running": ("กำลังทำงาน… หน้านี้จะโหลดใหม่เอง", "Working… this page reloads itself"),
    "next_step": ("ขั้นต่อไป", "What to do next"),
    "sync_all_done": (
        "ตามรหัสครบแล้ว ไม่มีรายการที่ต้องทำต่อ",
        "Catch-up complete: nothing left to do",
    ),
    "next_not_found": (
        "สปสช. ยังไม่มีรหัสของ visit เหล่านี้: ให้ผู้ป่วยยืนยันตัวตน (บัตรประชาชนที่ตู้ หรือแอป สปสช.) "
        "หรือขอรหัสที่หน้าลงทะเบียนแทนผู้ป่วย แล้วกด “ตรวจสอบและบันทึกรหัสยืนยันสิทธิ” อีกครั้ง",
        "NHSO has no code for these visits: have the patient authenticate (ID card at the "
        "kiosk or the NHSO app) or get a code on Assisted check-in, then press Check and "
        "record again",
    ),
    "next_conflict": (
        "รหัสที่ สปสช. มีไม่ตรงกับที่บันทึกไว้: ตรวจสอบ แล้วกด “ยืนยันแทนที่รหัสเดิม” ในตารางด้านล่าง หากรหัสใหม่ถูกต้อง",
        "NHSO's code differs from the recorded one: check, then press Confirm: replace in "
        "the table below if the new one is right",
    ),
    "next_ambiguous": (
        "พบหลายรหัสสำหรับ visit เดียว: เลือกรหัสที่ถูกต้องในตารางด้านล่าง",
        "Several codes fit one visit: choose the right one in the table below",
    ),
    "next_failed": (
        "ตรวจสอบไม่สำเร็จ (เครือข่ายหรือ สปสช. ขัดข้อง): กด “ตรวจสอบและบันทึกรหัสยืนยันสิทธิ” "
        "อีกครั้งภายหลัง ระบบจะถาม สปสช. เฉพาะรายการที่ค้าง",
        "The check failed (network or NHSO trouble): press Check and record again later; only "
        "the unsettled visits are asked again",
    ),
    "next_would_fill": (
        "ตรวจสอบอย่างเดียว: ยังไม่ได้บันทึก ยกเลิกการเลือก “ตรวจสอบอย่างเดียว” แล้วกดอีกครั้งเพื่อบันทึก",
        "Check only: nothing was written; untick Check only and run again to record the codes",
    ),
}


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "th"

    def __call__(self, key: str) -> str:
        pair = WORDS.get(key)
        if pair is None:
            return key
        return pair[0] if self.lang == "th" else pair[1]

    def label(self, kind: str, code: object) -> str:
        """A staff-facing code (a status, a kind, a role...) as words in this language."""
        return code_label(kind, code, self.lang)

    def role(self, role: str) -> str:
        return code_label("role", role, self.lang)

    def outcome(self, code: str) -> str:
        """An audit outcome: "ok" and the like as words, else the error it names."""
        return self.label("audit", code) if has_label("audit", code) else self.error(code)

    def details(self, text: str) -> str:
        """An audit entry's recorded details as words."""
        return audit_details(text, self.lang, self.date)

    def error(self, code: str | None) -> str:
        """A stored error code as its message in this language."""
        return error_message(code, self.lang)

    def date(self, day: dt.date | str | None) -> str:
        """A date in the Buddhist era; an ISO date held as text is read first."""
        if isinstance(day, str):
            try:
                return self.date(dt.date.fromisoformat(day[:10]))
            except ValueError:
                return day
        if day is None:
            return ""
        if self.lang == "th":
            return format_date_th(day)
        # Buddhist era in English too: one calendar on every screen and paper of the clinic
        return f"{day.day} {MONTHS_EN_ABBR[day.month - 1]} {ce_to_be(day.year)} BE"

    def moment(self, when: dt.datetime | None) -> str:
        if when is None:
            return ""
        return f"{self.date(when.date())} {when:%H:%M}"
