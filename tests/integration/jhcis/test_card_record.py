"""What JHCIS's own card registration writes (seed §7.2), written the same way by a check-in.

On SQLite, and on MariaDB in tis620 and utf8: a first-time card creates the person with
the Thai and English names, the address codes from JHCIS's code tables, the contact
address and (consent on) the photo, byte-identical to the card's JPEG; an area name the
code tables lack is reported, not guessed; a second visit changes none of it; a person
JHCIS already knows gets only what their record lacks. A card holding only the birth
year stores it as JHCIS's zero-in-date, read back as the year, unless the server's
NO_ZERO_IN_DATE forbids it (then the year waits in kiosk_person_card).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from common.thaidate import PartialDate, age_on
from integrations.jhcis import ClinicDatabase, WalkinIdentity
from integrations.jhcis import tables as t
from integrations.jhcis.own_tables import kiosk_person_card
from integrations.jhcis.records import CheckinRequest, CheckinResult
from kiosk.testing import synthetic_cid
from kiosk.wiring import demo_profile_path

AT = dt.datetime(2026, 11, 25, 9, 30)
PHOTO = demo_profile_path().with_name("demo.jpg")
CARD_ADDRESS = "99/9#หมู่ที่ 4##ถนนสาธิต#ตำบลทดลองสาธิต#อำเภอเมืองนครปฐม#จังหวัดนครปฐม"


@pytest.fixture(params=["sqlite", "mariadb-tis620", "mariadb-utf8"])
def db(request: pytest.FixtureRequest) -> Iterator[ClinicDatabase]:
    if request.param == "sqlite":
        url = request.getfixturevalue("jhcis_sqlite_url")
    else:
        request.applymarker(pytest.mark.integration)
        charset = request.param.split("-")[1]
        url = request.getfixturevalue(f"jhcis_mariadb_{charset}_url")
    clinic = ClinicDatabase.from_url(url)
    yield clinic
    clinic.dispose()


def card(serial: int, **changes: object) -> WalkinIdentity:
    base = WalkinIdentity.from_card(
        cid=synthetic_cid(serial),
        title="นาย",
        first_name="ทดสอบ",
        last_name="บัตรประชาชน",
        birth=dt.date(1980, 4, 15),
        sex="1",
        address=CARD_ADDRESS,
        title_en="Mr.",
        first_name_en="Thotsop",
        last_name_en="Batprachachon",
    )
    return base if not changes else _replace(base, **changes)


def _replace(who: WalkinIdentity, **changes: object) -> WalkinIdentity:
    import dataclasses

    return dataclasses.replace(who, **changes)  # type: ignore[arg-type]


def check_in(db: ClinicDatabase, who: WalkinIdentity, key: str, **extra: object) -> CheckinResult:
    request = CheckinRequest(key=key.ljust(32, "0"), at=AT, identity=who, **extra)  # type: ignore[arg-type]
    return db.open_checkin_visit(request)


def person_row(db: ClinicDatabase, cid: str) -> dict[str, object]:
    columns = [t.person.c[c] for c in (
        "pcucodeperson", "pid", "fname", "fnameeng", "lnameeng", "prenameeng", "hnomoi",
        "mumoi", "provcodemoi", "distcodemoi", "subdistcodemoi", "birth", "dateupdate",
    )]  # fmt: skip
    with db.engine.connect() as conn:
        row = conn.execute(select(*columns).where(t.person.c.idcard == cid)).mappings().one()
    return dict(row)


def serial_for(db: ClinicDatabase, base: int) -> int:
    return (
        base
        + {"sqlite": 0, "mysql": 500}[db.engine.dialect.name]
        + (7 if "utf8" in str(db.engine.url) else 0)
    )


def test_a_first_card_writes_what_jhcis_writes(db: ClinicDatabase) -> None:
    who = card(serial_for(db, 830000))
    photo = PHOTO.read_bytes()
    check_in(db, who, f"first-{who.cid}", photo=photo)
    row = person_row(db, who.cid)
    assert (row["fname"], row["fnameeng"], row["lnameeng"], row["prenameeng"]) == (
        "ทดสอบ",
        "Thotsop",
        "Batprachachon",
        "Mr.",
    )
    assert (row["hnomoi"], row["mumoi"]) == ("99/9", "04")
    assert (row["provcodemoi"], row["distcodemoi"], row["subdistcodemoi"]) == ("73", "01", "99")
    key = (row["pcucodeperson"], row["pid"])
    with db.engine.connect() as conn:
        contact = (
            conn.execute(
                select(t.personaddresscontact).where(
                    t.personaddresscontact.c.pcucodeperson == key[0],
                    t.personaddresscontact.c.pid == key[1],
                )
            )
            .mappings()
            .one()
        )
        stored = conn.execute(
            select(t.personimages.c.photo).where(
                t.personimages.c.pcucodeperson == key[0], t.personimages.c.pid == key[1]
            )
        ).scalar()
        card_row = conn.execute(
            select(kiosk_person_card).where(kiosk_person_card.c.pid == key[1])
        ).first()
    assert (contact["hno"], contact["mu"], contact["provcode"], contact["subdistcode"]) == (
        "99/9",
        "04",
        "73",
        "99",
    )
    assert stored == photo  # byte-identical to the card's JPEG
    assert card_row is None  # nothing cut, nothing unresolved

    # A second visit changes none of it, even with another photo.
    before = person_row(db, who.cid)
    check_in(db, who, f"second-{who.cid}", photo=b"\xff\xd8another")
    assert person_row(db, who.cid) == before
    with db.engine.connect() as conn:
        again = conn.execute(
            select(t.personimages.c.photo).where(t.personimages.c.pid == key[1])
        ).scalar()
    assert again == photo


def test_no_photo_without_consent_and_an_unknown_area_is_reported(db: ClinicDatabase) -> None:
    who = card(serial_for(db, 831000), district="ไม่มีในตาราง", subdistrict="ไม่มีเช่นกัน")
    check_in(db, who, f"area-{who.cid}")  # no photo: the consent setting is off
    row = person_row(db, who.cid)
    assert row["provcodemoi"] == "73" and row["distcodemoi"] is None
    assert row["subdistcodemoi"] is None  # never guessed below an unknown district
    with db.engine.connect() as conn:
        photos = conn.execute(
            select(t.personimages.c.pid).where(t.personimages.c.pid == row["pid"])
        ).all()
        reported = conn.execute(
            select(kiosk_person_card.c.unresolved_area).where(kiosk_person_card.c.pid == row["pid"])
        ).scalar()
    assert photos == []
    assert reported == "district,subdistrict"


def test_a_known_person_gets_only_what_their_record_lacks(db: ClinicDatabase) -> None:
    who = card(serial_for(db, 832000))
    check_in(db, who, f"known-{who.cid}")
    row = person_row(db, who.cid)
    with db.engine.begin() as conn:  # as if JHCIS staff had registered them without it
        conn.execute(
            update(t.person)
            .where(t.person.c.pcucodeperson == row["pcucodeperson"], t.person.c.pid == row["pid"])
            .values(fnameeng=None, lnameeng="Keep-This")
        )
    check_in(db, who, f"known2-{who.cid}")
    after = person_row(db, who.cid)
    assert after["fnameeng"] == "Thotsop"  # was empty: filled from the card
    assert after["lnameeng"] == "Keep-This"  # JHCIS's own value stays


def test_a_year_only_birth_keeps_its_year(db: ClinicDatabase) -> None:
    who = card(serial_for(db, 833000), birth=None, birth_year=1937)
    done = check_in(db, who, f"year-{who.cid}")
    stored = person_row(db, who.cid)["birth"]
    assert stored == PartialDate(1937)
    found = db.find_person_by_cid(who.cid)
    assert found is not None and found.birth == PartialDate(1937)
    assert age_on(found.birth, AT.date()) == 89  # the age rules see the year
    assert done is not None


@pytest.mark.integration
def test_no_zero_in_date_keeps_the_year_aside(jhcis_mariadb_tis620_url: str) -> None:
    mode = quote("SET SESSION sql_mode='STRICT_TRANS_TABLES,NO_ZERO_IN_DATE'")
    db = ClinicDatabase.from_url(f"{jhcis_mariadb_tis620_url}?init_command={mode}")
    try:
        assert not db.profile.zero_in_date_ok
        who = card(834001, birth=None, birth_year=1941)
        check_in(db, who, f"nozero-{who.cid}")
        row = person_row(db, who.cid)
        assert row["birth"] is None
        with db.engine.connect() as conn:
            kept = conn.execute(
                select(kiosk_person_card.c.birth_year).where(kiosk_person_card.c.pid == row["pid"])
            ).scalar()
        assert kept == 1941
    finally:
        db.dispose()


def test_nhso_right_registers_walkins_and_updates_known_people_only_when_asked(
    db: ClinicDatabase,
) -> None:
    from integrations.jhcis.own_tables import kiosk_person_right

    nhso = {"main_inscl": "UCS", "sub_inscl": "89", "nhso_hosmain": "99900",
            "nhso_hossub": "99901"}  # fmt: skip
    walkin = card(serial_for(db, 835000))
    check_in(db, walkin, f"right-{walkin.cid}", **nhso)
    found = db.find_person_by_cid(walkin.cid)
    assert found is not None
    assert (found.rightcode, found.hosmain, found.hossub) == ("89", "99900", "99901")

    # Known now; NHSO answers another right. Off (the default): JHCIS's record stays.
    other = {**nhso, "sub_inscl": "74", "nhso_hossub": "99900"}
    check_in(db, walkin, f"right2-{walkin.cid}", **other)
    kept = db.find_person_by_cid(walkin.cid)
    assert kept is not None and (kept.rightcode, kept.hossub) == ("89", "99901")
    # On: updated as JHCIS's button does, the old values kept for an undo; the visit
    # opened in the same check-in carries the new right.
    done = check_in(db, walkin, f"right3-{walkin.cid}", update_person_right=True, **other)
    updated = db.find_person_by_cid(walkin.cid)
    assert updated is not None and (updated.rightcode, updated.hossub) == ("74", "99900")
    with db.engine.connect() as conn:
        log = (
            conn.execute(select(kiosk_person_right).where(kiosk_person_right.c.pid == updated.pid))
            .mappings()
            .all()
        )
        visit_right = conn.execute(
            select(t.visit.c.rightcode).where(t.visit.c.visitno == done.visit.visitno)
        ).scalar()
    assert [
        (r["old_rightcode"], r["new_rightcode"], r["old_hossub"], r["new_hossub"]) for r in log
    ] == [("89", "74", "99901", "99900")]
    assert visit_right == "74"
    # An NHSO unit JHCIS's chospital lacks is not written (the foreign key would refuse it).
    check_in(db, walkin, f"right4-{walkin.cid}", update_person_right=True,
             **{**other, "nhso_hosmain": "12345"})  # fmt: skip
    after = db.find_person_by_cid(walkin.cid)
    assert after is not None and after.hosmain == "99900"


def test_a_pid_given_again_after_jhcis_deleted_its_person_starts_clean(
    db: ClinicDatabase,
) -> None:
    """MAX+1 gives a deleted person's pid to the next walk-in: what the kiosk kept for the
    first (kiosk_person_card) and their photo are written over, never a collision."""
    long_first = "ปรารถนาดีศรีสุวรรณภูมิพิพัฒน์มงคล"
    first = card(serial_for(db, 836000), first_name=long_first, district="ไม่มี")
    check_in(db, first, f"gone-{first.cid}", photo=b"\xff\xd8first")
    gone = person_row(db, first.cid)
    with db.engine.begin() as conn:  # staff delete the newest person in JHCIS
        key = (t.visit.c.pcucodeperson == gone["pcucodeperson"]) & (t.visit.c.pid == gone["pid"])
        conn.execute(t.visit.delete().where(key))
        conn.execute(t.personaddresscontact.delete().where(
            t.personaddresscontact.c.pid == gone["pid"]))  # fmt: skip
        conn.execute(t.person.delete().where(t.person.c.idcard == first.cid))
    second = card(serial_for(db, 837000), first_name=long_first + "ก")
    check_in(db, second, f"again-{second.cid}", photo=b"\xff\xd8second")
    row = person_row(db, second.cid)
    assert row["pid"] == gone["pid"]  # the same number, given again
    with db.engine.connect() as conn:
        note = (
            conn.execute(select(kiosk_person_card).where(kiosk_person_card.c.pid == row["pid"]))
            .mappings()
            .one()
        )
        photo = conn.execute(
            select(t.personimages.c.photo).where(t.personimages.c.pid == row["pid"])
        ).scalar()
    assert note["first_name"] == long_first + "ก" and note["unresolved_area"] is None
    assert photo == b"\xff\xd8second"


def test_a_stale_person_key_never_opens_a_visit_for_someone_else(db: ClinicDatabase) -> None:
    one = card(serial_for(db, 838000))
    other = card(serial_for(db, 839000))
    check_in(db, one, f"one-{one.cid}")
    key = person_row(db, one.cid)
    # A request that carries one's key but other's card (one's record was deleted and
    # the number reused, or a journal entry outlived it): the card decides.
    done = check_in(db, other, f"other-{other.cid}", person=(key["pcucodeperson"], key["pid"]))
    assert done.person.cid == other.cid and done.person.pid != key["pid"]
    assert person_row(db, one.cid)["fnameeng"] == "Thotsop"  # one's record untouched
