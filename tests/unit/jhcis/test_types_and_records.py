"""Zero dates, CE datetimes, PII-free reprs, card address parsing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.exc import StatementError

from integrations.jhcis.records import Person, WalkinIdentity, parse_card_address
from integrations.jhcis.types import JhcisDate, JhcisDateTime, parse_db_datetime

md = MetaData()
sample = Table(
    "sample", md, Column("id", Integer, primary_key=True), Column("d", JhcisDate),
    Column("ts", JhcisDateTime),
)  # fmt: skip


@pytest.fixture
def engine():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")
    md.create_all(engine)
    yield engine
    engine.dispose()


def test_round_trip_and_zero_dates(engine) -> None:  # type: ignore[no-untyped-def]
    moment = dt.datetime(2026, 11, 25, 9, 5, 7, 123456)
    with engine.begin() as conn:
        conn.execute(insert(sample).values(id=1, d=dt.date(2026, 11, 25), ts=moment))
        conn.execute(insert(sample).values(id=2, d=None, ts=None))
        conn.execute(text("INSERT INTO sample VALUES (3, '0000-00-00', '0000-00-00 00:00:00')"))
        rows = {r.id: (r.d, r.ts) for r in conn.execute(select(sample))}
        stored = conn.execute(text("SELECT d, ts FROM sample WHERE id = 1")).one()
    assert rows[1] == (dt.date(2026, 11, 25), moment.replace(microsecond=0))
    assert rows[2] == (None, None)
    assert rows[3] == (None, None)  # zero dates read as None
    assert tuple(stored) == ("2026-11-25", "2026-11-25 09:05:07")  # CE, not BE


def test_aware_datetimes_are_stored_in_bangkok_time(engine) -> None:  # type: ignore[no-untyped-def]
    utc = dt.datetime(2026, 11, 25, 2, 0, tzinfo=ZoneInfo("UTC"))
    with engine.begin() as conn:
        conn.execute(insert(sample).values(id=1, ts=utc))
        assert conn.execute(select(sample.c.ts)).scalar_one() == dt.datetime(2026, 11, 25, 9, 0)


def test_wrong_types_are_refused(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatementError), engine.begin() as conn:
        conn.execute(insert(sample).values(id=1, d="2026-11-25"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("0000-00-00 00:00:00", None),
        ("", None),
        ("2026-01-02 03:04:05", dt.datetime(2026, 1, 2, 3, 4, 5)),
        ("2026-01-02", dt.datetime(2026, 1, 2)),
        (dt.date(2026, 1, 2), dt.datetime(2026, 1, 2)),
        ("garbage", None),
    ],
)
def test_parse_db_datetime(raw: object, expected: dt.datetime | None) -> None:
    assert parse_db_datetime(raw) == expected


def test_person_repr_has_no_personal_data() -> None:
    who = Person(
        pcucodeperson="99901", pid=7, cid="1990000000011", prename_code="003", title="นาย",
        first_name="สมชาย", last_name="ใจดี", birth=dt.date(1990, 1, 1), sex="1",
        mobile="0812345678", hcode=1, typelive="4", dischargetype="9", rightcode="89",
        rightno="R1", hosmain=None, hossub=None,
    )  # fmt: skip
    text_ = repr(who)
    for secret in ("1990000000011", "สมชาย", "ใจดี", "0812345678", "1990"):
        assert secret not in text_
    assert who.hn == "7" and who.key == ("99901", 7)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("99/1#หมู่ที่ 4##ถนนสาธิต#ตำบลบ้านใหม่#อำเภอเมือง#จังหวัดนครราชสีมา",
         {"house_no": "99/1", "moo": "04", "road": "สาธิต"}),
        ("12 ม.10 ต.หนองไผ่ อ.เมือง", {"house_no": "12", "moo": "10"}),
        ("", {}),
        ("หมู่บ้านสาธิต", {}),
    ],
)  # fmt: skip
def test_parse_card_address(address: str, expected: dict[str, str]) -> None:
    assert parse_card_address(address) == expected


def test_walkin_from_card() -> None:
    identity = WalkinIdentity.from_card(
        cid="1990000000011", title="นาย", first_name="ก", last_name="ข",
        birth=None, sex="1", address="5#หมู่ที่ 2",
    )  # fmt: skip
    assert (identity.house_no, identity.moo, identity.road) == ("5", "02", "")
    assert "1990000000011" not in repr(identity)


def test_a_year_only_birth_reads_back_as_its_year() -> None:
    import datetime as dt

    from common.thaidate import PartialDate, age_on, exact
    from integrations.jhcis.types import parse_birth

    assert parse_birth("1937-00-00") == PartialDate(1937)
    assert parse_birth("1937-06-00") == PartialDate(1937, 6)
    assert parse_birth("0000-00-00") is None and parse_birth(None) is None
    assert parse_birth(dt.date(1937, 6, 1)) == dt.date(1937, 6, 1)
    born = parse_birth("1937-00-00")
    assert born is not None and exact(born) is None  # no made-up day in a claim file
    assert age_on(born, dt.date(2026, 11, 25)) == 89  # ... but the age rules see the year
