"""Column types that survive what real JHCIS databases hold.

JHCIS stores zero dates (``0000-00-00``, ``0000-00-00 00:00:00``). PyMySQL hands them
back as strings and SQLite's own date parser raises on them, so every date column we
read goes through these types: zero or unparsable values read as ``None``, and a zero
date is never written (``None`` becomes SQL NULL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

from common.thaidate import PartialDate, parse_db_date

BANGKOK = ZoneInfo("Asia/Bangkok")


def local_naive(moment: dt.datetime) -> dt.datetime:
    """JHCIS's wall-clock time: aware datetimes converted to Asia/Bangkok, naive kept."""
    if moment.tzinfo is not None:
        return moment.astimezone(BANGKOK).replace(tzinfo=None)
    return moment


def parse_db_datetime(value: object) -> dt.datetime | None:
    """A datetime read from JHCIS: datetime objects, ISO strings, zero values -> None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if not text or text.startswith("0000"):
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        day = parse_db_date(text)
        return dt.datetime(day.year, day.month, day.day) if day else None


class _RawDate(UserDefinedType[Any]):
    """DATE in DDL; values pass to and from the driver unprocessed.

    SQLAlchemy's own SQLite DATE parses every value it reads and raises on a zero
    date, so the built-in types are bypassed and parsing happens in the decorator.
    """

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "DATE"


class _RawDateTime(UserDefinedType[Any]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "DATETIME"


class JhcisDate(TypeDecorator[dt.date]):
    """DATE column: CE dates in, ``None`` for zero dates out."""

    impl = Date
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(_RawDate())

    def process_bind_param(self, value: dt.date | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            raise TypeError("JhcisDate takes datetime.date values")
        return value.isoformat() if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.date | None:
        return parse_db_date(value)


def parse_birth(value: object) -> dt.date | PartialDate | None:
    """A birth date read from JHCIS: a date, or the year alone where JHCIS keeps a date
    known only by its year as a zero-in-date (``1965-00-00``), or None."""
    day = parse_db_date(value)
    if day is not None or value is None:
        return day
    text = str(value).strip()
    if len(text) >= 10 and text[4] == "-" and text[:4].isdigit() and text[:4] != "0000":
        month = text[5:7]
        return PartialDate(int(text[:4]), int(month) if month.isdigit() and month != "00" else None)
    return None


class JhcisBirthDate(JhcisDate):
    """person.birth: also a year alone (a card holding ``25080000``), written and read as
    the zero-in-date ``1965-00-00`` where the server accepts one (the check-in asks
    :attr:`SchemaProfile.zero_in_date_ok` first)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, PartialDate) and value.to_date() is None:
            return f"{value.year:04d}-{value.month or 0:02d}-00"
        return super().process_bind_param(value, dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return parse_birth(value)


class JhcisDateTime(TypeDecorator[dt.datetime]):
    """DATETIME column: naive local CE datetimes in, ``None`` for zero values out."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(_RawDateTime())

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError("JhcisDateTime takes datetime.datetime values")
        # JHCIS columns are naive local time (Asia/Bangkok) with second precision.
        if value.tzinfo is not None:
            value = value.astimezone(BANGKOK).replace(tzinfo=None)
        value = value.replace(microsecond=0)
        return value.isoformat(sep=" ") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return parse_db_datetime(value)


def as_time(value: object) -> dt.time | None:
    # PyMySQL hands TIME columns back as timedelta.
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds()) % 86400
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    if isinstance(value, str) and value:
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            return None
    return None
