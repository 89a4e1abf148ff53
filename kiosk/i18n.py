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
    # A child has no ID card before 7, and the kiosk cannot take an adult's card for the
    # child (issue 20, item 7: NHSO's interfaces authenticate the card in the reader):
    # said before a card goes in, so that a parent goes to the staff with the child
    # instead of checking themselves in.
    "idle_child": (
        "เด็กที่ไม่มีบัตรประชาชน กรุณาติดต่อเจ้าหน้าที่",
        "A child without an ID card: please see the staff",
    ),
    # idle with a card still in (left after the last screen): never "insert your card"
    "take_card_title": ("กรุณาดึงบัตรประชาชนออก", "Please take out your ID card"),
    "take_card_hint": (
        "ถ้าจะลงทะเบียนอีกครั้ง ดึงบัตรออกแล้วเสียบใหม่",
        "To check in again, take it out and insert it again",
    ),
    # idle: what the device watcher (kiosk.device_status) found wrong
    "reader_missing": (
        "เครื่องอ่านบัตรไม่ได้เชื่อมต่อ กรุณาแจ้งเจ้าหน้าที่",
        "The card reader is not connected; please tell the staff",
    ),
    "database_down": (
        "ระบบของ รพ.สต. ขัดข้องชั่วคราว ยังรับบัตรคิวได้ตามปกติ",
        "The clinic's system is briefly down; you still get a queue ticket as usual",
    ),
    # ...and what still works, before the card goes in (issue 20, item 4)
    "printer_paper_out": (
        "เครื่องพิมพ์บัตรคิวกระดาษหมด — ยังลงทะเบียนได้ รับบัตรคิวที่เคาน์เตอร์",
        "The ticket printer is out of paper — you can still check in; "
        "get your queue ticket at the counter",
    ),
    "printer_offline": (
        "เครื่องพิมพ์บัตรคิวขัดข้อง — ยังลงทะเบียนได้ รับบัตรคิวที่เคาน์เตอร์",
        "The ticket printer is not working — you can still check in; "
        "get your queue ticket at the counter",
    ),
    "nhso_down": (
        "ติดต่อ สปสช. ไม่ได้ — ยังลงทะเบียนได้ เจ้าหน้าที่จะขอรหัสยืนยันสิทธิให้ภายหลัง",
        "NHSO cannot be reached — you can still check in; "
        "the staff will get your Authen Code later",
    ),
    # busy steps
    "reading_card": ("กำลังอ่านบัตร", "Reading your card"),
    "card_read": ("กำลังค้นหาประวัติของท่าน", "Looking up your record"),
    "identified": ("กำลังตรวจสอบสิทธิกับ สปสช.", "Checking your rights with NHSO"),
    "mobile_confirmed": ("กำลังขอรหัสยืนยันสิทธิจาก สปสช.", "Getting your Authen Code from NHSO"),
    "authenticated": ("กำลังบันทึกการมารับบริการ", "Recording your visit"),
    "journaling": ("กำลังบันทึกการมารับบริการ", "Recording your visit"),
    "visit_opened": ("กำลังพิมพ์บัตรคิว", "Printing your queue ticket"),
    "busy_hint": ("กรุณาอย่าดึงบัตรออก", "Please do not take out your card"),
    # choices
    "choose_claim_type": ("วันนี้มารับบริการอะไร", "What have you come for today?"),
    "choose_other_service": ("เลือกบริการ", "Choose the service"),
    "other_services": ("บริการอื่น", "Other services"),
    "service_line": ("บริการ: {service}", "Service: {service}"),
    "cancel": ("ยกเลิก", "Cancel"),
    "confirm_mobile_title": ("เบอร์นี้ใช่ของท่านไหม", "Is this your mobile number?"),
    "confirm": ("ใช่ เบอร์นี้", "Yes, this number"),
    "edit_mobile": ("เปลี่ยนเบอร์", "Change number"),
    "enter_mobile_title": ("กดเบอร์มือถือของท่าน 10 หลัก", "Enter your 10-digit mobile number"),
    "mobile_invalid": (
        "เบอร์ยังไม่ถูก ต้องมี 10 หลัก ขึ้นต้นด้วย 0",
        "Not a mobile number: 10 digits starting with 0",
    ),
    "ok": ("ตกลง", "OK"),
    "back": ("ย้อนกลับ", "Back"),
    "delete": ("ลบ", "Del"),
    # the warning before a choice screen gives up (FlowState.warning)
    "still_there_title": ("ยังทำต่ออยู่ไหม", "Are you still there?"),
    "still_there_seconds": (
        "ถ้าไม่แตะหน้าจอ จะยกเลิกใน {seconds} วินาที",
        "With no touch, this is cancelled in {seconds} s",
    ),
    "still_there_touch": ("แตะเพื่อทำต่อ", "Touch to continue"),
    # ended before a visit (Step.CANCELLED): why, then what to do
    "cancelled_title": ("ยกเลิกแล้ว", "Cancelled"),
    "cancelled_card_removed": ("บัตรถูกดึงออกก่อนเสร็จ", "The card came out before the end"),
    "cancelled_timeout": ("ไม่มีการแตะหน้าจอนานเกินไป", "There was no touch for too long"),
    "cancelled_take_card": ("กรุณาดึงบัตรประชาชนออก", "Please take out your ID card"),
    "cancelled_insert_again": (
        "ถ้าจะลงทะเบียน กรุณาเสียบบัตรใหม่",
        "To check in, insert your card again",
    ),
    # notes on the ticket screen
    "new_patient": (
        "ท่านยังไม่มีประวัติที่นี่ ระบบลงทะเบียนให้แล้ว",
        "You had no record here; you are now registered",
    ),
    # One line at 40 px on a 1024-wide screen, as every note here.
    "nhso_pending": (
        "ยังยืนยันสิทธิไม่สำเร็จ เจ้าหน้าที่จะดำเนินการให้",
        "Not yet confirmed with NHSO; staff will see to it",
    ),
    "offline_note": (
        "ระบบของ รพ.สต. ขัดข้องชั่วคราว",
        "The clinic's system is briefly down",
    ),
    # endings
    "done_title": ("รับบัตรคิวที่เครื่องพิมพ์", "Take your queue ticket"),
    "queue_number": ("คิวที่ {queue}", "Queue {queue}"),
    "done_hint": (
        "กรุณาดึงบัตรประชาชนออก แล้วรอเรียกคิว",
        "Take your ID card and wait for your number",
    ),
    "reprint_note": (
        "ท่านลงทะเบียนแล้ววันนี้ นี่คือบัตรคิวเดิม",
        "Already checked in today: the same ticket again",
    ),
    "counter_title": ("กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์", "Please see the staff at the counter"),
    "counter_hint": (
        "ดึงบัตรออก แล้วแจ้งหมายเลขคิวกับเจ้าหน้าที่",
        "Take your ID card and tell the staff your number",
    ),
    "counter_card_hint": (
        "ดึงบัตรประชาชนออก แล้วนำบัตรไปติดต่อเจ้าหน้าที่",
        "Take your ID card out and take it to the staff",
    ),
    "counter_no_rights": (
        "ไม่พบสิทธิที่ใช้ได้วันนี้ เจ้าหน้าที่จะช่วยตรวจสอบ",
        "No right you can use here today; staff will help",
    ),
    "counter_refused": (
        "สปสช. ไม่ยืนยันสิทธิวันนี้ เจ้าหน้าที่จะช่วยตรวจสอบ",
        "NHSO did not confirm your right; staff will help",
    ),
    "counter_printer": (
        "เครื่องพิมพ์บัตรคิวขัดข้อง ท่านได้คิวแล้ว",
        "The printer failed, but you are in the queue",
    ),
    "counter_database": (
        "บันทึกการมารับบริการไม่สำเร็จ",
        "Your visit could not be recorded",
    ),
    "counter_timeout": (
        "ระบบตอบช้าเกินไป",
        "The system took too long to answer",
    ),
    "counter_registration": (
        "เจ้าหน้าที่ต้องตรวจสอบข้อมูลทะเบียนของท่านก่อน",
        "The staff need to check your registration first",
    ),
    "counter_error": (
        "ระบบขัดข้อง",
        "Something went wrong in the system",
    ),
    "card_error_title": ("อ่านบัตรไม่ได้", "The card could not be read"),
    "card_unreadable": (
        "ดึงบัตรออก แล้วเสียบใหม่โดยหันชิปขึ้น",
        "Take the card out and insert it again, chip facing up",
    ),
    "card_removed": (
        "บัตรถูกดึงออกระหว่างอ่าน กรุณาเสียบใหม่",
        "The card came out while it was being read; please insert it again",
    ),
    # staff
    "staff_pin_title": ("เจ้าหน้าที่: กรอกรหัส PIN", "Staff: enter the PIN"),
    "staff_pin_wrong": ("รหัสไม่ถูกต้อง", "Wrong PIN"),
    "staff_menu_title": ("เมนูเจ้าหน้าที่", "Staff menu"),
    "staff_replay": ("ส่งข้อมูลที่ค้างไว้เข้า JHCIS", "Send saved check-ins to JHCIS"),
    "staff_exit": ("ปิดโปรแกรมตู้", "Close the kiosk program"),
    "staff_back": ("กลับสู่หน้าบริการ", "Back to service"),
    # The same words as the backoffice's health page (backoffice/devices).
    "staff_test_print": ("ทดสอบพิมพ์", "Test print"),
    "staff_test_print_ok": (
        "ส่งหน้าทดสอบไปที่เครื่องพิมพ์แล้ว ตรวจดูว่าอ่านได้ชัดเจน",
        "The test slip was sent to the printer: check that it reads clearly",
    ),
    "staff_test_print_paper_out": ("พิมพ์ไม่ได้: กระดาษหมด", "Not printed: out of paper"),
    "staff_test_print_cover_open": ("พิมพ์ไม่ได้: ฝาเครื่องพิมพ์เปิดอยู่", "Not printed: the cover is open"),
    "staff_test_print_offline": (
        "พิมพ์ไม่ได้: ติดต่อเครื่องพิมพ์ไม่ได้ ตรวจสายและการเปิดเครื่อง",
        "Not printed: the printer cannot be reached; check its cable and power",
    ),
    "staff_test_print_error": (
        "พิมพ์ไม่ได้: เครื่องพิมพ์ขัดข้อง",
        "Not printed: the printer reported an error",
    ),
    "staff_status": (
        "รอส่งเข้า JHCIS: {pending} รายการ",
        "Waiting to reach JHCIS: {pending}",
    ),
    "staff_about": ("รุ่นซอฟต์แวร์ {version} · IP {address}", "Software {version} · IP {address}"),
    "staff_slot": ("ช่องระบบ {slot}", "System slot {slot}"),
    "staff_last_update": ("อัปเดตล่าสุด {version}: {result}", "Last update {version}: {result}"),
    "staff_update_success": ("สำเร็จ", "succeeded"),
    "staff_update_failure": ("ไม่สำเร็จ ย้อนกลับรุ่นเดิมแล้ว", "failed, rolled back"),
    "staff_update_refused": ("เครื่องไม่ยอมติดตั้ง", "refused by the kiosk"),
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


def cancelled_message(reason: str | None) -> str | None:
    """Why the check-in was cancelled, when the patient did not do it themselves."""
    key = f"cancelled_{reason}"
    return key if reason != "cancelled" and key in MESSAGES else None
