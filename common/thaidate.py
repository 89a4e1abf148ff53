"""Dates the way Thai people and JHCIS write them.

The database stores Christian-era (CE) dates; the card and the screens use the
Buddhist era (BE = CE + 543). JHCIS and the card both carry zero and partial dates
("0000-00-00", "25480000" = some day of BE 2548), which must never crash a read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

BE_OFFSET = 543

MONTHS_TH = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
MONTHS_TH_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
MONTHS_EN_ABBR = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def be_to_ce(year_be: int) -> int:
    return year_be - BE_OFFSET


def ce_to_be(year_ce: int) -> int:
    return year_ce + BE_OFFSET


@dataclass(frozen=True)
class PartialDate:
    """A date of which only the year, or year and month, may be known (CE)."""

    year: int
    month: int | None = None
    day: int | None = None

    def to_date(self) -> dt.date | None:
        """The exact date when fully known and valid, else None."""
        if self.month is None or self.day is None:
            return None
        try:
            return dt.date(self.year, self.month, self.day)
        except ValueError:
            return None

    def earliest(self) -> dt.date:
        """First possible day: what age checks use when the day or month is unknown."""
        month = self.month or 1
        day = self.day or 1
        try:
            return dt.date(self.year, month, day)
        except ValueError:
            return dt.date(self.year, month, 1)

    def iso(self) -> str:
        """ISO-8601 at the precision known: 2005, 2005-03 or 2005-03-14."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def parse_be_yyyymmdd(raw: str) -> PartialDate | None:
    """Parse a card-style BE date "YYYYMMDD"; 00 month or day means unknown.

    Returns None for blanks, zero dates, lifetime markers (99999999) and anything
    that is not a plausible date, never raising.
    """
    text = raw.strip().replace("-", "")
    if len(text) != 8 or not text.isdigit():
        return None
    year_be, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    if year_be == 0 or year_be >= 9999 or not 2300 <= year_be <= 2700:
        return None
    if month > 12 or day > 31:
        return None
    year = be_to_ce(year_be)
    if month == 0:
        return PartialDate(year)
    if day == 0:
        return PartialDate(year, month)
    try:
        dt.date(year, month, day)
    except ValueError:  # 29 Feb in a common year, 31 Apr...
        return PartialDate(year, month)
    return PartialDate(year, month, day)


def parse_db_date(value: object) -> dt.date | None:
    """A date read from JHCIS: date/datetime objects, ISO strings, or zero dates -> None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text.startswith("0000"):
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def format_date_th(day: dt.date, *, long: bool = False) -> str:
    """25 พ.ย. 2569 (short) or 25 พฤศจิกายน 2569 (long), Buddhist era."""
    months = MONTHS_TH if long else MONTHS_TH_ABBR
    return f"{day.day} {months[day.month - 1]} {ce_to_be(day.year)}"


def format_date_en(day: dt.date) -> str:
    return f"{day.day} {MONTHS_EN_ABBR[day.month - 1]} {day.year}"


def format_datetime_th(moment: dt.datetime) -> str:
    """The ticket's and the screens' timestamp: 25 พ.ย. 2569 09:05 น."""
    return f"{format_date_th(moment.date())} {moment:%H:%M} น."


def format_be_compact(day: dt.date) -> str:
    """25/11/2569, the way Thai forms write dates."""
    return f"{day.day:02d}/{day.month:02d}/{ce_to_be(day.year)}"


def exact(day: dt.date | PartialDate | None) -> dt.date | None:
    """The date when it is fully known (a PartialDate with its day, or a date), else None."""
    return day.to_date() if isinstance(day, PartialDate) else day


def age_on(birth: dt.date | PartialDate, on: dt.date) -> int:
    """Completed years on `on`; a partial birth date counts from its earliest day."""
    born = birth.earliest() if isinstance(birth, PartialDate) else birth
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years
