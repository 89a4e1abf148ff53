"""Failures a staff member may see in the backoffice, in Thai and English."""

from __future__ import annotations

from typing import ClassVar

from common.errors import BilingualError


class WebError(BilingualError):
    code: ClassVar[str] = "web.error"
    status: ClassVar[int] = 400


class SignInFailed(WebError):
    code = "auth.failed"
    status = 401
    message_th = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง กรุณาลองใหม่ (ใช้บัญชีเดียวกับโปรแกรม JHCIS)"
    message_en = "Wrong user name or password. Try again (use your JHCIS account)."


class AccountLocked(WebError):
    code = "auth.locked"
    status = 429
    message_th = "ลงชื่อเข้าใช้ผิดหลายครั้ง บัญชีนี้ถูกระงับชั่วคราว กรุณารอสักครู่แล้วลองใหม่ หรือติดต่อผู้ดูแลระบบ"
    message_en = (
        "Too many failed sign-ins: this account is locked for a while. "
        "Wait and try again, or ask the administrator."
    )


class SignInThrottled(WebError):
    """Too many failed sign-ins from this computer (or, overall, from unknown ones)."""

    code = "auth.throttled"
    status = 429
    message_th = "ลงชื่อเข้าใช้ผิดหลายครั้งจากเครื่องนี้ กรุณารอสักครู่แล้วลองใหม่"
    message_en = "Too many failed sign-ins from this computer. Wait a moment and try again."

    def __init__(self, detail: str = "", *, wait_s: int = 1) -> None:
        self.wait_s = wait_s
        super().__init__(
            detail,
            th=f"ลงชื่อเข้าใช้ผิดหลายครั้งจากเครื่องนี้ กรุณารอ {wait_s} วินาทีแล้วลองใหม่",
            en=f"Too many failed sign-ins from this computer. Wait {wait_s} s and try again.",
        )


class ReauthFailed(WebError):
    code = "auth.reauth"
    status = 403
    message_th = "รหัสผ่านปัจจุบันไม่ถูกต้อง การตั้งค่ายังไม่ถูกบันทึก กรุณาใส่รหัสผ่านของท่านอีกครั้ง"
    message_en = "Your current password is not right; nothing was saved. Enter your password again."


class BodyTooLarge(WebError):
    code = "web.too_large"
    status = 413
    message_th = "ข้อมูลที่ส่งมีขนาดใหญ่เกินกำหนด กรุณาตรวจสอบแล้วลองใหม่"
    message_en = "What was sent is larger than this page accepts. Check it and try again."


class UnsupportedBody(WebError):
    code = "web.unsupported_body"
    status = 415
    message_th = "รูปแบบข้อมูลที่ส่งมาไม่ถูกต้อง กรุณาส่งจากแบบฟอร์มของหน้าเว็บ"
    message_en = "The data is not in the form this page accepts. Send it from the page's form."


class ServerFault(WebError):
    code = "web.server_error"
    status = 500
    message_th = "ระบบขัดข้อง กรุณาลองใหม่ หากยังไม่ได้ กรุณาแจ้งผู้ดูแลระบบ"
    message_en = (
        "Something went wrong on the server. Try again; if it persists, tell the administrator."
    )


class NotSignedIn(WebError):
    code = "auth.required"
    status = 401
    message_th = "กรุณาลงชื่อเข้าใช้ก่อน"
    message_en = "Please sign in first."


class Forbidden(WebError):
    code = "auth.forbidden"
    status = 403
    message_th = "บัญชีของท่านไม่มีสิทธิ์ใช้งานส่วนนี้ กรุณาติดต่อผู้ดูแลระบบ"
    message_en = "Your account may not use this page. Ask the administrator."


class CsrfFailed(WebError):
    code = "auth.csrf"
    status = 403
    message_th = "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาเปิดหน้านี้ใหม่แล้วลองอีกครั้ง"
    message_en = "The form has expired or is not valid. Reload the page and try again."


class BadInput(WebError):
    code = "web.bad_input"
    status = 400
    message_th = "ข้อมูลที่กรอกไม่ถูกต้อง กรุณาตรวจสอบแล้วลองใหม่"
    message_en = "The data entered is not valid. Check it and try again."


class NotFound(WebError):
    code = "web.not_found"
    status = 404
    message_th = "ไม่พบข้อมูลที่ต้องการ"
    message_en = "Not found."


class DatabaseUnavailable(WebError):
    code = "web.database_unavailable"
    status = 503
    message_th = "เชื่อมต่อฐานข้อมูล JHCIS ไม่ได้ กรุณาตรวจสอบเครื่องแม่ข่ายแล้วลองใหม่"
    message_en = "Cannot reach the JHCIS database. Check the server and try again."


class FeatureUnavailable(WebError):
    code = "web.unavailable"
    status = 503
    message_th = "ส่วนนี้ยังใช้งานไม่ได้บนเครื่องนี้ กรุณาติดต่อผู้ดูแลระบบ"
    message_en = "This function is not available on this installation. Ask the administrator."
