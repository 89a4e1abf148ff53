"""NHSO Digital Platform (NDP) record status codes: what each means, in Thai, and its stage.

Source: "API Specification 13Plus for NHSO Digital Platform v1.3.5.1-draft", appendix 1
(status codes, pp. 39-43), as transcribed in the public repository
``Adisak-KS/claim-tracker-dashboard`` ``docs/domain/nhso-status-codes.md`` (reference
``nhso-api.md`` §4.3, S12). The transcription says 66 codes; 65 distinct codes are
legible in it (one row there is the wrapped end of 5100's description, not a code), so
one code is missing here or the count includes a repeat. A code NHSO sends that is not
listed is kept as NHSO sent it and shown as "not in the published list".

The labels are NHSO's short names of the codes. ``kind`` is our reading of what the code
means for the unit (not NHSO's): whether NHSO is still working on the claim, whether
the unit must act, whether it was refused, paid or closed. It decides only what the
claims page highlights and which claims the status poll keeps asking about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["pending", "accepted", "action", "rejected", "paid", "closed"]

#: Kinds after which nothing more is expected from NHSO: the poll stops asking.
FINAL_KINDS: frozenset[Kind] = frozenset({"paid", "closed"})

#: What each kind means for the staff, Thai and English.
KIND_TEXT: dict[Kind, tuple[str, str]] = {
    "pending": ("สปสช. กำลังตรวจสอบ", "NHSO is checking it"),
    "accepted": ("ผ่านแล้ว รอขั้นตอนถัดไปของ สปสช.", "Accepted; waiting for NHSO's next step"),
    "action": ("หน่วยบริการต้องดำเนินการ (แก้ไข/ชี้แจง)", "The unit must act (fix or explain)"),
    "rejected": ("ไม่ผ่าน / ไม่อนุมัติ", "Refused or not approved"),
    "paid": ("จ่ายเงินแล้ว", "Paid"),
    "closed": ("ยกเลิก / ไม่มีการจ่าย / ส่งใหม่แล้ว", "Cancelled, not paid, or replaced"),
}


@dataclass(frozen=True)
class StatusCode:
    code: str
    label_th: str
    kind: Kind


def _codes(kind: Kind, *pairs: tuple[str, str]) -> list[StatusCode]:
    return [StatusCode(code, label, kind) for code, label in pairs]


_ALL: list[StatusCode] = [
    # -- F: importing a file --------------------------------------------------------------
    *_codes(
        "pending",
        ("F000", "กำลังนำเข้าไฟล์"),
        ("F001", "กำลังตรวจสอบขั้นต้น"),
        ("F020", "กำลังนำเข้าข้อมูล"),
    ),
    *_codes(
        "accepted",
        ("F002", "ตรวจสอบขั้นต้นเสร็จสิ้น"),
        ("F201", "นำเข้าสำเร็จ"),
    ),
    *_codes("action", ("F202", "นำเข้าสำเร็จบางส่วน")),
    *_codes(
        "rejected",
        ("F100", "นำเข้าไม่สำเร็จ (ทั้งชุดไม่สมบูรณ์ ต้องอัปโหลดใหม่ทั้งหมด)"),
        ("F203", "นำเข้าไม่สำเร็จ"),
        ("F204", "ไม่อัปโหลด"),
    ),
    *_codes("closed", ("F200", "ขอยกเลิกไฟล์")),
    # -- 1: checked and submitted ---------------------------------------------------------
    *_codes("pending", ("1000", "กำลังตรวจสอบขั้นต้น"), ("1104", "กำลังส่งเบิก")),
    *_codes("accepted", ("1100", "รอส่งเบิก"), ("1103", "ส่งเบิกแล้ว")),
    *_codes("action", ("1101", "ไม่ผ่านการตรวจสอบขั้นต้น")),
    *_codes("rejected", ("1102", "ส่งเบิกไม่สำเร็จ (ส่งเบิกซ้ำ)")),
    # -- 2: waiting for NHSO ----------------------------------------------------------------
    *_codes(
        "accepted",
        ("2000", "รอประมวลผลโดย สปสช."),
        ("2101", "รอพิจารณาการชี้แจง Authen"),
        ("2200", "รอต้นสังกัดอนุมัติ OP Refer"),
        ("2202", "สปสช. ทบทวนการอนุมัติ OP Refer"),
        ("2300", "รอประมวลผลโดย สปสช. ผ่าน Basic Validation แล้ว"),
    ),
    *_codes(
        "action",
        ("2100", "รอชี้แจงการ Authen"),
        ("2201", "ต้นสังกัดไม่อนุมัติ OP Refer"),
    ),
    # -- 3: not passed ----------------------------------------------------------------------
    *_codes("rejected", ("3000", "ไม่ผ่านการประมวลผล")),
    *_codes(
        "closed",
        ("3101", "ขอยกเลิกรายการโดยหน่วยบริการ"),
        ("3102", "ยกเลิกรายการไม่ผ่านฯ และส่งใหม่แล้ว"),
    ),
    *_codes("accepted", ("3901", "อยู่ระหว่างตรวจสอบเงื่อนไขประมวลผลจ่าย")),
    # -- 4: audit -----------------------------------------------------------------------------
    *_codes(
        "accepted",
        ("4000", "อยู่ระหว่างกระบวนการ Audit"),
        ("4101", "ชี้แจงความผิดปกติแล้ว"),
        ("4200", "อยู่ระหว่างการตรวจสอบ Authen"),
        ("4500", "รอต้นสังกัดอนุมัติ OP Refer"),
        ("4506", "ชี้แจงการ Refer แล้ว"),
    ),
    *_codes(
        "action",
        ("4100", "รอชี้แจงความผิดปกติ"),
        ("4103", "ยกเลิกและรอส่งใหม่"),
        ("4502", "รอชี้แจงการ Refer"),
    ),
    *_codes(
        "rejected",
        ("4102", "ไม่ประสงค์ชี้แจงความผิดปกติ"),
        ("4201", "ไม่ผ่านการตรวจสอบ Authen"),
        ("4508", "ไม่ประสงค์ชี้แจงการ Refer"),
    ),
    *_codes(
        "closed",
        ("4104", "ยกเลิกและส่งรายการใหม่แล้ว"),
        ("4900", "ขอยกเลิกรายการระหว่าง Audit"),
        ("4999", "ยกเลิกรายการระหว่าง Audit และส่งใหม่แล้ว"),
    ),
    # -- 5: payment -----------------------------------------------------------------------------
    *_codes(
        "accepted",
        ("5000", "รอจ่ายเงิน"),
        ("5001", "สปสช. ตรวจสอบ Statement"),
        ("5002", "ออกรายงานการจ่ายเงิน"),
        ("5010", "รอจ่ายชดเชยตามรอบที่กำหนด"),
        ("5200", "จ่ายชดเชยโดยหน่วยงานอื่น (ส่วนของ สปสช. รอจ่ายเงิน)"),
    ),
    *_codes(
        "action",
        ("5003", "โอนเงินไม่สำเร็จ"),
        ("5006", "พบปัญหาการส่ง Statement"),
        ("5203", "จ่ายชดเชยโดยหน่วยงานอื่น (ส่วนของ สปสช. จ่ายชดเชยไม่สำเร็จ)"),
    ),
    *_codes(
        "paid",
        ("5004", "โอนเงินบางส่วน"),
        ("5005", "โอนเงินเรียบร้อย"),
        ("5204", "จ่ายชดเชยโดยหน่วยงานอื่น (สปสช. จ่ายชดเชยบางส่วนแล้ว)"),
        ("5205", "จ่ายชดเชยโดยหน่วยงานอื่น"),
    ),
    *_codes(
        "rejected",
        ("5102", "ประมวลผลไม่ผ่าน ไม่ตรงตามเงื่อนไขสิทธิ OFC, LGO, BKK, UCS"),
    ),
    *_codes(
        "closed",
        ("5007", "ไม่มีการจ่ายชดเชย (ยอดจ่าย 0 บาท)"),
        ("5008", "ไม่มีการจ่ายชดเชยและส่งใหม่แล้ว"),
        ("5100", "ขอยกเลิกรายการ (ขณะรอจ่ายเงิน)"),
        ("5101", "ขอยกเลิกรายการรอจ่ายเงิน และส่งรายการใหม่แล้ว"),
        ("5900", "ขอยกเลิกรายการที่ไม่จ่ายชดเชย"),
    ),
    # -- 6: not approved ------------------------------------------------------------------------
    *_codes(
        "rejected",
        ("6000", "ไม่อนุมัติจ่าย"),
        ("6100", "ไม่อนุมัติจ่าย (ไม่ชี้แจงภายในกำหนดเวลา)"),
        ("6200", "ไม่อนุมัติจ่าย (ไม่ชี้แจง Refer ภายในกำหนดเวลา)"),
    ),
    *_codes("closed", ("6900", "ขอยกเลิกรายการที่ไม่อนุมัติจ่าย")),
    # -- 7: appeal --------------------------------------------------------------------------------
    *_codes("accepted", ("7100", "ขออุทธรณ์การจ่ายแล้ว")),
    *_codes("closed", ("7200", "ขอยกเลิกการไม่อนุมัติจ่าย และส่งใหม่แล้ว")),
]

STATUS_CODES: dict[str, StatusCode] = {s.code: s for s in _ALL}
assert len(STATUS_CODES) == len(_ALL) == 65, "a status code listed twice"

UNLISTED_TH = "รหัสสถานะนี้ไม่อยู่ในรายการที่เผยแพร่ (ดูข้อความจาก สปสช.)"


def status_of(code: str | None) -> StatusCode | None:
    return STATUS_CODES.get((code or "").strip().upper())


def kind_of(code: str | None) -> Kind:
    """The code's kind; an unlisted code is treated as NHSO still working on it."""
    found = status_of(code)
    return found.kind if found else "pending"


def label_th(code: str | None) -> str:
    found = status_of(code)
    return found.label_th if found else UNLISTED_TH
