"""Failures of the update server's DDI API, in Thai and English for IT."""

from __future__ import annotations

from common.errors import BilingualError


class DdiError(BilingualError):
    code = "update_server_unreachable"
    message_th = "ติดต่อเซิร์ฟเวอร์อัปเดตของอำเภอไม่ได้ เครื่องจะลองใหม่เอง หากเป็นนานกรุณาแจ้งฝ่ายไอทีของ สสอ."
    message_en = (
        "The district update server cannot be reached. The kiosk retries by itself; "
        "if it lasts, tell the district IT office."
    )


class DdiAuthError(DdiError):
    code = "update_server_token_refused"
    message_th = (
        "เซิร์ฟเวอร์อัปเดตไม่รับรหัสประจำเครื่องนี้ "
        "กรุณาให้ฝ่ายไอทีลงทะเบียนเครื่องใหม่ (ชื่อเครื่องและโทเค็นในไฟล์ตั้งค่าเครื่อง)"
    )
    message_en = (
        "The update server refused this kiosk's token. Ask IT to enrol the kiosk again "
        "(its name and token in the provisioning file)."
    )


class DdiHashMismatch(DdiError):
    code = "update_download_corrupt"
    message_th = "ไฟล์อัปเดตที่ดาวน์โหลดมาไม่ครบหรือเสียหาย เครื่องจะไม่ติดตั้งและจะรายงานให้เซิร์ฟเวอร์ทราบ"
    message_en = (
        "The downloaded update is incomplete or damaged. It is not installed, "
        "and the server is told."
    )


class DdiNoSpace(DdiError):
    code = "update_no_space"
    message_th = (
        "พื้นที่ในเครื่องไม่พอสำหรับดาวน์โหลดไฟล์อัปเดต เครื่องจะไม่ดาวน์โหลดเพื่อไม่ให้ข้อมูลการลงทะเบียนสูญหาย "
        "และจะรายงานให้เซิร์ฟเวอร์ทราบ"
    )
    message_en = (
        "Not enough free space to download the update. The kiosk does not download it, so "
        "that no check-in is lost, and the server is told."
    )


class DdiActionClosed(DdiError):
    """The server no longer knows the action as open (hawkBit answers 404/410 for it)."""

    code = "update_action_closed"
    message_th = "เซิร์ฟเวอร์อัปเดตปิดงานอัปเดตนี้ไปแล้ว เครื่องจะไม่รายงานซ้ำ"
    message_en = (
        "The update server has already closed this update; the kiosk does not report it again."
    )
