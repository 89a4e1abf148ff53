"""Every sentence the kiosk shows, in Thai and in English.

Each message tells the patient what to do next. Keys are stable; the screens look
them up with :func:`text`. Placeholders use ``str.format`` names.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["th", "en"]

MESSAGES: dict[str, tuple[str, str]] = {
    # header and idle
    "toggle_language": ("English", "ภาษาไทย"),
    "idle_title": ("กรุณาเสียบบัตรประชาชน", "Please insert your Thai ID card"),
    "idle_hint": (
        "เสียบบัตรที่ช่องด้านล่าง หันชิปขึ้น แล้วรอสักครู่",
        "Insert the card in the slot below, chip facing up, and wait a moment",
    ),
    # idle: what the device watcher (kiosk.device_status) found wrong
    "reader_missing": (
        "เครื่องอ่านบัตรไม่ได้เชื่อมต่อ กรุณาแจ้งเจ้าหน้าที่",
        "The card reader is not connected; please tell the staff",
    ),
    "database_down": (
        "ติดต่อระบบ JHCIS ของหน่วยบริการไม่ได้ บัตรคิวจะใช้หมายเลขชั่วคราว",
        "The clinic's JHCIS cannot be reached; tickets carry a temporary number",
    ),
    # busy steps
    "reading_card": ("กำลังอ่านบัตร", "Reading your card"),
    "card_read": ("กำลังค้นหาประวัติของท่าน", "Looking up your record"),
    "identified": ("กำลังตรวจสอบสิทธิกับ สปสช.", "Checking your rights with NHSO"),
    "mobile_confirmed": ("กำลังขอรหัสยืนยันการเข้ารับบริการ", "Getting your NHSO claim code"),
    "authenticated": ("กำลังเปิดบริการ", "Opening your visit"),
    "journaling": ("กำลังบันทึกข้อมูล", "Saving your check-in"),
    "visit_opened": ("กำลังพิมพ์บัตรคิว", "Printing your queue ticket"),
    "busy_hint": ("กรุณาอย่าดึงบัตรออก", "Please do not remove your card"),
    "cancel_hint": (
        "ดึงบัตรออกเมื่อใดก็ได้เพื่อยกเลิก",
        "Remove your card at any time to cancel",
    ),
    # choices
    "choose_claim_type": ("เลือกประเภทการรับบริการ", "Choose the service you came for"),
    "confirm_mobile_title": ("เบอร์มือถือของท่านถูกต้องหรือไม่", "Is this your mobile number?"),
    "confirm": ("ยืนยัน", "Confirm"),
    "edit_mobile": ("แก้ไขเบอร์", "Change number"),
    "enter_mobile_title": ("กรอกเบอร์มือถือ 10 หลัก", "Enter your 10-digit mobile number"),
    "mobile_invalid": (
        "เบอร์ไม่ถูกต้อง ต้องมี 10 หลักและขึ้นต้นด้วย 0",
        "Not a valid number: 10 digits starting with 0",
    ),
    "ok": ("ตกลง", "OK"),
    "back": ("ย้อนกลับ", "Back"),
    "delete": ("ลบ", "Del"),
    "new_patient": (
        "ลงทะเบียนใหม่เป็นผู้รับบริการนอกเขต เจ้าหน้าที่จะตรวจสอบข้อมูลอีกครั้ง",
        "New out-of-area patient: the staff will check your details",
    ),
    "offline_note": (
        "ระบบของหน่วยบริการขัดข้องชั่วคราว บัตรคิวจะใช้หมายเลขชั่วคราว",
        "The clinic system is briefly down; your ticket carries a temporary number",
    ),
    "nhso_down_note": (
        "ติดต่อ สปสช. ไม่ได้ จะขอรหัสยืนยันให้ภายหลัง",
        "NHSO cannot be reached; your claim code will follow",
    ),
    # endings
    "done_title": ("รับบัตรคิวที่เครื่องพิมพ์", "Take your queue ticket"),
    "queue_number": ("คิวที่ {queue}", "Queue {queue}"),
    "done_hint": (
        "กรุณาดึงบัตรประชาชนออก แล้วรอเรียกคิว",
        "Remove your ID card and wait for your number to be called",
    ),
    "reprint_note": (
        "ท่านลงทะเบียนแล้ววันนี้ พิมพ์บัตรคิวเดิมให้อีกครั้ง",
        "You already checked in today; your ticket was printed again",
    ),
    "claim_pending_note": (
        "รหัสยืนยันการเข้ารับบริการจะขอให้ภายหลัง",
        "Your NHSO claim code will be requested later",
    ),
    "counter_title": ("กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์", "Please see the staff at the counter"),
    "counter_hint": (
        "ดึงบัตรประชาชนออก แล้วแจ้งหมายเลขคิวกับเจ้าหน้าที่",
        "Remove your ID card and tell the staff your queue number",
    ),
    "counter_card_hint": (
        "ดึงบัตรประชาชนออก แล้วนำบัตรไปติดต่อเจ้าหน้าที่",
        "Remove your ID card and take it to the staff",
    ),
    "counter_no_rights": (
        "ไม่พบสิทธิการรักษาที่ใช้ได้วันนี้ เจ้าหน้าที่จะช่วยตรวจสอบ",
        "No usable health right was found today; the staff will help you",
    ),
    "counter_refused": (
        "สปสช. ไม่ยืนยันการเข้ารับบริการ เจ้าหน้าที่จะช่วยตรวจสอบ",
        "NHSO did not confirm your visit; the staff will help you",
    ),
    "counter_printer": (
        "เครื่องพิมพ์บัตรคิวขัดข้อง ท่านได้คิวแล้ว",
        "The ticket printer is not working, but you have your place in the queue",
    ),
    "counter_database": (
        "บันทึกข้อมูลไม่สำเร็จ",
        "Your check-in could not be saved",
    ),
    "counter_timeout": (
        "ระบบตอบสนองช้าเกินไป",
        "The system took too long to answer",
    ),
    "counter_registration": (
        "เจ้าหน้าที่ต้องตรวจสอบข้อมูลทะเบียนของท่านก่อน",
        "The staff need to check your registration first",
    ),
    "counter_error": (
        "เกิดข้อผิดพลาดในระบบ",
        "Something went wrong in the system",
    ),
    "card_error_title": ("อ่านบัตรไม่ได้", "The card could not be read"),
    "card_unreadable": (
        "ดึงบัตรออก แล้วเสียบใหม่โดยหันชิปขึ้น",
        "Remove the card and insert it again, chip facing up",
    ),
    "card_removed": (
        "บัตรถูกดึงออกระหว่างอ่าน กรุณาเสียบใหม่",
        "The card was removed while reading; please insert it again",
    ),
    # staff
    "staff_pin_title": ("เจ้าหน้าที่: กรอกรหัส PIN", "Staff: enter the PIN"),
    "staff_pin_wrong": ("รหัสไม่ถูกต้อง", "Wrong PIN"),
    "staff_menu_title": ("เมนูเจ้าหน้าที่", "Staff menu"),
    "staff_replay": ("ส่งข้อมูลที่ค้างไว้เข้า JHCIS", "Send saved check-ins to JHCIS"),
    "staff_exit": ("ปิดโปรแกรมตู้", "Close the kiosk program"),
    "staff_back": ("กลับสู่หน้าบริการ", "Back to service"),
    "staff_status": (
        "รอส่งเข้า JHCIS: {pending} รายการ",
        "Waiting to reach JHCIS: {pending}",
    ),
}


def text(key: str, language: Language, **values: object) -> str:
    th, en = MESSAGES[key]
    template = th if language == "th" else en
    return template.format(**values) if values else template


def counter_message(reason: str | None) -> str:
    key = f"counter_{reason}"
    return key if key in MESSAGES else "counter_error"


def card_error_message(code: str | None) -> str:
    return code if code in {"card_unreadable", "card_removed"} else "card_unreadable"
