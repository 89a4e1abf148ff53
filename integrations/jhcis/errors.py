"""Failures of the clinic database layer, each with a Thai and an English message.

Messages and details never carry a citizen ID, a name or a phone number: SQLAlchemy's
own exception text includes the bound parameters, so it is never passed on.
"""

from __future__ import annotations

from common.errors import BilingualError


class JhcisError(BilingualError):
    code = "jhcis_error"
    message_th = "ระบบฐานข้อมูล JHCIS ขัดข้อง กรุณาติดต่อเจ้าหน้าที่"
    message_en = "The JHCIS database reported a problem. Please ask the staff."


class JhcisUnavailable(JhcisError):
    code = "jhcis_unavailable"
    message_th = "เชื่อมต่อฐานข้อมูล JHCIS ไม่ได้ กรุณาติดต่อเจ้าหน้าที่"
    message_en = "Cannot reach the JHCIS database. Please ask the staff."


class JhcisQueryFailed(JhcisError):
    """A database error no command expected: often a table this JHCIS lacks."""

    code = "jhcis_query_failed"
    message_th = (
        "ใช้งานฐานข้อมูลไม่สำเร็จ: เชื่อมต่อไม่ได้ หรือไม่ใช่ฐานข้อมูล JHCIS ที่สมบูรณ์ "
        "กรุณาตรวจด้วยคำสั่ง backoffice doctor"
    )
    message_en = (
        "The database could not be used: it is unreachable or not a complete JHCIS "
        "database. Check it with `backoffice doctor`."
    )


class NumberingBusy(JhcisError):
    code = "jhcis_busy"
    message_th = "ฐานข้อมูล JHCIS กำลังทำงานหนัก กรุณาลองใหม่อีกครั้ง"
    message_en = "The JHCIS database is busy. Please try again."


class UnitCodeMissing(JhcisError):
    code = "jhcis_no_unit_code"
    message_th = "ไม่พบรหัสหน่วยบริการในตาราง office กรุณาให้ผู้ดูแลระบบตั้งค่า clinic.hcode ในไฟล์ตั้งค่า"
    message_en = (
        "No unit code found in the JHCIS office table. "
        "Ask the administrator to set clinic.hcode in the configuration."
    )


class OutOfAreaHouseMissing(JhcisError):
    code = "jhcis_no_out_of_area_house"
    message_th = "ยังไม่มีบ้านในหมู่ 00 (นอกเขต) สำหรับลงทะเบียนผู้มารับบริการใหม่ กรุณาให้เจ้าหน้าที่เพิ่มใน JHCIS ก่อน"
    message_en = (
        "JHCIS has no house in village moo 00 (out of area) to register new patients. "
        "Please ask the staff to add one in JHCIS."
    )


class IdempotencyKeyReused(JhcisError):
    code = "jhcis_key_reused"
    message_th = "คำขอเปิดบริการซ้ำกับผู้รับบริการคนอื่น กรุณาติดต่อเจ้าหน้าที่"
    message_en = "This check-in request id belongs to another patient. Please ask the staff."


class ClaimCodeConflict(JhcisError):
    code = "jhcis_claim_code_conflict"
    message_th = "การรับบริการนี้มีรหัส Claim Code อื่นบันทึกไว้แล้ว ระบบไม่ได้เขียนทับ"
    message_en = "This visit already has a different claim code; it was not overwritten."


class ClaimColumnsMissing(JhcisError):
    code = "jhcis_no_claim_columns"
    message_th = (
        "ฐานข้อมูล JHCIS รุ่นนี้ไม่มีคอลัมน์ claimcode_nhso กรุณาให้ผู้ดูแลระบบตรวจด้วยคำสั่ง backoffice doctor"
    )
    message_en = (
        "This JHCIS database has no claimcode_nhso column. "
        "Ask the administrator to run `backoffice doctor`."
    )


class VisitNotFound(JhcisError):
    code = "jhcis_visit_not_found"
    message_th = "ไม่พบการรับบริการนี้ใน JHCIS กรุณาติดต่อเจ้าหน้าที่"
    message_en = "This visit was not found in JHCIS. Please ask the staff."


class PendingAuthenNotFound(JhcisError):
    code = "jhcis_pending_not_found"
    message_th = "ไม่พบรายการรอยืนยันตัวตนนี้"
    message_en = "This pending authentication was not found."


class NotADemoDatabase(JhcisError):
    code = "jhcis_not_demo"
    message_th = (
        "ฐานข้อมูลนี้มีตาราง JHCIS อยู่แล้วและไม่ได้สร้างโดยคำสั่ง create-demo ระบบจะไม่แก้ไขฐานข้อมูลของหน่วยบริการ"
    )
    message_en = (
        "This database already holds JHCIS tables and was not made by create-demo; "
        "a clinic's database is never touched."
    )


class OwnTableIncomplete(JhcisError):
    code = "jhcis_own_table_incomplete"
    message_th = (
        "ตาราง kiosk_ ของระบบในฐานข้อมูลขาดคอลัมน์ ระบบจะไม่แก้ไขเอง "
        "กรุณาให้ผู้ดูแลระบบตรวจตาราง (ชื่อตารางและคอลัมน์อยู่ในบันทึกระบบ)"
    )
    message_en = (
        "One of our kiosk_ tables in the database lacks a column; it is not altered "
        "automatically. Ask the administrator to check the table (named in the log)."
    )


class OwnTableDuplicates(JhcisError):
    code = "jhcis_own_table_duplicates"
    message_th = (
        "สร้างดัชนีไม่ซ้ำของตาราง kiosk_ ไม่ได้ เพราะมีแถวซ้ำกันอยู่ ระบบจะไม่ลบข้อมูลเอง "
        "กรุณาให้ผู้ดูแลระบบลบแถวที่ซ้ำ แล้วเริ่มโปรแกรมใหม่"
    )
    message_en = (
        "A unique index of a kiosk_ table cannot be created because duplicate rows exist; "
        "no row is deleted automatically. Ask the administrator to remove the duplicates "
        "and restart."
    )


class ProviderNotFound(JhcisError):
    """The configured provider is no JHCIS account of this unit (visit.username -> user)."""

    code = "jhcis_provider_missing"
    message_th = (
        "ไม่พบผู้ให้บริการที่ตั้งไว้ (kiosk.provider) ในตาราง user ของหน่วยบริการนี้ "
        "กรุณาให้ผู้ดูแลระบบเลือกเจ้าหน้าที่ที่มีบัญชีใน JHCIS"
    )
    message_en = (
        "The configured provider (kiosk.provider) is not a JHCIS account of this unit. "
        "Ask the administrator to choose a staff member who has a JHCIS account."
    )


class WriteRefused(JhcisError):
    """JHCIS refused a row for a reason retrying cannot cure: a foreign key, a value too
    long for its column, or a column that needs a value. ``column`` names it (column and
    constraint names only: the server's text never reaches a message, it can hold values).
    """

    code = "jhcis_write_refused"

    def __init__(self, kind: str, table: str, column: str) -> None:
        self.kind, self.table, self.column = kind, table, column
        where = f"{table}.{column}" if table else column
        th, en = _REFUSALS[kind]
        super().__init__(
            f"{kind} {where}",
            th=f"JHCIS ไม่รับข้อมูล: {th} ({where}) กรุณาติดต่อเจ้าหน้าที่",
            en=f"JHCIS refused the row: {en} ({where}). Please ask the staff.",
        )


_REFUSALS = {
    "foreign_key": ("ค่าที่อ้างถึงไม่มีในตารางหลัก", "a referenced row does not exist"),
    "too_long": ("ข้อความยาวเกินช่อง", "a value is too long for its column"),
    "not_null": ("ช่องที่ต้องมีค่าว่างอยู่", "a column that needs a value is empty"),
}


class PersonNeedsStaff(JhcisError):
    """JHCIS records the card's holder as deceased or discharged: no visit without staff.

    The message is neutral (the patient reads it on a public screen); ``reason`` tells
    staff why.
    """

    code = "jhcis_person_needs_staff"
    message_th = "กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์ เพื่อตรวจสอบข้อมูลทะเบียนของท่าน"
    message_en = "Please see the staff at the counter to check your registration."

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
