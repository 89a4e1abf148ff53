import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.thaidate import (
    PartialDate,
    age_on,
    format_be_compact,
    format_date_th,
    format_datetime_th,
    parse_be_yyyymmdd,
    parse_db_date,
)


def test_full_date() -> None:
    assert parse_be_yyyymmdd("25310315") == PartialDate(1988, 3, 15)
    assert PartialDate(1988, 3, 15).to_date() == dt.date(1988, 3, 15)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("25480000", PartialDate(2005)),
        ("25480700", PartialDate(2005, 7)),
        ("00000000", None),
        ("99999999", None),  # lifetime card
        ("", None),
        ("2548", None),
        ("25481301", None),
        ("abcdefgh", None),
    ],
)
def test_partial_and_invalid(raw: str, expected: PartialDate | None) -> None:
    assert parse_be_yyyymmdd(raw) == expected


def test_leap_years() -> None:
    # BE 2563 = CE 2020 is a leap year; BE 2564 = 2021 is not.
    assert parse_be_yyyymmdd("25630229") == PartialDate(2020, 2, 29)
    assert parse_be_yyyymmdd("25640229") == PartialDate(2021, 2)
    # CE 2000 was a leap year (divisible by 400), CE 1900 was not.
    assert parse_be_yyyymmdd("25430229") == PartialDate(2000, 2, 29)
    assert parse_be_yyyymmdd("24430229") == PartialDate(1900, 2)


def test_zero_dates_from_db() -> None:
    assert parse_db_date("0000-00-00") is None
    assert parse_db_date("0000-00-00 00:00:00") is None
    assert parse_db_date(None) is None
    assert parse_db_date("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_db_date(dt.datetime(2024, 1, 2, 3, 4)) == dt.date(2024, 1, 2)
    assert parse_db_date("garbage") is None


def test_formats() -> None:
    day = dt.date(2026, 11, 25)
    assert format_date_th(day) == "25 พ.ย. 2569"
    assert format_date_th(day, long=True) == "25 พฤศจิกายน 2569"
    assert format_be_compact(day) == "25/11/2569"
    assert format_datetime_th(dt.datetime(2026, 11, 25, 9, 5)) == "25 พ.ย. 2569 09:05 น."


def test_age_with_partial_birth() -> None:
    assert age_on(PartialDate(2005), dt.date(2026, 1, 1)) == 21
    assert age_on(dt.date(2010, 12, 31), dt.date(2026, 12, 30)) == 15
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2150, 12, 31)))
def test_round_trip(day: dt.date) -> None:
    raw = f"{day.year + 543:04d}{day.month:02d}{day.day:02d}"
    parsed = parse_be_yyyymmdd(raw)
    assert parsed is not None
    assert parsed.to_date() == day
