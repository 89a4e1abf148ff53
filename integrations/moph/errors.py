"""Every way talking to MOPH (Claim, Immunization Center, PHR) can fail, in Thai and English.

Messages never carry a citizen ID, a name, a password or a token; ``detail`` names
endpoints by their path template only.
"""

from __future__ import annotations

from typing import ClassVar

from common.errors import BilingualError


class MophError(BilingualError):
    code: ClassVar[str] = "moph.error"
    message_th: ClassVar[str] = "ติดต่อระบบ MOPH Claim ไม่สำเร็จ กรุณาลองใหม่หรือติดต่อผู้ดูแลระบบ"
    message_en: ClassVar[str] = (
        "Could not complete the MOPH Claim request. Try again or ask the admin."
    )
    #: True when sending the same thing again later may succeed unchanged.
    transient: ClassVar[bool] = False
    #: True when MOPH may have acted on the request (the answer was lost or unreadable):
    #: a ledger records the outcome as unknown and never resends it on its own.
    maybe_processed: ClassVar[bool] = False


class MophNotConfigured(MophError):
    code = "moph.not_configured"
    message_th = "ยังไม่ได้ตั้งค่าผู้ใช้ MOPH Claim (moph_username, moph_password) กรุณาตั้งค่าก่อน"
    message_en = "The MOPH Claim account (moph_username, moph_password) is not set. Set it first."


class MophLoginFailed(MophError):
    code = "moph.login_failed"
    message_th = "เข้าสู่ระบบ MOPH ไม่สำเร็จ: ตรวจสอบชื่อผู้ใช้ รหัสผ่าน และรหัสหน่วยบริการ"
    message_en = "MOPH login failed: check the username, the password and the unit code."


class MophTokenRejected(MophError):
    code = "moph.token_rejected"
    message_th = "MOPH ไม่รับ Token (อาจไม่มีสิทธิ MOPH Claim-API) กรุณาตรวจสอบสิทธิผู้ใช้ที่ Account Center"
    message_en = (
        "MOPH refused the token (the account may lack the MOPH Claim-API role). "
        "Check the user's roles in Account Center."
    )


class MophUnavailable(MophError):
    code = "moph.unavailable"
    message_th = "ระบบ MOPH Claim ขัดข้องชั่วคราว กรุณาส่งใหม่ภายหลัง"
    message_en = "MOPH Claim is temporarily failing. Send again later."
    transient = True
    maybe_processed = True  # a 5xx or a broken answer: the request may have been handled


class MophUnreachable(MophUnavailable):
    """No connection was made (refused, no route, DNS, connect timeout): nothing was sent."""

    code = "moph.unreachable"
    message_th = "ติดต่อเครื่องบริการของ MOPH ไม่ได้ (ยังไม่ได้ส่งข้อมูล) กรุณาตรวจสอบอินเทอร์เน็ต ระบบจะลองใหม่เอง"
    message_en = (
        "Could not reach the MOPH server (nothing was sent). Check the internet link; "
        "it will be tried again."
    )
    maybe_processed = False


class MophTimeout(MophError):
    code = "moph.timeout"
    message_th = "MOPH Claim ไม่ตอบในเวลาที่กำหนด กรุณาตรวจสอบสถานะก่อนส่งใหม่"
    message_en = "MOPH Claim did not answer in time. Check the status before sending again."
    transient = True
    maybe_processed = True


class MophRejected(MophError):
    """MOPH refused the claim for a reason of its own (its message is in ``detail``)."""

    code = "moph.rejected"
    message_th = "MOPH Claim ไม่รับข้อมูลนี้ กรุณาตรวจสอบข้อมูลการรับบริการแล้วส่งใหม่"
    message_en = "MOPH Claim refused this record. Check the visit's data and send again."


class MophDuplicate(MophError):
    code = "moph.duplicate"
    message_th = "MOPH Claim แจ้งว่าข้อมูลนี้เคยส่งแล้ว ไม่ต้องส่งซ้ำ"
    message_en = "MOPH Claim says this record was already sent; do not send it again."


class MophMalformed(MophError):
    code = "moph.malformed_response"
    message_th = "ได้รับคำตอบจาก MOPH ในรูปแบบที่อ่านไม่ได้ กรุณาติดต่อผู้ดูแลระบบ"
    message_en = "MOPH sent an answer we cannot read. Please ask the administrator."
    maybe_processed = True


class MophRateLimited(MophError):
    """HTTP 429: refused at the door before the request was handled."""

    code = "moph.rate_limited"
    message_th = "MOPH ขอให้ส่งช้าลง (ส่งถี่เกินไป) ยังไม่ได้ส่งข้อมูล ระบบจะลองใหม่ภายหลัง"
    message_en = "MOPH asked us to slow down (too many requests); nothing was sent. It will retry."
    transient = True
