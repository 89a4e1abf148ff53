"""Failures of the reminder channels and commands, in Thai and English (no personal data)."""

from __future__ import annotations

from typing import ClassVar

from common.errors import BilingualError


class ReminderError(BilingualError):
    code: ClassVar[str] = "reminders.error"
    message_th: ClassVar[str] = "ส่งการแจ้งเตือนนัดไม่สำเร็จ กรุณาดูบันทึกการแจ้งเตือนหรือติดต่อผู้ดูแลระบบ"
    message_en: ClassVar[str] = (
        "The appointment reminder failed. See the reminder log or ask the administrator."
    )
    #: True when the channel is sure nothing reached the person (a later run may retry).
    nothing_sent: ClassVar[bool] = True


class ChannelNotConfigured(ReminderError):
    code = "reminders.channel_not_configured"
    message_th = "ยังไม่ได้ตั้งค่าช่องทางแจ้งเตือนนี้ (URL หรือรหัส API) กรุณาตั้งค่าก่อน"
    message_en = "This reminder channel is not set up (URL or API key). Set it up first."


class ChannelRejected(ReminderError):
    code = "reminders.channel_rejected"
    message_th = "ผู้ให้บริการส่งข้อความไม่รับข้อความนี้ กรุณาตรวจสอบเบอร์โทรหรือเลขประจำตัวของผู้รับ"
    message_en = "The message service refused this message. Check the recipient's number or ID."


class ChannelUnavailable(ReminderError):
    code = "reminders.channel_unavailable"
    message_th = "ระบบส่งข้อความขัดข้องชั่วคราว ระบบจะส่งใหม่ในรอบถัดไป"
    message_en = "The message service is failing for now; the next run will try again."


class ChannelUncertain(ReminderError):
    """The request may have gone through (timeout, unreadable answer): never resent."""

    code = "reminders.channel_uncertain"
    message_th = (
        "ไม่ทราบผลการส่งข้อความ (ระบบไม่ตอบ) จะไม่ส่งซ้ำอัตโนมัติ "
        "กรุณาตรวจสอบกับผู้รับ แล้วสั่งส่งใหม่จากบันทึกการแจ้งเตือนถ้าจำเป็น"
    )
    message_en = (
        "The message service did not answer, so the message may have gone out. It will not "
        "be resent automatically; check with the person and release it from the log if needed."
    )
    nothing_sent = False


class PrinterUnavailable(ReminderError):
    code = "reminders.printer_unavailable"
    message_th = "พิมพ์ใบนัดไม่สำเร็จ กรุณาตรวจสอบเครื่องพิมพ์ (กระดาษ ฝาปิด สายเชื่อมต่อ)"
    message_en = "The appointment slip did not print. Check the printer (paper, cover, cable)."


class BadReminderOption(ReminderError):
    code = "reminders.bad_option"
    message_th = "ค่าที่ระบุไม่ถูกต้อง กรุณาตรวจสอบ (วันที่แบบ YYYY-MM-DD, ช่วงเวลาเงียบแบบ 20:00-08:00)"
    message_en = "A value is not valid. Check it (dates as YYYY-MM-DD, quiet hours as 20:00-08:00)."


class PdfFolderMissing(ReminderError):
    code = "reminders.pdf_folder_missing"
    message_th = "ไม่พบโฟลเดอร์ปลายทางของไฟล์ PDF (--out) กรุณาสร้างโฟลเดอร์ก่อน หรือเลือกโฟลเดอร์ที่มีอยู่"
    message_en = "The folder for the PDF (--out) does not exist. Create it first or choose one."
