"""Every way talking to NHSO can fail, as one taxonomy of bilingual errors.

The codes are stable (the kiosk, the backoffice and the CLI's JSON output key on
them). Messages say what to do next and never carry a citizen ID, a name or a
token; ``detail`` is for developers and names endpoints by their path template only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from common.errors import BilingualError

if TYPE_CHECKING:
    from integrations.nhso.models import AuthenResult, Rights


class NhsoError(BilingualError):
    """Base of every NHSO failure."""

    code: ClassVar[str] = "nhso.error"
    message_th: ClassVar[str] = "ติดต่อ สปสช. ไม่สำเร็จ กรุณาติดต่อเจ้าหน้าที่"
    message_en: ClassVar[str] = "Could not complete the NHSO request. Please ask the staff."
    #: True when asking again later may succeed without anyone changing anything.
    transient: ClassVar[bool] = False
    #: Set by the transport when the server may have acted on the request although
    #: no answer arrived (timeout, dropped connection, 5xx): never repeat blindly.
    maybe_processed: bool = False

    @property
    def may_have_acted(self) -> bool:
        """Whether NHSO may have done what the failed request asked: resend only after a look."""
        return self.maybe_processed


class AgentNotRunning(NhsoError):
    code = "nhso.agent_not_running"
    message_th = (
        "ไม่สามารถเชื่อมต่อโปรแกรม NHSO Secure SmartCard Agent ได้ "
        "กรุณาตรวจสอบว่าเปิดโปรแกรมแล้ว หรือติดต่อเจ้าหน้าที่"
    )
    message_en = (
        "Cannot reach the NHSO Secure SmartCard Agent. Check that it is running, or ask the staff."
    )
    transient = True


class NoReader(NhsoError):
    code = "nhso.no_reader"
    message_th = "ไม่พบเครื่องอ่านบัตร กรุณาติดต่อเจ้าหน้าที่"
    message_en = "No card reader found. Please ask the staff."


class NoCard(NhsoError):
    code = "nhso.no_card"
    message_th = "กรุณาเสียบบัตรประชาชน"
    message_en = "Please insert your ID card."
    transient = True


class CardMismatch(NhsoError):
    code = "nhso.card_mismatch"
    message_th = "บัตรที่เสียบไม่ตรงกับผู้รับบริการ กรุณาเสียบบัตรใหม่อีกครั้ง"
    message_en = "The card in the reader is not this patient's. Please insert the card again."


class NoRights(NhsoError):
    code = "nhso.no_rights"
    message_th = "ไม่พบสิทธิที่ใช้ขอรหัส Authen ได้ กรุณาติดต่อเจ้าหน้าที่"
    message_en = "No right that allows an Authen code was found. Please ask the staff."

    def __init__(self, detail: str = "", *, rights: Rights | None = None) -> None:
        super().__init__(detail)
        #: What NHSO did say about the person, so the kiosk can still open a visit.
        self.rights = rights


class AlreadyAuthenticated(NhsoError):
    code = "nhso.already_authenticated"
    message_th = "วันนี้ได้ขอรหัส Authen แล้ว กรุณาติดต่อเจ้าหน้าที่"
    message_en = "An Authen code was already requested today. Please ask the staff."

    def __init__(self, detail: str = "", *, existing: list[AuthenResult] | None = None) -> None:
        super().__init__(detail)
        self.existing = existing or []


class TokenInvalid(NhsoError):
    code = "nhso.token_invalid"
    message_th = "Token ของ สปสช. ไม่ถูกต้องหรือหมดอายุ กรุณาแจ้งเจ้าหน้าที่ให้ตั้งค่า Token ใหม่"
    message_en = "The NHSO token is invalid or expired. Ask the staff to set a new token."


class RateLimited(NhsoError):
    code = "nhso.rate_limited"
    message_th = "สปสช. ได้รับคำขอมากเกินไป กรุณารอสักครู่แล้วลองใหม่"
    message_en = "NHSO is receiving too many requests. Please wait a moment and try again."
    transient = True
    #: What the server's Retry-After asked for, when it said.
    retry_after_s: float | None = None


class NhsoTimeout(NhsoError):
    code = "nhso.timeout"
    message_th = "สปสช. ไม่ตอบสนองในเวลาที่กำหนด กรุณาลองใหม่ หรือติดต่อเจ้าหน้าที่"
    message_en = "NHSO did not answer in time. Please try again or ask the staff."
    transient = True


class NhsoUnavailable(NhsoError):
    code = "nhso.unavailable"
    message_th = "ระบบของ สปสช. ขัดข้องชั่วคราว กรุณาลองใหม่ หรือติดต่อเจ้าหน้าที่"
    message_en = "The NHSO service is temporarily failing. Please try again or ask the staff."
    transient = True


class MalformedResponse(NhsoError):
    code = "nhso.malformed_response"
    message_th = "ได้รับข้อมูลจาก สปสช. ในรูปแบบที่ไม่ถูกต้อง กรุณาติดต่อเจ้าหน้าที่"
    message_en = "NHSO sent an answer we cannot read. Please ask the staff."

    @property
    def may_have_acted(self) -> bool:
        # An answer that cannot be read (not JSON, or the wrong shape) says nothing
        # about what NHSO did with the request.
        return True


class Deceased(NhsoError):
    code = "nhso.deceased"
    message_th = "สปสช. แจ้งว่าเลขประจำตัวประชาชนนี้มีสถานะเสียชีวิต กรุณาติดต่อเจ้าหน้าที่"
    message_en = "NHSO records this citizen ID as deceased. Please ask the staff."


class InvalidCid(NhsoError):
    code = "nhso.invalid_cid"
    message_th = "เลขประจำตัวประชาชนไม่ถูกต้อง กรุณาตรวจสอบ หรือติดต่อเจ้าหน้าที่"
    message_en = "The citizen ID is not valid. Please check it or ask the staff."


class InvalidMobile(NhsoError):
    code = "nhso.invalid_mobile"
    message_th = "เบอร์โทรศัพท์มือถือไม่ถูกต้อง กรุณากรอกเบอร์ 10 หลักที่ขึ้นต้นด้วย 0"
    message_en = "The mobile number is not valid. Enter the 10 digits starting with 0."


class InvalidRequest(NhsoError):
    """NHSO refused the request for a reason of its own (its message is in detail)."""

    code = "nhso.rejected"
    message_th = "สปสช. ไม่รับคำขอนี้ กรุณาติดต่อเจ้าหน้าที่"
    message_en = "NHSO refused this request. Please ask the staff."


class AuthenOutcomeUnknown(NhsoError):
    """The authen request was sent, the answer was lost, and no lookup could settle it."""

    code = "nhso.authen_unknown"
    message_th = "ไม่ทราบผลการขอรหัส Authen (ไม่ได้รับคำตอบ) กรุณาติดต่อเจ้าหน้าที่เพื่อตรวจสอบ ห้ามขอซ้ำ"
    message_en = (
        "The Authen answer was lost and could not be confirmed. Ask the staff to check; "
        "do not request again."
    )


class NotConfigured(NhsoError):
    code = "nhso.not_configured"
    message_th = "ยังไม่ได้ตั้งค่าการเชื่อมต่อ สปสช. กรุณาติดต่อเจ้าหน้าที่"
    message_en = "The NHSO connection is not configured. Please ask the staff."


ALL_ERRORS: tuple[type[NhsoError], ...] = (
    NhsoError,
    AgentNotRunning,
    NoReader,
    NoCard,
    CardMismatch,
    NoRights,
    AlreadyAuthenticated,
    TokenInvalid,
    RateLimited,
    NhsoTimeout,
    NhsoUnavailable,
    MalformedResponse,
    Deceased,
    InvalidCid,
    InvalidMobile,
    InvalidRequest,
    AuthenOutcomeUnknown,
    NotConfigured,
)


# Known NHSO texts (S7, S8 and §5 of the reference) and the error each one means.
_MESSAGE_MARKERS: tuple[tuple[str, type[NhsoError]], ...] = (
    ("invalid token", TokenInvalid),
    ("token", TokenInvalid),
    ("เสียชีวิต", Deceased),
    ("ใช้ไม่ได้ หรือไม่มี", InvalidCid),
    ("กรุณาระบุ personalid", InvalidCid),
    ("ซ้ำใน 1 วัน", AlreadyAuthenticated),
    ("authen ซ้ำ", AlreadyAuthenticated),
    ("ขอ authencode แล้ว", AlreadyAuthenticated),
)


def error_for_message(message: str) -> type[NhsoError]:
    """The error class NHSO means by one of its free-text messages (default: rejected)."""
    lowered = message.lower()
    for marker, cls in _MESSAGE_MARKERS:
        if marker in lowered:
            return cls
    return InvalidRequest
