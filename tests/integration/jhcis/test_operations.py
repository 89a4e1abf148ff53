"""The kiosk/backoffice operations on SQLite and on MariaDB in utf8 and tis620."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from common.cid import cid_check_digit, is_valid_cid
from integrations.jhcis import tables as t
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.engine import SQLITE_BEGIN_OPTION
from integrations.jhcis.errors import (
    ClaimCodeConflict,
    IdempotencyKeyReused,
    NumberingBusy,
    OutOfAreaHouseMissing,
    UnitCodeMissing,
    VisitNotFound,
)
from integrations.jhcis.numbering import lock_name
from integrations.jhcis.own_tables import kiosk_visit
from integrations.jhcis.records import Visit, WalkinIdentity

AT = dt.datetime(2026, 11, 25, 9, 15, 30)
THAI_FIRST = "ทดสอบภาษาไทยๆ์"  # tone marks, mai yamok, thanthakhat
THAI_LAST = "ณ อยุธยา-ฤๅษี"


def new_cid(serial: int) -> str:
    first12 = f"1990{serial:08d}"
    return first12 + str(cid_check_digit(first12))


def walkin(serial: int, **overrides: object) -> WalkinIdentity:
    values: dict[str, object] = {
        "cid": new_cid(serial),
        "title": "นาย",
        "first_name": THAI_FIRST,
        "last_name": THAI_LAST,
        "birth": dt.date(1988, 2, 29),
        "sex": "1",
        "house_no": "99/1",
        "moo": "4",
    }
    values.update(overrides)
    return WalkinIdentity(**values)  # type: ignore[arg-type]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("utf8", marks=pytest.mark.integration),
        pytest.param("tis620", marks=pytest.mark.integration),
    ]
)
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("jhcis_sqlite_url"))
    return str(request.getfixturevalue(f"jhcis_mariadb_{request.param}_url"))


@pytest.fixture
def fresh_clinic(request: pytest.FixtureRequest, db_url: str) -> Iterator[ClinicDatabase]:
    """A database of its own, for tests that damage it."""
    if db_url.startswith("sqlite"):
        url = db_url  # already a per-test copy
    else:
        charset = request.node.callspec.params["db_url"]
        url = request.getfixturevalue("mariadb_databases").jhcis(charset)
    db = ClinicDatabase.from_url(url)
    yield db
    db.dispose()


@pytest.fixture
def clinic(db_url: str) -> Iterator[ClinicDatabase]:
    db = ClinicDatabase.from_url(db_url)
    yield db
    db.dispose()


def serial_for(request: pytest.FixtureRequest) -> int:
    # Module-scoped MariaDB databases are shared: give each test its own CIDs.
    return zlib.crc32(request.node.nodeid.encode()) % 10_000_000


def test_unit_code_skips_placeholder_rows(clinic: ClinicDatabase) -> None:
    assert clinic.unit_code() == "99901"
    with clinic.engine.connect() as conn:
        offids = set(conn.execute(select(t.office.c.offid)).scalars())
    assert "0000x" in offids  # the placeholder is there and was skipped


def test_configured_unit_code_wins(db_url: str) -> None:
    db = ClinicDatabase.from_url(db_url, hcode="12345")
    assert db.unit_code() == "12345"
    db.dispose()


def test_find_existing_person(clinic: ClinicDatabase) -> None:
    with clinic.engine.connect() as conn:
        row = conn.execute(
            select(t.person.c.idcard, t.person.c.pid, t.person.c.fname).where(t.person.c.pid == 5)
        ).one()
    found = clinic.find_person_by_cid(row.idcard)
    assert found is not None
    assert (found.pid, found.first_name, found.cid) == (5, row.fname, row.idcard)
    assert is_valid_cid(found.cid)
    assert found.newly_registered is False
    assert clinic.find_person_by_cid(new_cid(9_999_999)) is None


def test_register_walkin_thai_round_trip(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    identity = walkin(serial_for(request))
    person = clinic.register_walkin(identity, at=AT)
    assert person.newly_registered
    again = clinic.find_person_by_cid(identity.cid)
    assert again is not None and again.key == person.key
    assert (again.first_name, again.last_name) == (THAI_FIRST, THAI_LAST)
    assert again.title == "นาย" and again.prename_code == "003"
    assert again.birth == dt.date(1988, 2, 29)
    assert (again.typelive, again.dischargetype) == ("4", "9")
    with clinic.engine.connect() as conn:
        house = conn.execute(
            select(t.house.c.villcode).where(
                t.house.c.pcucode == person.pcucodeperson, t.house.c.hcode == person.hcode
            )
        ).scalar_one()
        max_pid = conn.execute(
            select(text("MAX(pid)")).select_from(t.person).where(t.person.c.pid < person.pid)
        ).scalar_one()
    assert house.endswith("00")
    assert person.pid == max_pid + 1
    # A second registration of the same card finds the person instead.
    twice = clinic.register_walkin(identity, at=AT)
    assert twice.key == person.key and twice.newly_registered is False


def test_register_rejects_bad_checksum(clinic: ClinicDatabase) -> None:
    bad = walkin(1, cid=new_cid(1)[:12] + str((int(new_cid(1)[12]) + 1) % 10))
    with pytest.raises(ValueError, match="checksum"):
        clinic.register_walkin(bad)


def test_open_visit_is_idempotent_and_numbers_queue(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = serial_for(request)
    a = clinic.register_walkin(walkin(serial), at=AT)
    b = clinic.register_walkin(walkin(serial + 1), at=AT)
    key_a, key_b = f"a-{serial}", f"b-{serial}"
    v1 = clinic.open_visit(
        a, at=AT, idempotency_key=key_a, claim_type="PG0060001", claim_code="PP1234567890",
        correlation_id="corr-1", main_inscl="UCS", sub_inscl="89",
    )  # fmt: skip
    v2 = clinic.open_visit(b, at=AT + dt.timedelta(minutes=1), idempotency_key=key_b)
    assert v2.visitno == v1.visitno + 1
    assert v1.queue_no is not None and v2.queue_no == v1.queue_no + 1
    assert v1.visitdate == AT.date()
    # A replay returns the same visit, never a second one.
    assert clinic.open_visit(a, at=AT, idempotency_key=key_a) == v1
    with clinic.engine.connect() as conn:
        count = conn.execute(
            select(text("COUNT(*)"))
            .select_from(t.visit)
            .where(t.visit.c.pcucodeperson == a.pcucodeperson, t.visit.c.pid == a.pid)
        ).scalar_one()
        row = conn.execute(select(t.visit).where(t.visit.c.visitno == v1.visitno)).mappings().one()
    assert count == 1
    assert row["hiciauthen_nhso"] == "PG0060001" and row["claimcode_nhso"] == "PP1234567890"
    assert row["correlationid_nhso"] == "corr-1" and row["datetime_claim"] == AT
    assert (row["main_inscl"], row["sub_inscl"]) == ("UCS", "89")
    assert row["flagservice"] == "01" and row["timestart"] == AT.time()
    # The key belongs to person a: reusing it for b is refused.
    with pytest.raises(IdempotencyKeyReused):
        clinic.open_visit(b, at=AT, idempotency_key=key_a)
    assert clinic.find_today_visit(a, AT.date()) == v1
    assert clinic.find_today_visit(a, AT.date() + dt.timedelta(days=1)) is None


def test_queue_number_counts_visits_staff_opened(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = serial_for(request)
    day = dt.datetime(2027, 3, 1, 8, 0) + dt.timedelta(days=serial % 300)
    person = clinic.register_walkin(walkin(serial), at=day)
    with clinic.engine.begin() as conn:  # two visits JHCIS itself opened earlier that day
        top = conn.execute(select(text("MAX(visitno)")).select_from(t.visit)).scalar_one()
        for n in (1, 2):
            conn.execute(
                t.visit.insert().values(
                    pcucode="99901", visitno=top + n, visitdate=day.date(),
                    pcucodeperson=person.pcucodeperson, pid=person.pid, flagservice="03",
                )
            )  # fmt: skip
    opened = clinic.open_visit(person, at=day, idempotency_key=f"q-{serial}")
    assert opened.queue_no == 3
    assert opened.visitno == top + 3


def test_claim_code_set_conflict_force_and_clear(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = serial_for(request)
    person = clinic.register_walkin(walkin(serial), at=AT)
    opened = clinic.open_visit(person, at=AT, idempotency_key=f"c-{serial}")
    assert clinic.visit_claim(opened).claim_code is None
    later = AT + dt.timedelta(hours=2)
    claim = clinic.set_claim_code(opened, "PP111", "PG0060001", later, "corr-x")
    assert (claim.claim_code, claim.claim_type, claim.datetime_claim) == (
        "PP111",
        "PG0060001",
        later,
    )
    assert clinic.set_claim_code(opened, "PP111", "PG0060001", later).claim_code == "PP111"
    with pytest.raises(ClaimCodeConflict):
        clinic.set_claim_code(opened, "PP222", "PG0060001", later)
    assert clinic.visit_claim(opened).claim_code == "PP111"
    assert (
        clinic.set_claim_code(opened, "PP222", "PG0060001", later, force=True).claim_code == "PP222"
    )
    clinic.clear_claim_code(opened)
    cleared = clinic.visit_claim(opened)
    assert (cleared.claim_code, cleared.claim_type, cleared.datetime_claim) == (None, None, None)
    with clinic.engine.connect() as conn:
        own = conn.execute(
            select(kiosk_visit.c.claim_code).where(kiosk_visit.c.visitno == opened.visitno)
        ).scalar_one()
    assert own is None


def test_pending_authen_lifecycle(clinic: ClinicDatabase, request: pytest.FixtureRequest) -> None:
    serial = serial_for(request)
    person = clinic.register_walkin(walkin(serial), at=AT)
    opened = clinic.open_visit(person, at=AT, idempotency_key=f"p-{serial}")
    item = clinic.record_pending_authen(opened, "PG0060001", "0812345678", at=AT)
    assert clinic.record_pending_authen(opened, "PG0060001", "0812345678").id == item.id
    pending = {p.id: p for p in clinic.list_pending_authens()}
    assert item.id in pending and pending[item.id].cid == person.cid
    clinic.note_authen_attempt(item.id, at=AT)
    assert {p.id: p for p in clinic.list_pending_authens()}[item.id].attempts == 1
    done = clinic.resolve_pending_authen(item.id, outcome="authenticated", claim_code="PP9", at=AT)
    assert done.resolved_at == AT and done.claim_code == "PP9"
    assert item.id not in {p.id for p in clinic.list_pending_authens()}
    assert clinic.visit_claim(opened).claim_code == "PP9"


def test_update_mobile(clinic: ClinicDatabase, request: pytest.FixtureRequest) -> None:
    person = clinic.register_walkin(walkin(serial_for(request)), at=AT)
    clinic.update_mobile(person, "081-234-5678")
    again = clinic.find_person_by_cid(person.cid)
    assert again is not None and again.mobile == "0812345678"
    with pytest.raises(ValueError):
        clinic.update_mobile(person, "12")


def test_zero_dates_read_as_none(clinic: ClinicDatabase, request: pytest.FixtureRequest) -> None:
    person = clinic.register_walkin(walkin(serial_for(request)), at=AT)
    with clinic.engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            conn.execute(text("SET SESSION sql_mode = ''"))
        conn.execute(
            text(
                "UPDATE person SET birth = '0000-00-00', dateupdate = '0000-00-00 00:00:00' "
                "WHERE pcucodeperson = :u AND pid = :p"
            ),
            {"u": person.pcucodeperson, "p": person.pid},
        )
        row = conn.execute(
            select(t.person.c.birth, t.person.c.dateupdate).where(t.person.c.pid == person.pid)
        ).one()
    assert tuple(row) == (None, None)
    again = clinic.find_person_by_cid(person.cid)
    assert again is not None and again.birth is None


def test_missing_out_of_area_house_is_a_bilingual_error(fresh_clinic: ClinicDatabase) -> None:
    clinic = fresh_clinic
    with clinic.engine.begin() as conn:  # people live there: the house moves to moo 01
        out_of_area = t.house.c.villcode.like("%00")
        conn.execute(t.house.update().where(out_of_area).values(villcode="99010101"))
    with pytest.raises(OutOfAreaHouseMissing) as caught:
        clinic.register_walkin(walkin(123))
    assert caught.value.th and caught.value.en
    assert new_cid(123) not in str(caught.value)


def test_unit_code_missing(fresh_clinic: ClinicDatabase) -> None:
    clinic = fresh_clinic
    with clinic.engine.begin() as conn:
        if clinic.engine.dialect.name != "sqlite":  # user.pcucode -> office: a broken DB
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        conn.execute(t.office.delete().where(t.office.c.offid != "0000x"))
    fresh = ClinicDatabase(clinic.engine)
    with pytest.raises(UnitCodeMissing):
        fresh.unit_code()


def test_lock_held_elsewhere_is_numbering_busy(db_url: str, request: pytest.FixtureRequest) -> None:
    db = ClinicDatabase.from_url(db_url, lock_timeout_s=1)
    person = db.register_walkin(walkin(serial_for(request)), at=AT)
    holder = db.engine.connect()
    try:
        if holder.dialect.name == "sqlite":  # another writer holds the write lock
            holder = holder.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            holder.begin()
        else:
            name = lock_name(db.profile.database)
            assert holder.execute(text("SELECT GET_LOCK(:n, 1)"), {"n": name}).scalar() == 1
        with pytest.raises(NumberingBusy) as caught:
            db.open_visit(person, at=AT, idempotency_key=f"busy-{serial_for(request)}")
        assert caught.value.th and caught.value.en
    finally:
        holder.rollback()
        holder.close()
        db.dispose()
    # Once the other writer is done, the same request goes through.
    again = ClinicDatabase.from_url(db_url, lock_timeout_s=1)
    assert again.open_visit(person, at=AT, idempotency_key=f"busy-{serial_for(request)}").visitno
    again.dispose()


def test_get_person_and_close_right(clinic: ClinicDatabase, request: pytest.FixtureRequest) -> None:
    serial = serial_for(request)
    person = clinic.register_walkin(walkin(serial), at=AT)
    found = clinic.get_person(person.pcucodeperson, person.pid)
    assert found is not None and found.cid == person.cid and found.last_name == THAI_LAST
    assert clinic.get_person(person.pcucodeperson, 10**8) is None
    opened = clinic.open_visit(person, at=AT, idempotency_key=f"cr-{serial}")
    written = clinic.set_close_right(opened, seq="S1", authen_code="A1", amount=Decimal("150.50"))
    assert written == ["money_closed_all", "nhso_authencode_closed", "nhso_seq_closed"]
    with clinic.engine.connect() as conn:
        row = conn.execute(
            select(t.visit.c.nhso_seq_closed, t.visit.c.nhso_authencode_closed,
                   t.visit.c.money_closed_all).where(t.visit.c.visitno == opened.visitno)
        ).one()  # fmt: skip
    assert tuple(row) == ("S1", "A1", Decimal("150.50"))
    clinic.set_close_right(opened, seq=None, authen_code=None, amount=None)
    gone = Visit(**{**opened.__dict__, "visitno": 10**8})
    with pytest.raises(VisitNotFound):
        clinic.set_close_right(gone, seq="S", authen_code="A", amount=None)


def test_replay_after_staff_deleted_the_visit(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = serial_for(request)
    person = clinic.register_walkin(walkin(serial), at=AT)
    opened = clinic.open_visit(person, at=AT, idempotency_key=f"del-{serial}")
    with clinic.engine.begin() as conn:
        conn.execute(t.visit.delete().where(t.visit.c.visitno == opened.visitno))
    # MAX+1 now hands the deleted visit's number to the next visit: that must work...
    other = clinic.register_walkin(walkin(serial + 1), at=AT)
    reused = clinic.open_visit(other, at=AT, idempotency_key=f"del2-{serial}", claim_code="PP7")
    assert reused.visitno == opened.visitno
    assert clinic.visit_claim(reused).claim_code == "PP7"
    assert clinic.find_visit_by_key(f"del-{serial}") is None
    # ...and the old request is still known as deleted, never reopened or confused.
    with pytest.raises(VisitNotFound):
        clinic.open_visit(person, at=AT, idempotency_key=f"del-{serial}")
    assert clinic.collisions == 0


def test_aware_time_opens_the_visit_on_bangkoks_day(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = serial_for(request)
    person = clinic.register_walkin(walkin(serial), at=AT)
    utc_evening = dt.datetime(2027, 8, 1, 18, 30, tzinfo=dt.UTC)  # 01:30 on 2 Aug in Bangkok
    opened = clinic.open_visit(person, at=utc_evening, idempotency_key=f"tz-{serial}")
    assert opened.visitdate == dt.date(2027, 8, 2)
    assert opened.timestart == dt.time(1, 30)


def test_pending_authen_never_lands_on_a_reused_visit_number(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = serial_for(request)
    first = clinic.register_walkin(walkin(serial), at=AT)
    second = clinic.register_walkin(walkin(serial + 1), at=AT)
    opened = clinic.open_visit(first, at=AT, idempotency_key=f"pr-{serial}")
    item = clinic.record_pending_authen(opened, "PG0060001", None, at=AT)
    with clinic.engine.begin() as conn:
        conn.execute(t.visit.delete().where(t.visit.c.visitno == opened.visitno))
    reused = clinic.open_visit(second, at=AT, idempotency_key=f"pr2-{serial}")
    assert reused.visitno == opened.visitno
    with pytest.raises(VisitNotFound):
        clinic.resolve_pending_authen(item.id, outcome="authenticated", claim_code="PP1", at=AT)
    assert clinic.visit_claim(reused).claim_code is None
