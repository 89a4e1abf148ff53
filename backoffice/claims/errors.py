"""Failures of close right and MOPH Claim runs that staff see, in Thai and English."""

from __future__ import annotations

from common.errors import BilingualError


class ClaimsError(BilingualError):
    code = "claims.error"
    message_th = "ส่งเคลมไม่สำเร็จ กรุณาติดต่อผู้ดูแลระบบ"
    message_en = "The claim run failed. Please ask the administrator."


class RecorderMissing(ClaimsError):
    code = "claims.recorder_missing"
    message_th = "ต้องระบุเลขประจำตัวประชาชนของเจ้าหน้าที่ผู้บันทึก (เจ้าของ Token ปิดสิทธิ)"
    message_en = "Give the recorder's citizen ID (the owner of the close-right token)."


class NotInState(ClaimsError):
    code = "claims.not_in_state"
    message_th = "รายการนี้ยังไม่อยู่ในสถานะที่ทำรายการนี้ได้ (เช่น ยังไม่ได้ปิดสิทธิ หรือยังไม่ได้ยกเลิก)"
    message_en = "This visit is not in a state that allows this (not closed, or not cancelled)."


class SyncRangeInvalid(ClaimsError):
    code = "claims.bad_range"
    message_th = "ช่วงวันที่ไม่ถูกต้อง: --to ต้องไม่อยู่ก่อน --date และช่วงต้องไม่เกิน 366 วัน"
    message_en = "Bad range: --to must not be before --date, and a range is at most 366 days."
