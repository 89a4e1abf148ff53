"""The validation report of a batch: every problem of every visit, never a silent drop.

Each line names the visit (unit, SEQ = visitno, HN = pid, date) and never the
person's citizen ID or name, so the report can be printed, mailed to the district
office or attached to a ticket. It is streamed to CSV and JSON as the batch runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from common.private_files import private_opener

# "included": why a visit is in the batch where a rule could have kept it out.
Severity = Literal["excluded", "warning", "included"]


@dataclass(frozen=True)
class ProblemKind:
    code: str
    severity: Severity
    message_th: str
    message_en: str


def _kind(code: str, severity: Severity, th: str, en: str) -> ProblemKind:
    return ProblemKind(code, severity, th, en)


MISSING_CID = _kind(
    "missing_cid", "excluded",
    "ไม่มีเลขประจำตัวประชาชน: บันทึกเลขบัตรในทะเบียนบุคคลแล้วส่งออกใหม่",
    "No citizen ID: record it on the person and export again.",
)  # fmt: skip
INVALID_CID = _kind(
    "invalid_cid", "excluded",
    "เลขประจำตัวประชาชนไม่ถูกต้อง (หลักตรวจสอบไม่ตรง): แก้ไขในทะเบียนบุคคล",
    "The citizen ID fails its check digit: correct it on the person.",
)  # fmt: skip
MISSING_CLAIM_CODE = _kind(
    "missing_claim_code", "excluded",
    "ไม่มีรหัสยืนยันสิทธิ (Authen Code) ในการรับบริการ: ตามเก็บรหัสก่อนส่งออก",
    "The visit has no NHSO Authen Code: catch it up before exporting.",
)  # fmt: skip
UNMAPPED_RIGHT = _kind(
    "unmapped_right", "excluded",
    "สิทธิการรักษาของการรับบริการไม่ได้จับคู่กับรหัสสิทธิ สปสช.: ตรวจสอบตาราง cright หรือไฟล์กฎ",
    "The visit's right is not mapped to an NHSO code: check cright or the rules file.",
)  # fmt: skip
RIGHT_NOT_IN_CATEGORY = _kind(
    "right_not_claimable", "excluded",
    "สิทธินี้ไม่ส่งเบิกผ่าน e-Claim สำหรับบริการประเภทนี้ (เช่น OFC/SSS กรณี OP)",
    "This right is not claimed through e-Claim for this kind of service (e.g. OFC/SSS OP).",
)  # fmt: skip
UC_IN_CUP = _kind(
    "uc_in_cup", "excluded",
    "สิทธิ UC ที่หน่วยบริการหลักอยู่ในเครือข่าย (หน่วยนี้หรือโรงพยาบาลแม่ข่าย) ไม่ใช่ OP anywhere",
    "UC patient whose main unit is inside the CUP (this unit or its parent hospital): "
    "not an OP-anywhere claim.",
)  # fmt: skip
UC_OUTSIDE_CUP = _kind(
    "uc_outside_cup", "included",
    "สิทธิ UC ที่หน่วยบริการหลักอยู่นอกเครือข่าย (CUP) จึงเบิกเป็น OP anywhere",
    "UC patient whose main unit is outside the CUP: claimed as OP anywhere.",
)  # fmt: skip
UC_MAIN_UNIT_UNKNOWN = _kind(
    "uc_main_unit_unknown", "warning",
    "ไม่ทราบหน่วยบริการหลักของผู้ป่วยสิทธิ UC: ส่งเป็น OP anywhere ตรวจสอบสิทธิก่อนส่ง",
    "The UC patient's main unit is not recorded: sent as OP anywhere; check the right "
    "before sending.",
)  # fmt: skip
NO_VISIT_DATE = _kind(
    "no_visit_date", "excluded",
    "การรับบริการไม่มีวันที่: แก้ไขใน JHCIS",
    "The visit has no date: correct it in JHCIS.",
)  # fmt: skip
NOT_SSS = _kind(
    "not_social_security", "excluded",
    "ไม่ใช่สิทธิประกันสังคม จึงไม่อยู่ในแฟ้ม SSOP",
    "Not a Social Security right, so not in the SSOP files.",
)  # fmt: skip
MISSING_DRUG_CODE = _kind(
    "missing_drug_std_code", "warning",
    "ยาไม่มีรหัส TMT หรือรหัสยา 24 หลัก: เพิ่มรหัสในตารางยา (cdrug)",
    "A drug has neither a TMT nor a 24-digit code: add one in the drug list (cdrug).",
)  # fmt: skip
MISSING_LOT = _kind(
    "missing_lot_number", "warning",
    "วัคซีนไม่มีเลขล็อต (Lot number): บันทึกเลขล็อตในการรับบริการ",
    "A vaccination has no lot number: record it on the visit.",
)  # fmt: skip
MISSING_PROCEDURE_CODE = _kind(
    "missing_procedure_code", "warning",
    "หัตถการไม่มีรหัส ICD-9-CM จึงไม่อยู่ในแฟ้ม OOP: เพิ่มรหัสในตารางยา (cdrug) หรือไฟล์กฎ",
    "A procedure has no ICD-9-CM code, so it is not in OOP: add one in cdrug or the rules file.",
)  # fmt: skip
UNMAPPED_LAB = _kind(
    "unmapped_lab_code", "warning",
    "ผลแล็บไม่มีรหัสแล็บ ICD-10-TM จึงไม่อยู่ในแฟ้ม LABFU: เพิ่มรหัสใน lab_code_map ของไฟล์กฎ",
    "A lab result has no ICD-10-TM lab code, so it is not in LABFU: map it in the rules "
    "file's lab_code_map.",
)  # fmt: skip
MISSING_PROVIDER_LICENCE = _kind(
    "missing_provider_licence", "warning",
    "ผู้ให้บริการไม่มีเลขใบประกอบวิชาชีพ: บันทึกในข้อมูลเจ้าหน้าที่ของ JHCIS",
    "The provider has no professional licence number: record it on the JHCIS staff account.",
)  # fmt: skip
NOT_ENCODABLE = _kind(
    "not_encodable", "warning",
    "มีอักขระที่แปลงเป็น windows-874 ไม่ได้ จึงถูกแทนด้วย '?'",
    "Some characters cannot be written in windows-874 and were replaced by '?'.",
)  # fmt: skip


@dataclass(slots=True)
class Problem:
    pcucode: str
    seq: str
    hn: str
    visitdate: str
    category: str
    code: str
    severity: Severity
    item: str
    message_th: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in REPORT_FIELDS}


REPORT_FIELDS: tuple[str, ...] = tuple(Problem.__dataclass_fields__)
SAMPLE_SIZE = 200  # the first problems kept in memory, for screens and --json

# The JSON string quoting json.dumps(..., ensure_ascii=False) uses.
_quote: Callable[[str], str] = json.encoder.encode_basestring


@functools.cache
def _csv_tail(kind: ProblemKind) -> str:
    """The messages as csv.writer quotes them, and the line end: the same per kind."""
    out = io.StringIO()
    csv.writer(out).writerow((kind.message_th, kind.message_en))
    return "," + out.getvalue()


@functools.cache
def _json_parts(kind: ProblemKind) -> tuple[str, str]:
    """The fixed text of a kind's JSON record: around "item", and after it."""
    middle = f', "code": {_quote(kind.code)}, "severity": {_quote(kind.severity)}, "item": '
    tail = f', "message_th": {_quote(kind.message_th)}, "message_en": {_quote(kind.message_en)}}}'
    return middle, tail


class ValidationReport:
    """Collects problems; streams them to ``report.csv`` and ``report.json`` when given a folder."""

    def __init__(self, folder: Path | None) -> None:
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()  # the "included" kinds
        self.excluded_visits = 0
        self.warned_visits = 0
        self.included_visits = 0
        self.by_category: Counter[str] = Counter()
        self.sample: list[Problem] = []  # the first SAMPLE_SIZE problems
        self._csv: IO[str] | None = None
        self._json: IO[str] | None = None
        self._first_json = True
        self.csv_path = self.json_path = None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self.csv_path = folder / "report.csv"
            self.json_path = folder / "report.json"
            # UTF-8 with BOM: Excel on Thai Windows opens it with the Thai text intact.
            self._csv = open(  # noqa: SIM115 - closed by close()
                self.csv_path, "w", encoding="utf-8-sig", newline="", opener=private_opener
            )
            csv.writer(self._csv).writerow(REPORT_FIELDS)
            # Rows are written up to "item"; the kind's fixed tail follows (see _csv_tail).
            self._writer = csv.writer(self._csv, lineterminator="")
            self._json = open(  # noqa: SIM115 - closed by close()
                self.json_path, "w", encoding="utf-8", opener=private_opener
            )
            self._json.write('{"problems": [\n')

    def add(
        self,
        kind: ProblemKind,
        *,
        pcucode: str,
        seq: str,
        hn: str,
        visitdate: dt.date | None,
        category: str = "",
        item: str = "",
    ) -> None:
        day = visitdate.isoformat() if visitdate else ""
        (self.reasons if kind.severity == "included" else self.counts)[kind.code] += 1
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.append(
                Problem(
                    pcucode, seq, hn, day, category, kind.code, kind.severity, item,
                    kind.message_th, kind.message_en,
                )
            )  # fmt: skip
        if self._csv is not None and self._json is not None:
            self._writer.writerow((pcucode, seq, hn, day, category, kind.code, kind.severity, item))
            self._csv.write(_csv_tail(kind))
            middle, tail = _json_parts(kind)
            # What json.dumps(problem.as_dict(), ensure_ascii=False) writes, without
            # a dict and the generic encoder per problem (a batch can list 100,000s).
            record = (
                '{"pcucode": ' + _quote(pcucode) + ', "seq": ' + _quote(seq)
                + ', "hn": ' + _quote(hn) + ', "visitdate": ' + _quote(day)
                + ', "category": ' + _quote(category) + middle + _quote(item) + tail
            )  # fmt: skip
            self._json.write(record if self._first_json else ",\n" + record)
            self._first_json = False

    def summary(self) -> dict[str, object]:
        return {
            "included_visits": self.included_visits,
            "excluded_visits": self.excluded_visits,
            "visits_with_warnings": self.warned_visits,
            "by_category": dict(sorted(self.by_category.items())),
            "problems": dict(sorted(self.counts.items())),
            "included_because": dict(sorted(self.reasons.items())),
        }

    def close(self) -> None:
        if self._json is not None:
            self._json.write('\n], "summary": ' + _dumps(self.summary()) + "}\n")
            self._json.close()
            self._json = None
        if self._csv is not None:
            self._csv.close()
            self._csv = None


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)
