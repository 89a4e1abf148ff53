"""How talking to NHSO's Digital Platform (NDP, the 13-file claims) can fail, Thai and English.

These extend :mod:`integrations.nhso.errors`; transport failures (timeout, 5xx, a lost
or unreadable answer, 429) stay the shared transport's (``nhso.timeout``,
``nhso.unavailable`` ...). Messages never carry a citizen ID, a name, a key or a token;
NHSO's own text (``errorDesc``) goes into ``detail``, citizen IDs masked.
"""

from __future__ import annotations

from integrations.nhso.errors import NhsoError


class NdpError(NhsoError):
    code = "nhso.ndp.error"
    message_th = "ติดต่อ NHSO Digital Platform (13 แฟ้ม) ไม่สำเร็จ กรุณาติดต่อผู้ดูแลระบบ"
    message_en = (
        "Could not complete the NHSO Digital Platform (13 files) request. Ask the administrator."
    )


class NdpNotConfigured(NdpError):
    code = "nhso.ndp.not_configured"
    message_th = (
        "ยังไม่ได้ตั้งค่าการเชื่อมต่อ NHSO Digital Platform: ต้องมี Source ID (ndp.source_id), "
        "กุญแจสาธารณะของ สปสช. (ndp.public_key_file) และในแฟ้ม secrets: ndp_client_secret, "
        "ndp_source_id_key"
    )
    message_en = (
        "The NHSO Digital Platform connection is not configured: it needs a source id "
        "(ndp.source_id), NHSO's public key (ndp.public_key_file) and, in the secrets file, "
        "ndp_client_secret and ndp_source_id_key."
    )


class NdpSubmitNotConfigured(NdpError):
    code = "nhso.ndp.submit_not_configured"
    message_th = (
        "ยังไม่ทราบที่อยู่ (endpoint) สำหรับส่งเคลม 13 แฟ้มของ สปสช.: ไม่มีเผยแพร่สาธารณะ "
        "ต้องขอจาก สปสช. แล้วตั้งค่า ndp.submit_path ก่อน (ยังไม่ได้ส่งข้อมูลใด)"
    )
    message_en = (
        "NHSO's endpoint for submitting the 13 files is not public: obtain it from NHSO and "
        "set ndp.submit_path first (nothing was sent)."
    )


class NdpKeyUnusable(NdpError):
    code = "nhso.ndp.key_unusable"
    message_th = "อ่านกุญแจสาธารณะของ สปสช. (ndp.public_key_file) ไม่ได้ ต้องเป็นกุญแจ RSA แบบ PEM"
    message_en = (
        "NHSO's public key (ndp.public_key_file) cannot be read: it must be an RSA key in PEM."
    )


class NdpSignOnFailed(NdpError):
    code = "nhso.ndp.sign_on_failed"
    message_th = (
        "เข้าสู่ระบบ NHSO Digital Platform ไม่สำเร็จ: ตรวจสอบรหัสหน่วยบริการ, Token (ndp_client_secret), "
        "Source ID และ Source ID Key"
    )
    message_en = (
        "Sign-on to the NHSO Digital Platform failed: check the unit code, the token "
        "(ndp_client_secret), the source id and the source id key."
    )


class NdpRejected(NdpError):
    code = "nhso.ndp.rejected"
    message_th = "สปสช. ไม่รับคำขอนี้ ดูข้อความจาก สปสช. แล้วแก้ไขก่อนส่งใหม่"
    message_en = "NHSO refused this request. Read NHSO's message and fix it before sending again."


class NdpBadBatch(NdpError):
    code = "nhso.ndp.bad_batch"
    message_th = "ชุดแฟ้ม 13 แฟ้มไม่ครบ อ่านไม่ได้ หรือไม่ผ่านการตรวจ กรุณาส่งออกใหม่ (ยังไม่ได้ส่งข้อมูลใด)"
    message_en = (
        "The 13-file batch is incomplete, unreadable or fails the check. Export it again "
        "(nothing was sent)."
    )


class NdpLedgerUnavailable(NdpError):
    code = "nhso.ndp.ledger_unavailable"
    message_th = "บันทึกประวัติการส่งลงฐานข้อมูลไม่ได้ จึงยังไม่ได้ส่งข้อมูล กรุณาตรวจสอบฐานข้อมูลแล้วลองใหม่"
    message_en = (
        "The submission record could not be written to the database, so nothing was sent. "
        "Check the database and try again."
    )
    transient = True


class NdpNotRecorded(NdpError):
    code = "nhso.ndp.not_recorded"
    message_th = (
        "ส่งข้อมูลแล้วแต่บันทึกผลลงฐานข้อมูลไม่สำเร็จ ห้ามส่งซ้ำ "
        "กรุณาตรวจสอบในระบบ NHSO Digital Platform และแจ้งผู้ดูแลระบบ"
    )
    message_en = (
        "The claims were sent but the result could not be recorded. Do not send again; "
        "check on the NHSO Digital Platform and tell the administrator."
    )


NDP_ERRORS: tuple[type[NdpError], ...] = (
    NdpError,
    NdpNotConfigured,
    NdpSubmitNotConfigured,
    NdpKeyUnusable,
    NdpSignOnFailed,
    NdpRejected,
    NdpBadBatch,
    NdpLedgerUnavailable,
    NdpNotRecorded,
)
