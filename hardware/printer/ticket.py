"""What a queue ticket says: the data the kiosk and the backoffice hand to the printer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Wording when NHSO did not give a claim code: what happened and what happens next.
PENDING_TH = (
    "ยังไม่ได้รับรหัสยืนยันสิทธิ (Authen Code) จาก สปสช. "
    "ไม่ต้องทำรายการใหม่ เจ้าหน้าที่จะขอรหัสให้ภายหลัง กรุณายื่นบัตรคิวนี้ที่จุดซักประวัติ"
)
PENDING_EN = (
    "No NHSO Authen Code yet. You need not check in again: the staff will request it "
    "later. Please hand this ticket in at the counter."
)
LOCAL_QUEUE_TH = "คิวชั่วคราว: ฐานข้อมูลคลินิกขัดข้อง เจ้าหน้าที่จะบันทึกการมารับบริการให้ภายหลัง"
LOCAL_QUEUE_EN = "Temporary queue number: the clinic database was offline; staff will record it."
SANDBOX_BANNER = "ทดสอบ / SANDBOX"
SANDBOX_NOTE = "รหัสจากระบบทดสอบ ใช้เบิกจ่ายไม่ได้ / test code, not valid for claims"


@dataclass(frozen=True)
class NextAppointment:
    """One "next appointment" line: the date (CE) and what it is for."""

    date: dt.date
    description: str = ""


@dataclass(frozen=True)
class TicketData:
    """Everything printed on one ticket.

    `masked_name` must already be masked (``common.cid.mask_name``): the printer never
    sees a full name. `claim_code` None or empty means NHSO gave none; the ticket then
    says so and what happens next (`pending_message` overrides the standard wording).
    """

    clinic_name: str
    queue_no: str
    issued_at: dt.datetime
    masked_name: str = ""
    claim_type_name: str | None = None
    claim_code: str | None = None
    hn: str | None = None
    visitno: str | int | None = None
    footer: str = ""
    pending_message: str | None = None
    next_appointment: NextAppointment | None = None
    local_queue: bool = False
    sandbox: bool = False

    @property
    def claim_code_pending(self) -> bool:
        return not (self.claim_code or "").strip()

    @property
    def pending_text(self) -> tuple[str, ...]:
        """The lines printed in place of the QR when there is no claim code."""
        if self.pending_message:
            return (self.pending_message,)
        return (PENDING_TH, PENDING_EN)


def sample_ticket(
    *, now: dt.datetime | None = None, claim_code: str | None = "PP1234567890"
) -> TicketData:
    """A made-up ticket for `test-ticket`, the demo preview, the golden image and the bench."""
    return TicketData(
        clinic_name="รพ.สต. บ้านตัวอย่าง ตำบลสาธิต",
        queue_no="A012",
        issued_at=now or dt.datetime(2026, 11, 25, 9, 5),
        masked_name="นาย สมชาย ใ•••",
        claim_type_name="บัตรทอง (UCS) ผู้ป่วยนอกทั่วไป",
        claim_code=claim_code,
        hn="000123",
        visitno=4567,
        footer="ขอบคุณที่ใช้บริการ กรุณารอเรียกคิวหน้าห้องตรวจ",
        next_appointment=NextAppointment(dt.date(2026, 12, 9), "ฉีดวัคซีนผู้ใหญ่ dT"),
        sandbox=True,
    )
