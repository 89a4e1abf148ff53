"""Every way reading a Thai ID card can fail, as errors a patient may see.

Each class has a stable ``code``, a Thai and an English message that says what to
do, and the exit code of ``python -m hardware.card read``. ``detail`` carries
technical context (status words, PC/SC result codes) and never personal data.
"""

from __future__ import annotations

from typing import ClassVar

from common.errors import BilingualError


class CardError(BilingualError):
    """Base of all card failures."""

    code: ClassVar[str] = "card_error"
    message_th: ClassVar[str] = "อ่านบัตรประชาชนไม่สำเร็จ กรุณาเสียบบัตรใหม่อีกครั้ง"
    message_en: ClassVar[str] = "The ID card could not be read. Please insert it again."
    exit_code: ClassVar[int] = 5


class NoReader(CardError):
    code: ClassVar[str] = "card_no_reader"
    message_th: ClassVar[str] = "ไม่พบเครื่องอ่านบัตร กรุณาแจ้งเจ้าหน้าที่"
    message_en: ClassVar[str] = "No card reader was found. Please tell the staff."
    exit_code: ClassVar[int] = 3


class ReaderServiceDown(NoReader):
    """pcscd is not running or not reachable."""

    code: ClassVar[str] = "card_service_down"
    message_th: ClassVar[str] = "ระบบเครื่องอ่านบัตรไม่ทำงาน กรุณาแจ้งเจ้าหน้าที่"
    message_en: ClassVar[str] = "The card reader service is not running. Please tell the staff."


class NoCard(CardError):
    code: ClassVar[str] = "card_no_card"
    message_th: ClassVar[str] = "ไม่พบบัตรในเครื่องอ่าน กรุณาเสียบบัตรประชาชน"
    message_en: ClassVar[str] = "There is no card in the reader. Please insert your ID card."
    exit_code: ClassVar[int] = 4


class CardRemoved(CardError):
    """The card left the reader (or was reset) while it was being read."""

    code: ClassVar[str] = "card_removed"
    message_th: ClassVar[str] = "บัตรถูกดึงออกระหว่างอ่าน กรุณาเสียบบัตรค้างไว้จนกว่าจะอ่านเสร็จ"
    message_en: ClassVar[str] = (
        "The card was removed while being read. Please leave it in until reading is done."
    )


class CardReadFailed(CardError):
    """The card answered with an error or the exchange failed."""

    code: ClassVar[str] = "card_read_failed"


class BadResponse(CardReadFailed):
    """A response without a status word, or fewer bytes than asked for."""

    code: ClassVar[str] = "card_bad_response"


class NotThaiIdCard(CardReadFailed):
    code: ClassVar[str] = "card_not_thai_id"
    message_th: ClassVar[str] = "บัตรนี้ไม่ใช่บัตรประจำตัวประชาชน กรุณาใช้บัตรประชาชน"
    message_en: ClassVar[str] = "This is not a Thai national ID card. Please use your ID card."


class CardMalformed(CardReadFailed):
    """The card answered, but with data that does not make sense."""

    code: ClassVar[str] = "card_malformed"
    message_th: ClassVar[str] = "ข้อมูลในบัตรไม่ถูกต้อง กรุณาติดต่อเจ้าหน้าที่"
    message_en: ClassVar[str] = "The data on the card is not valid. Please ask the staff."


class InvalidCid(CardMalformed):
    """The citizen ID on the card fails its check digit: not trusted."""

    code: ClassVar[str] = "card_invalid_cid"
    message_th: ClassVar[str] = "เลขประจำตัวประชาชนในบัตรไม่ถูกต้อง กรุณาติดต่อเจ้าหน้าที่"
    message_en: ClassVar[str] = "The citizen ID on the card is not valid. Please ask the staff."
