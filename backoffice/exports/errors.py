"""Failures of an export or a claim run that staff see, in Thai and English."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from common.config import ConfigError
from common.errors import BilingualError


class ExportError(BilingualError):
    code = "export.error"
    message_th = "ส่งออกข้อมูลไม่สำเร็จ กรุณาติดต่อผู้ดูแลระบบ"
    message_en = "The export failed. Please ask the administrator."


class RulesInvalid(ExportError):
    code = "export.rules_invalid"
    message_th = "ไฟล์กฎการส่งออกไม่ถูกต้อง กรุณาแก้ไขตามรายละเอียดแล้วลองใหม่"
    message_en = "The export rules file is not valid. Fix it as detailed and try again."


class DatabaseUnavailable(ExportError):
    code = "export.database_unavailable"
    message_th = "อ่านฐานข้อมูล JHCIS ไม่ได้ กรุณาตรวจสอบการเชื่อมต่อแล้วลองใหม่"
    message_en = "Cannot read the JHCIS database. Check the connection and try again."


class OutputNotWritable(ExportError):
    code = "export.output_not_writable"
    message_th = "เขียนไฟล์ในโฟลเดอร์ปลายทางไม่ได้ กรุณาเลือกโฟลเดอร์อื่นหรือตรวจสอบพื้นที่ว่าง"
    message_en = "Cannot write to the output folder. Choose another folder or check free space."


class BatchNotFound(ExportError):
    code = "export.batch_not_found"
    message_th = "ไม่พบโฟลเดอร์หรือไฟล์ zip ของชุดแฟ้มที่ระบุ กรุณาตรวจสอบที่อยู่แล้วลองใหม่"
    message_en = "The batch folder or zip was not found. Check the path and try again."


class SessionsExhausted(ExportError):
    code = "export.ssop_sessions_exhausted"
    message_th = "เลขรอบส่ง SSOP (SESSNO) ของหน่วยบริการนี้ใช้ครบ 9999 แล้ว กรุณาติดต่อผู้ดูแลระบบ"
    message_en = "This unit has used all 9999 SSOP session numbers (SESSNO). Ask the administrator."


class SessionsContended(ExportError):
    code = "export.ssop_session_contended"
    message_th = "มีการส่งออก SSOP หลายรายการพร้อมกันจนได้เลขรอบส่งไม่ได้ กรุณาลองใหม่อีกครั้ง"
    message_en = "Too many SSOP exports at once to take a session number. Please try again."


class BadDateRange(ExportError):
    code = "export.bad_range"
    message_th = "วันที่เริ่มต้น (--from) อยู่หลังวันที่สิ้นสุด (--to) กรุณาตรวจสอบช่วงวันที่"
    message_en = "The first day (--from) is after the last day (--to). Check the range."


class BadWorkers(ExportError):
    code = "export.bad_workers"
    message_th = "จำนวนโปรเซส (--workers) ต้องอยู่ระหว่าง 1 ถึง 16"
    message_en = "--workers must be between 1 and 16."


@contextmanager
def wrap_export_errors() -> Iterator[None]:
    """Turn library failures into bilingual errors without leaking their text.

    SQLAlchemy's messages quote bound parameters (citizen IDs), so only the
    exception's class name goes into ``detail``.
    """
    try:
        yield
    except BilingualError:
        raise  # already says what happened, in both languages
    except ConfigError as error:
        raise RulesInvalid(str(error)) from None
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(type(error).__name__) from None
    except OSError as error:
        raise OutputNotWritable(f"{type(error).__name__} errno={error.errno}") from None
