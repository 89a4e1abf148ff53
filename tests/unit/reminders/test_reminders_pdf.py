"""The reminder PDF's rows on a seeded SQLite JHCIS: house number, หมู่, phone and the
guardian chosen in order (ours, mother, father), masked on the volunteer's copy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from backoffice.reminders.contacts import Contact, Name, contacts_of
from backoffice.reminders.pdf import ListRow, appointments_pdf, list_row, masked_phone, masks
from common.config import Settings
from integrations.jhcis import appointments as q
from integrations.jhcis.engine import open_engine
from integrations.jhcis.synth_cases import TODAY, seed_known_appointments
from tests.unit.reminders.pdf_family import (
    GUARDIAN_OF_1,
    HOUSE_NO,
    NEW_GUARDIAN_OF_6,
    add_family,
)

WINDOW = (dt.date(2027, 2, 1), dt.date(2027, 3, 31))


@pytest.fixture
def engine(jhcis_sqlite_url: str) -> Iterator[Engine]:
    engine = open_engine(jhcis_sqlite_url)
    seed_known_appointments(engine)
    yield engine
    engine.dispose()


def _rows(engine: Engine, *, masked: bool) -> dict[int, ListRow]:
    items = q.appointments_between(engine, *WINDOW)
    contacts = contacts_of(engine, items)
    return {a.pid: list_row(a, contacts.get(a.person), masked=masked) for a in items}


def test_staff_copy_shows_house_phone_and_the_guardian_in_order(engine: Engine) -> None:
    add_family(engine)
    rows = _rows(engine, masked=False)
    assert rows[1].house_no == HOUSE_NO and rows[1].moo not in ("", "-")
    assert rows[1].phone == "0812345671"
    assert rows[1].guardian == GUARDIAN_OF_1  # ours, not JHCIS's mother nor a stale row
    assert rows[2].guardian == "มาลี"  # mother before father
    assert rows[5].guardian == "สมหมาย รักดี"  # no mother: father; birth 2025-00-00
    assert rows[6].guardian == NEW_GUARDIAN_OF_6  # the latest visit's
    assert rows[7].guardian == "-"  # an adult: JHCIS's mother is not a guardian
    assert (rows[7].house_no, rows[7].moo, rows[7].phone) == ("-", "-", "-")
    assert rows[1].date == "2 มี.ค. 2570"  # Buddhist era


def test_volunteer_copy_masks_house_phone_and_guardian(engine: Engine) -> None:
    add_family(engine)
    plain, hidden = _rows(engine, masked=False), _rows(engine, masked=True)
    assert hidden[1].house_no == "•••" and hidden[1].moo == plain[1].moo
    assert hidden[1].phone == "xxx-xxx-5671"
    assert hidden[1].guardian == "นางสมศรี ใ•••"  # common.cid.mask_name
    assert hidden[2].guardian == "มาลี"  # a first name alone is what mask_name keeps
    assert hidden[7].house_no == hidden[7].phone == hidden[7].guardian == "-"
    assert hidden[1].name == plain[1].name  # the volunteer still needs whom to remind


def test_without_parent_columns_or_guardian_table(jhcis_sqlite_url: str) -> None:
    engine = open_engine(jhcis_sqlite_url)
    try:
        seed_known_appointments(engine)
        items = q.appointments_between(engine, *WINDOW)
        contacts = contacts_of(engine, items)  # kiosk_visit_guardian not created yet
        assert all(c.recorded_guardian is None and not c.parents for c in contacts.values())
        add_family(engine, parent_columns=False)
        contacts = contacts_of(engine, items)
        assert contacts[("99901", 1)].recorded_guardian == Name.typed(GUARDIAN_OF_1)
        assert not contacts[("99901", 2)].parents
    finally:
        engine.dispose()


def test_guardian_rules_and_zero_birth() -> None:
    mother, father = Name("มาลี"), Name("สมชาย", "ใจดี")
    child = Contact(birth=dt.date(2020, 1, 1), parents=(mother, father))
    assert child.guardian_for(dt.date(2027, 3, 1), vaccine=False) == mother
    adult = Contact(birth=dt.date(2000, 1, 1), parents=(mother,))
    assert adult.guardian_for(dt.date(2027, 3, 1), vaccine=True) is None
    unknown = Contact(birth=None, parents=(mother,))  # a zero birth date reads as None
    assert unknown.guardian_for(dt.date(2027, 3, 1), vaccine=True) == mother
    assert unknown.guardian_for(dt.date(2027, 3, 1), vaccine=False) is None
    assert Name.typed("  ") is None and str(Name.typed("สมศรี  ใจ งาม")) == "สมศรี ใจ งาม"


def test_phone_mask_and_setting() -> None:
    assert masked_phone("081-234-5678") == "xxx-xxx-5678"
    assert masked_phone("043123456") == "xxx-xxx-3456"
    assert masked_phone("1669") == "xxxx"  # too short to show any of it
    assert Settings().reminders.mask_contact_details is True
    assert masks("volunteer", True) and not masks("volunteer", False)
    assert not masks("staff", True)


def test_pdf_bytes_for_both_copies(engine: Engine) -> None:
    add_family(engine)
    items = q.due(engine, TODAY, 30)
    contacts = contacts_of(engine, items)
    for copy in ("staff", "volunteer"):
        data = appointments_pdf(
            items, title="รายชื่อผู้มีนัด", clinic_name="รพ.สต.ทดสอบ",
            printed_at=dt.datetime(2027, 3, 1, 8), contacts=contacts, copy=copy,  # type: ignore[arg-type]
        )  # fmt: skip
        assert data.startswith(b"%PDF-") and b"/FontFile2" in data
