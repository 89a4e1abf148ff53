"""Printer failures: each one means the ticket was NOT issued and may be reprinted."""

from __future__ import annotations

from common.errors import BilingualError


class PrinterError(BilingualError):
    """Base of every printer failure; the caller treats the ticket as not printed."""

    code = "printer_error"
    message_th = "พิมพ์บัตรคิวไม่สำเร็จ กรุณาติดต่อเจ้าหน้าที่"
    message_en = "The queue ticket could not be printed. Please ask the staff."


class PrinterOffline(PrinterError):
    code = "printer_offline"
    message_th = "เครื่องพิมพ์บัตรคิวไม่พร้อมใช้งาน กรุณาติดต่อเจ้าหน้าที่"
    message_en = "The ticket printer is not available. Please ask the staff."


class PaperOut(PrinterError):
    code = "printer_paper_out"
    message_th = "กระดาษบัตรคิวหมด กรุณาแจ้งเจ้าหน้าที่ให้เติมกระดาษ"
    message_en = "The ticket printer is out of paper. Please ask the staff to refill it."


class CoverOpen(PrinterError):
    code = "printer_cover_open"
    message_th = "ฝาเครื่องพิมพ์บัตรคิวเปิดอยู่ กรุณาแจ้งเจ้าหน้าที่"
    message_en = "The ticket printer's cover is open. Please ask the staff to close it."


class PrintFailed(PrinterError):
    code = "printer_print_failed"
    message_th = "พิมพ์บัตรคิวไม่สำเร็จ บัตรคิวยังไม่ถูกออก กรุณาติดต่อเจ้าหน้าที่เพื่อพิมพ์ใหม่"
    message_en = (
        "The queue ticket did not print and was not issued. Please ask the staff to reprint."
    )


class PrinterConfigError(PrinterError):
    code = "printer_config"
    message_th = "ตั้งค่าเครื่องพิมพ์ไม่ถูกต้อง กรุณาแจ้งผู้ดูแลระบบ"
    message_en = "The printer setting is not valid. Please ask the administrator."


class EscposDecodeError(PrinterError):
    code = "escpos_decode"
    message_th = "อ่านข้อมูลงานพิมพ์ไม่ได้"
    message_en = "The recorded print job could not be decoded."
