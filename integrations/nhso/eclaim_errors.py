"""How an upload to the NHSO e-Claim API can fail, in Thai and English.

These extend the NHSO taxonomy of :mod:`integrations.nhso.errors`; transport failures
(timeout, 5xx, lost answer, 429, an unreadable answer) stay the errors the shared
transport raises (``nhso.timeout``, ``nhso.unavailable`` ...). Messages never carry a
citizen ID, a name, a password or a token; NHSO's own text, when there is one, goes
into ``detail`` with citizen IDs masked.
"""

from __future__ import annotations

from integrations.nhso.errors import NhsoError


class EclaimError(NhsoError):
    code = "nhso.eclaim.error"
    message_th = "ส่งข้อมูลเข้า e-Claim ของ สปสช. ไม่สำเร็จ กรุณาติดต่อผู้ดูแลระบบ"
    message_en = "Could not send the batch to NHSO e-Claim. Please ask the administrator."


class EclaimNotConfigured(EclaimError):
    code = "nhso.eclaim.not_configured"
    message_th = (
        "ยังไม่ได้ตั้งค่าผู้ใช้ DCenter สำหรับ e-Claim (nhso_eclaim_username, "
        "nhso_eclaim_password ในแฟ้ม secrets) กรุณาตั้งค่าก่อน"
    )
    message_en = (
        "The DCenter account for e-Claim (nhso_eclaim_username, nhso_eclaim_password in "
        "the secrets file) is not set. Set it first."
    )


class EclaimLoginFailed(EclaimError):
    code = "nhso.eclaim.login_failed"
    message_th = "เข้าสู่ระบบ e-Claim ไม่สำเร็จ: ตรวจสอบชื่อผู้ใช้และรหัสผ่าน DCenter"
    message_en = "e-Claim login failed: check the DCenter username and password."


class EclaimTooLarge(EclaimError):
    code = "nhso.eclaim.too_large"
    message_th = "ข้อมูลสิทธิเดียวกันเกิน 10 MB ต่อการส่งหนึ่งครั้ง กรุณาส่งออกช่วงวันที่สั้นลงแล้วส่งใหม่ (ยังไม่ได้ส่งข้อมูลใด)"
    message_en = (
        "One right's data is over the 10 MB a request may carry. Export a shorter date "
        "range and send again (nothing was sent)."
    )


class EclaimUnsendableRight(EclaimError):
    code = "nhso.eclaim.unsendable_right"
    message_th = "ชุดข้อมูลมีสิทธิที่ API e-Claim ไม่รับ กรุณานำเข้าด้วยโปรแกรม e-Claim แทน (ยังไม่ได้ส่งข้อมูลใด)"
    message_en = (
        "The batch holds a right the e-Claim API does not take. Import it with the e-Claim "
        "program instead (nothing was sent)."
    )


class EclaimBadBatch(EclaimError):
    code = "nhso.eclaim.bad_batch"
    message_th = "แฟ้มในชุดข้อมูลไม่ครบหรืออ่านไม่ได้ กรุณาส่งออกใหม่ (ยังไม่ได้ส่งข้อมูลใด)"
    message_en = "The batch's files are missing or unreadable. Export it again (nothing was sent)."


class EclaimAlreadySent(EclaimError):
    """Our own ledger says this content went to NHSO already."""

    code = "nhso.eclaim.already_sent"
    # The ledger adds what may be done next: nothing after "sent", --resend after
    # NHSO's own "duplicate".
    message_th = "ข้อมูลชุดนี้เคยส่งเข้า e-Claim แล้ว ระบบไม่ส่งซ้ำ"
    message_en = "This content was already sent to e-Claim and is not sent twice."


class EclaimOutcomeUnknown(EclaimError):
    """Sent, but no answer came back (or the crash came before we recorded it)."""

    code = "nhso.eclaim.outcome_unknown"
    message_th = (
        "ไม่ทราบผลการส่งข้อมูลชุดนี้ (ไม่ได้รับคำตอบ) กรุณาตรวจสอบในเว็บ e-Claim ก่อน "
        "ห้ามส่งซ้ำจนกว่าจะตรวจสอบ แล้วจึงใช้ --resend (ส่งซ้ำโดยตั้งใจ) หากไม่พบข้อมูล"
    )
    message_en = (
        "The outcome of sending this content is unknown (no answer). Check on the e-Claim "
        "web site first; do not send again until then, and use --resend (send again on "
        "purpose) only if it is missing."
    )


class EclaimInProgress(EclaimError):
    code = "nhso.eclaim.in_progress"
    message_th = "กำลังส่งข้อมูลชุดนี้อยู่ กรุณารอให้เสร็จก่อน"
    message_en = "This content is being sent right now. Wait for it to finish."
    transient = True


class EclaimDuplicate(EclaimError):
    """NHSO itself says the records are there already."""

    code = "nhso.eclaim.duplicate"
    message_th = "สปสช. แจ้งว่ามีข้อมูลนี้ในระบบ e-Claim แล้ว ไม่ต้องส่งซ้ำ"
    message_en = "NHSO says e-Claim holds these records already; do not send them again."


class EclaimRejected(EclaimError):
    code = "nhso.eclaim.rejected"
    message_th = "สปสช. ไม่รับข้อมูลชุดนี้ กรุณาตรวจสอบรายงานการส่งออกและข้อความจาก สปสช."
    message_en = "NHSO refused this batch. Check the export report and NHSO's message."


class EclaimNotRecorded(EclaimError):
    """The send happened but our ledger could not be updated: say so loudly."""

    code = "nhso.eclaim.not_recorded"
    message_th = "ส่งข้อมูลแล้วแต่บันทึกผลลงฐานข้อมูลไม่สำเร็จ ห้ามส่งซ้ำ กรุณาตรวจสอบในเว็บ e-Claim และแจ้งผู้ดูแลระบบ"
    message_en = (
        "The batch was sent but its result could not be recorded. Do not send again; check "
        "the e-Claim web site and tell the administrator."
    )


class EclaimLedgerUnavailable(EclaimError):
    """Our upload record could not be read or written, so nothing was sent."""

    code = "nhso.eclaim.ledger_unavailable"
    message_th = "บันทึกประวัติการส่งลงฐานข้อมูลไม่ได้ จึงยังไม่ได้ส่งข้อมูล กรุณาตรวจสอบฐานข้อมูลแล้วลองใหม่"
    message_en = (
        "The upload record could not be written to the database, so nothing was sent. "
        "Check the database and try again."
    )
    transient = True


ECLAIM_ERRORS: tuple[type[EclaimError], ...] = (
    EclaimError,
    EclaimNotConfigured,
    EclaimLoginFailed,
    EclaimTooLarge,
    EclaimUnsendableRight,
    EclaimBadBatch,
    EclaimAlreadySent,
    EclaimOutcomeUnknown,
    EclaimInProgress,
    EclaimDuplicate,
    EclaimRejected,
    EclaimNotRecorded,
    EclaimLedgerUnavailable,
)
