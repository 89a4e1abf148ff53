"""Due, missed, double-booked and given-while-open on a seeded SQLite JHCIS database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from integrations.jhcis import appointments as q
from integrations.jhcis.engine import open_engine
from integrations.jhcis.synth_cases import (
    TODAY,
    UNIT,
    KnownCase,
    keys_expecting,
    seed_known_appointments,
)


@pytest.fixture
def engine(jhcis_sqlite_url: str) -> Iterator[Engine]:
    engine = open_engine(jhcis_sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def keys(engine: Engine) -> dict[str, KnownCase]:
    return seed_known_appointments(engine)


def test_due_over_thirty_days_lists_exactly_the_open_ones(
    engine: Engine, keys: dict[str, KnownCase]
) -> None:
    found = q.due(engine, TODAY, 30)
    assert {a.key for a in found} == keys_expecting(keys, "due")
    bcg = next(a for a in found if a.code == "BCG")
    assert bcg.what == "วัคซีนบีซีจี"  # cdrug.drugname
    assert bcg.date == dt.date(2027, 3, 2)
    assert bcg.village  # joined through house -> village
    assert bcg.phone == "0812345671"
    assert bcg.title and bcg.first_name  # ctitle name, not its code
    assert not bcg.title.isdigit()


def test_due_window_edges(engine: Engine, keys: dict[str, KnownCase]) -> None:
    assert {a.code for a in q.due(engine, dt.date(2027, 3, 2), 1)} == {"BCG", "I10"}
    assert q.due(engine, TODAY, 1) == []  # nothing on the 1st itself
    assert {a.code for a in q.due(engine, dt.date(2027, 3, 2), 1, kinds=("epi",))} == {"BCG"}


def test_missed_are_past_and_not_kept(engine: Engine, keys: dict[str, KnownCase]) -> None:
    found = q.missed(engine, TODAY, lookback_days=30)
    assert {a.key for a in found} == keys_expecting(keys, "missed")
    kept = next(k for k, c in keys.items() if c.expect == "kept")
    assert kept not in {a.key for a in found}


def test_double_booking_and_given_while_open(engine: Engine, keys: dict[str, KnownCase]) -> None:
    doubles = q.double_bookings(engine, TODAY)
    assert [(d.pid, d.code, d.dates) for d in doubles] == [
        (5, "HBV1", (dt.date(2027, 3, 5), dt.date(2027, 3, 19)))
    ]
    early = q.given_while_open(engine, TODAY)
    assert [(a.pid, a.code, a.kept_on) for a in early] == [(6, "DTP-HB1", dt.date(2027, 2, 15))]


def test_next_vaccine_appointment_for_the_ticket(
    engine: Engine, keys: dict[str, KnownCase]
) -> None:
    assert q.next_vaccine_appointment(engine, UNIT, 1, TODAY) == (dt.date(2027, 3, 2), "วัคซีนบีซีจี")
    # The earlier of a double booking.
    assert q.next_vaccine_appointment(engine, UNIT, 5, TODAY)[0] == dt.date(2027, 3, 5)  # type: ignore[index]
    assert q.next_vaccine_appointment(engine, UNIT, 6, TODAY) is None  # already given
    assert q.next_vaccine_appointment(engine, UNIT, 7, TODAY) is None  # general appointment only
    # Outside 30 days.
    assert q.next_vaccine_appointment(engine, UNIT, 2, dt.date(2027, 2, 1)) is None
    assert q.next_vaccine_appointment(engine, UNIT, 2, dt.date(2027, 2, 8)) is not None


def test_keys_and_dicts_carry_no_contact_unless_asked(
    engine: Engine, keys: dict[str, KnownCase]
) -> None:
    a = q.due(engine, TODAY, 2, kinds=("epi",))[0]
    assert a.cid not in a.key and "phone" not in a.as_dict()
    assert a.as_dict(with_contact=True)["phone"] == "0812345671"


def test_ticket_line_and_a_database_without_the_tables(
    engine: Engine, keys: dict[str, KnownCase], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import DBAPIError

    assert q.next_vaccine_appointment(engine, UNIT, 1, TODAY) == (
        dt.date(2027, 3, 2),
        "วัคซีนบีซีจี",
    )
    assert q.next_vaccine_appointment(engine, UNIT, 6, TODAY) is None
    empty = open_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        # No such table: a driver error, which the kiosk's clinic port turns into no line.
        with pytest.raises(DBAPIError):
            q.next_vaccine_appointment(empty, UNIT, 1, TODAY)
    finally:
        empty.dispose()
