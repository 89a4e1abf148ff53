"""Turning the applet's raw bytes into a validated :class:`CardData`.

Pure functions, no I/O: every path that is not a valid card raises a
:class:`CardMalformed` (or :class:`InvalidCid`) and never returns a half-filled
record. Text is TIS-620; we decode with cp874 (a superset that also covers the
NBSP and Windows punctuation some cards carry) and replace anything undecodable.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping

from common.cid import is_valid_cid
from common.thaidate import PartialDate, be_to_ce, parse_be_yyyymmdd

from .errors import CardMalformed, InvalidCid
from .layout import (
    ADDRESS,
    BIRTH_DATE,
    CID,
    EXPIRE_DATE,
    IDENTITY_FIELDS,
    ISSUE_DATE,
    ISSUER,
    NAME_EN,
    NAME_TH,
    NHSO_CHANGE_COUNT,
    NHSO_EXPIRE_DATE,
    NHSO_FIELDS,
    NHSO_ISSUE_DATE,
    NHSO_MAIN_HOSPITAL,
    NHSO_MAIN_INSCL,
    NHSO_PAID_TYPE,
    NHSO_SUB_HOSPITAL,
    NHSO_SUB_INSCL,
    NHSO_UPDATE_DATE,
    PHOTO,
    SEX,
    Field,
)
from .model import Address, CardData, NhsoCardData, Sex

_PAD = " \x00\xa0\u00a0\t\r\n"
_JPEG_START = b"\xff\xd8"
_JPEG_END = b"\xff\xd9"


def decode_text(raw: bytes) -> str:
    """cp874 text with padding (spaces, NULs, 0xFF filler) trimmed."""
    text = raw.rstrip(b"\x00\xff").decode("cp874", errors="replace")
    return text.strip(_PAD)


def split_name(raw: bytes) -> tuple[str, str, str, str]:
    """``title#first#middle#last`` -> four trimmed parts (missing parts empty)."""
    parts = [p.strip(_PAD) for p in decode_text(raw).split("#")]
    if len(parts) > 4:  # stray '#' inside a part: keep the extras in the surname
        parts = [*parts[:3], " ".join(p for p in parts[3:] if p)]
    parts += [""] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]


_SOI_WORDS = ("ซอย", "ซ.", "ตรอก")
_ROAD_WORDS = ("ถนน", "ถ.")


def split_address(raw: bytes) -> Address:
    """``house#moo#soi#road#(blank)#subdistrict#district#province``.

    The last three parts are always sub-district, district and province; the parts
    between moo and sub-district are placed by their leading word when they carry
    one (ซอย / ถนน), else in order soi then road.
    """
    parts = [p.strip(_PAD) for p in decode_text(raw).split("#")]
    if len(parts) < 4:
        parts = [*parts, *[""] * (4 - len(parts))]
    house, moo = parts[0], parts[1]
    subdistrict, district, province = parts[-3], parts[-2], parts[-1]
    middle = [p for p in parts[2:-3] if p]
    soi = next((p for p in middle if p.startswith(_SOI_WORDS)), "")
    road = next((p for p in middle if p.startswith(_ROAD_WORDS)), "")
    rest = [p for p in middle if p not in (soi, road)]
    if not soi and rest:
        soi = rest.pop(0)
    if not road and rest:
        road = rest.pop(0)
    return Address(house, moo, soi, road, subdistrict, district, province)


def _date_digits(raw: bytes, what: str) -> str | None:
    """The 8 digits of a BE date, None when blank/zero/lifetime; malformed otherwise."""
    text = decode_text(raw).replace("-", "").replace(" ", "")
    if not text or set(text) <= {"0"}:
        return None
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise CardMalformed(f"{what} is not a date")
    return text


def parse_birth_date(raw: bytes) -> PartialDate | None:
    """Birth dates may lack the day or the month (older people)."""
    text = _date_digits(raw, "birth date")
    return parse_be_yyyymmdd(text) if text else None


def parse_card_date(raw: bytes, *, end_of_period: bool) -> dt.date | None:
    """Issue/expiry date; None for lifetime markers (9999xxxx) and blanks.

    Out-of-calendar values are clamped the way cards in the field need: month
    > 12 -> 12, day past the month -> last day; a 00 month or day means the
    start of the period for an issue date and its end for an expiry date.
    """
    text = _date_digits(raw, "card date")
    if text is None:
        return None
    year_be, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    if year_be >= 9999 or not 2400 <= year_be <= 3000:
        return None
    year = be_to_ce(year_be)
    if month == 0:
        month = 12 if end_of_period else 1
    month = min(month, 12)
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        day = last if end_of_period else 1
    return dt.date(year, month, min(day, last))


def parse_sex(raw: bytes) -> Sex:
    code = decode_text(raw)
    if code == "1":
        return "male"
    if code == "2":
        return "female"
    raise CardMalformed("sex code is not 1 or 2")


def parse_cid(raw: bytes) -> str:
    text = decode_text(raw)
    if len(text) != 13 or not text.isascii() or not text.isdigit():
        raise CardMalformed("citizen ID field is not 13 digits")
    if not is_valid_cid(text):
        raise InvalidCid("check digit mismatch")
    return text


def extract_photo(raw: bytes) -> bytes | None:
    """The JPEG inside the padded photo area; None when the area is blank."""
    if not raw.strip(b"\x00\xff "):
        return None
    if not raw.startswith(_JPEG_START):
        raise CardMalformed("photo is not a JPEG")
    end = raw.rfind(_JPEG_END)
    if end < 0:
        raise CardMalformed("photo JPEG is truncated")
    return raw[: end + len(_JPEG_END)]


def _check_fields(fields: Mapping[Field, bytes], wanted: tuple[Field, ...]) -> None:
    for f in wanted:
        value = fields.get(f)
        if value is None:
            raise CardMalformed(f"field {f.name} was not read")
        if len(value) != f.length:
            raise CardMalformed(f"field {f.name} has {len(value)} bytes, expected {f.length}")


def parse_nhso(fields: Mapping[Field, bytes]) -> NhsoCardData:
    """The NHSO applet's fields; tolerant like the identity dates, strict on lengths."""
    _check_fields(fields, NHSO_FIELDS)
    count = decode_text(fields[NHSO_CHANGE_COUNT])
    return NhsoCardData(
        main_inscl=decode_text(fields[NHSO_MAIN_INSCL]),
        sub_inscl=decode_text(fields[NHSO_SUB_INSCL]),
        main_hospital=decode_text(fields[NHSO_MAIN_HOSPITAL]),
        sub_hospital=decode_text(fields[NHSO_SUB_HOSPITAL]),
        paid_type=decode_text(fields[NHSO_PAID_TYPE]),
        issue_date=parse_card_date(fields[NHSO_ISSUE_DATE], end_of_period=False),
        expire_date=parse_card_date(fields[NHSO_EXPIRE_DATE], end_of_period=True),
        update_date=parse_card_date(fields[NHSO_UPDATE_DATE], end_of_period=False),
        change_hospital_count=int(count) if count.isascii() and count.isdigit() else None,
    )


def parse_card(fields: Mapping[Field, bytes], *, atr: bytes = b"") -> CardData:
    """A validated :class:`CardData` from the raw bytes of each field.

    ``fields`` holds every identity field, and PHOTO when the photo was read.
    """
    _check_fields(fields, IDENTITY_FIELDS)
    cid = parse_cid(fields[CID])
    title_th, first_th, middle_th, last_th = split_name(fields[NAME_TH])
    title_en, first_en, middle_en, last_en = split_name(fields[NAME_EN])
    if not (first_th or first_en):
        raise CardMalformed("the card carries no name")
    photo_raw = fields.get(PHOTO)
    return CardData(
        cid=cid,
        title_th=title_th,
        first_name_th=first_th,
        middle_name_th=middle_th,
        last_name_th=last_th,
        title_en=title_en,
        first_name_en=first_en,
        middle_name_en=middle_en,
        last_name_en=last_en,
        birth_date=parse_birth_date(fields[BIRTH_DATE]),
        sex=parse_sex(fields[SEX]),
        issuer=decode_text(fields[ISSUER]),
        issue_date=parse_card_date(fields[ISSUE_DATE], end_of_period=False),
        expire_date=parse_card_date(fields[EXPIRE_DATE], end_of_period=True),
        address=split_address(fields[ADDRESS]),
        photo=extract_photo(photo_raw) if photo_raw is not None else None,
        atr=atr,
    )
