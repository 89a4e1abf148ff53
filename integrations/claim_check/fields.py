"""A field of a claim file, and the check of one value against it.

Both specifications (e-Claim and SSOP) are written as tuples of `Field`; this module is
the one place that knows what "a date", "an amount" or "a required field" means, so the
two formats are judged by the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .codes import CodeList
from .messages import Bi
from .problems import ERROR, WARNING, Findings

Need = Literal["required", "expected", "optional"]

# Kinds of value. Each has a Thai/English name for messages and a test.
TEXT = "text"
DIGITS = "digits"
NUMBER = "number"
INTEGER = "integer"
MONEY = "money"
DATE8 = "date8"  # e-Claim: YYYYMMDD, Christian era
TIME4 = "time4"  # e-Claim: HHMM
DATE10 = "date10"  # SSOP DT1: YYYY-MM-DD
DATETIME19 = "datetime19"  # SSOP DT3: YYYY-MM-DDThh:mm:ss
DATE_OR_DATETIME = "date10or19"  # NDP: either of the two (error codes F101, F102)
HCODE = "hcode"  # 5-digit MoPH facility code
CID = "cid"  # 13-digit citizen ID (personal: never echoed)
ICD10 = "icd10"
ICD9CM = "icd9cm"
LICENCE = "licence"  # a provider's professional licence number, e.g. ว12345
DURATION = "duration"  # SSOP DP1: 30D, 2W, 3M


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = TEXT
    need: Need = "optional"
    max_len: int | None = None
    codes: CodeList | None = None
    personal: bool = False


def req(name: str, kind: str = TEXT, **more: object) -> Field:
    """A field the payer needs: empty is an error."""
    return Field(name, kind, "required", **more)  # type: ignore[arg-type]


def exp(name: str, kind: str = TEXT, **more: object) -> Field:
    """A field that should be filled: empty is a warning (a likely data gap)."""
    return Field(name, kind, "expected", **more)  # type: ignore[arg-type]


def opt(name: str, kind: str = TEXT, **more: object) -> Field:
    return Field(name, kind, "optional", **more)  # type: ignore[arg-type]


# Years outside this range are a Buddhist-era year or a typing slip, not a service date.
_FIRST_YEAR, _LAST_YEAR = 1850, 2300


@lru_cache(maxsize=8192)
def is_date(year: int, month: int, day: int) -> bool:
    """A real calendar day in a plausible Christian-era year."""
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return False
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


_DATE8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE10 = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME19 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d")
_TIME4 = re.compile(r"([01]\d|2[0-3])[0-5]\d")
_DIGITS = re.compile(r"\d+")
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_MONEY_2DP = re.compile(r"-?\d+\.\d\d")
_ICD10 = re.compile(r"[A-Z]\d{2}[0-9A-Z]{0,4}")
_ICD9CM = re.compile(r"\d{2,7}")
_ICD_WITH_DOT = re.compile(r"[A-Z0-9]{2,4}\.[0-9A-Z]{1,4}")
_DURATION = re.compile(r"\d{1,3}[DWM]")
_LICENCE = re.compile(r".{0,3}\d{3,}\s*")


def _date_test(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    def test(value: str) -> bool:
        match = pattern.fullmatch(value)
        if match is None:
            return False
        return is_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))

    return test


def _pattern_test(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda value: pattern.fullmatch(value) is not None


def _either(first: Callable[[str], bool], second: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda value: first(value) or second(value)


_KINDS: dict[str, tuple[Bi, Callable[[str], bool]]] = {
    DIGITS: (("ตัวเลขล้วน", "digits only"), _pattern_test(_DIGITS)),
    INTEGER: (("จำนวนเต็ม", "a whole number"), _pattern_test(_INTEGER)),
    NUMBER: (("ตัวเลข", "a number"), _pattern_test(_NUMBER)),
    MONEY: (("ยอดเงิน เช่น 50.00", "an amount such as 50.00"), _pattern_test(_NUMBER)),
    DATE8: (("วันที่ ปปปปดดวว (ปี ค.ศ.)", "date YYYYMMDD (Christian era)"), _date_test(_DATE8)),
    TIME4: (("เวลา ชชนน", "time HHMM"), _pattern_test(_TIME4)),
    DATE10: (("วันที่ ปปปป-ดด-วว (ปี ค.ศ.)", "date YYYY-MM-DD"), _date_test(_DATE10)),
    DATETIME19: (
        ("วันเวลา ปปปป-ดด-ววTชช:นน:วว (ปี ค.ศ.)", "date-time YYYY-MM-DDThh:mm:ss"),
        _date_test(_DATETIME19),
    ),
    DATE_OR_DATETIME: (
        (
            "วันที่ ปปปป-ดด-วว หรือวันเวลา ปปปป-ดด-ววTชช:นน:วว (ปี ค.ศ.)",
            "date YYYY-MM-DD or date-time YYYY-MM-DDThh:mm:ss",
        ),
        _either(_date_test(_DATE10), _date_test(_DATETIME19)),
    ),
    HCODE: (
        ("รหัสสถานพยาบาล 5 หลัก", "a 5-digit facility code"),
        _pattern_test(re.compile(r"\d{5}")),
    ),
    CID: (("เลข 13 หลัก", "13 digits"), _pattern_test(re.compile(r"\d{13}"))),
    ICD10: (
        ("รหัส ICD-10 ไม่มีจุด เช่น J069", "an ICD-10 code without dot, e.g. J069"),
        _pattern_test(_ICD10),
    ),
    ICD9CM: (
        ("รหัส ICD-9-CM ไม่มีจุด เช่น 9357", "an ICD-9-CM code without dot, e.g. 9357"),
        _pattern_test(_ICD9CM),
    ),
    LICENCE: (
        ("เลขใบประกอบวิชาชีพ เช่น ว12345", "a licence number such as ว12345"),
        _pattern_test(_LICENCE),
    ),
    DURATION: (("ระยะเวลา เช่น 30D", "a duration such as 30D"), _pattern_test(_DURATION)),
}


def cid_check_digit_ok(cid: str) -> bool:
    """The Thai citizen ID's 13th digit: (11 - sum(d_i * (13 - i)) mod 11) mod 10."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(cid[:12]))
    return (11 - total % 11) % 10 == int(cid[12])


def cents(value: str) -> int | None:
    """An amount as whole satang, or None when it is not a number. Integer arithmetic
    keeps sums of 100,000 rows exact."""
    if not _NUMBER.fullmatch(value):
        return None
    negative = value.startswith("-")
    whole, _, frac = value.lstrip("-").partition(".")
    amount = int(whole) * 100 + int((frac + "00")[:2])
    if len(frac) > 2 and int(frac[2:]):
        return None  # fractions of a satang: not an amount
    return -amount if negative else amount


def baht(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def check_value(findings: Findings, file: str, line: int, field: Field, value: str) -> bool:
    """Report what is wrong with one value; True when nothing was reported."""
    if value == "":
        if field.need == "required":
            findings.add(ERROR, "required", file, line, field.name)
        elif field.need == "expected":
            findings.add(WARNING, "missing_value", file, line, field.name)
        return False
    shown = None if field.personal else value
    if field.kind in (ICD10, ICD9CM) and "." in value and _ICD_WITH_DOT.fullmatch(value):
        findings.add(ERROR, "icd_dot", file, line, field.name, value=shown)
        return False
    if field.kind == LICENCE and value.strip() == "-":
        findings.add(WARNING, "provider_unknown", file, line, field.name)
        return False
    kind = _KINDS.get(field.kind)
    if kind is not None:
        description, test = kind
        if not test(value):
            # A licence written some other way still names a person: a warning only.
            severity = WARNING if field.kind == LICENCE else ERROR
            findings.add(
                severity, "format", file, line, field.name, value=shown, expected=description
            )
            return False
    clean = True
    if field.kind == MONEY and not _MONEY_2DP.fullmatch(value):
        findings.add(WARNING, "money_format", file, line, field.name, value=shown)
        clean = False
    if field.kind == CID and not cid_check_digit_ok(value):
        findings.add(WARNING, "cid_check", file, line, field.name)
        clean = False
    if field.max_len is not None and len(value) > field.max_len:
        findings.add(
            WARNING,
            "width",
            file,
            line,
            field.name,
            value=shown,
            found=len(value),
            limit=field.max_len,
        )
        clean = False
    if field.codes is not None and value not in field.codes.codes:
        codes = field.codes
        if value in codes.seen_elsewhere:
            findings.add(
                WARNING, "code_unconfirmed", file, line, field.name, value=shown, list=codes.name
            )
        else:
            findings.add(
                codes.severity, "code_list", file, line, field.name, value=shown, list=codes.name
            )
        return False
    return clean


#: A column to check: its index, its field, and the values already found clean in it
#: (dates, codes and people repeat, so most rows are settled by one set lookup).
Column = tuple[int, Field, set[str]]
_CLEAN_VALUES_KEPT = 50_000  # per column: bounds the memory a huge batch can take


def checked_columns(layout: tuple[Field, ...]) -> list[Column]:
    """The columns with anything to check, so free optional text costs nothing per row."""
    return [
        (i, f, set())
        for i, f in enumerate(layout)
        if f.need != "optional" or f.kind != TEXT or f.codes is not None or f.max_len is not None
    ]


def check_row(
    findings: Findings, file: str, line: int, columns: list[Column], values: list[str]
) -> None:
    for i, field, clean in columns:
        value = values[i]
        if value in clean:
            continue
        if check_value(findings, file, line, field, value) and len(clean) < _CLEAN_VALUES_KEPT:
            clean.add(value)
