import datetime as dt

import pytest

from common.thaidate import PartialDate
from hardware.card.errors import CardMalformed, InvalidCid
from hardware.card.layout import IDENTITY_FIELDS, NAME_TH, PHOTO, SEX, Field
from hardware.card.parse import (
    decode_text,
    extract_photo,
    parse_birth_date,
    parse_card,
    parse_card_date,
    parse_cid,
    parse_sex,
    split_address,
    split_name,
)
from hardware.card.profile import CardProfile, build_memory


def test_decode_text_cp874_with_nbsp_and_padding() -> None:
    raw = "นาย".encode("cp874") + b"\xa0" + b"  \x00\x00"
    assert decode_text(raw) == "นาย"
    assert decode_text(b"\x85\x20") == "…"  # a Windows extra TIS-620 lacks


def test_decode_text_never_raises_on_undecodable_bytes() -> None:
    assert "\ufffd" in decode_text(b"\xdb\xfc A")


def test_split_name_with_empty_middle() -> None:
    raw = "นาย#สมชาย##ใจดี".encode("cp874").ljust(100, b" ")
    assert split_name(raw) == ("นาย", "สมชาย", "", "ใจดี")


def test_split_name_short_and_extra_parts() -> None:
    assert split_name(b"Mr.#John") == ("Mr.", "John", "", "")
    assert split_name(b"Mr.#John##Smith#Jr") == ("Mr.", "John", "", "Smith Jr")


def test_split_address_reference_layout() -> None:
    text = "99/9#หมู่ที่ 4#ซอยสุข#ถนนหลวง##ตำบลบ้านใหม่#อำเภอเมือง#จังหวัดนครปฐม"
    a = split_address(text.encode("cp874").ljust(100, b" "))
    assert (a.house_no, a.moo, a.soi, a.road) == ("99/9", "หมู่ที่ 4", "ซอยสุข", "ถนนหลวง")
    assert (a.subdistrict, a.district, a.province) == (
        "ตำบลบ้านใหม่",
        "อำเภอเมือง",
        "จังหวัดนครปฐม",
    )


def test_split_address_road_in_other_slot_and_fewer_parts() -> None:
    text = "12#หมู่ที่ 1##ถนนสาย 1#ตำบลก#อำเภอข#จังหวัดค"
    a = split_address(text.encode("cp874"))
    assert (a.soi, a.road, a.province) == ("", "ถนนสาย 1", "จังหวัดค")
    empty = split_address(b" " * 100)
    assert empty.to_json_dict() == dict.fromkeys(empty.to_json_dict(), "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"25230415", PartialDate(1980, 4, 15)),
        (b"25230400", PartialDate(1980, 4)),
        (b"25230000", PartialDate(1980)),
        (b"00000000", None),
        (b"        ", None),
    ],
)
def test_birth_dates(raw: bytes, expected: PartialDate | None) -> None:
    assert parse_birth_date(raw) == expected


def test_birth_date_garbage_is_malformed() -> None:
    with pytest.raises(CardMalformed):
        parse_birth_date(b"25A30415")


@pytest.mark.parametrize(
    ("raw", "end", "expected"),
    [
        (b"25740414", True, dt.date(2031, 4, 14)),
        (b"99999999", True, None),  # lifetime card
        (b"25741399", True, dt.date(2031, 12, 31)),  # clamped, never a crash
        (b"25740200", True, dt.date(2031, 2, 28)),
        (b"25740000", False, dt.date(2031, 1, 1)),
        (b"25740231", False, dt.date(2031, 2, 28)),
        (b"00000000", False, None),
    ],
)
def test_card_dates(raw: bytes, end: bool, expected: dt.date | None) -> None:
    assert parse_card_date(raw, end_of_period=end) == expected


def test_sex_and_cid() -> None:
    assert parse_sex(b"1") == "male"
    assert parse_sex(b"2") == "female"
    with pytest.raises(CardMalformed):
        parse_sex(b"3")
    assert parse_cid(b"1101700207030") == "1101700207030"
    with pytest.raises(InvalidCid):
        parse_cid(b"1101700230705")
    with pytest.raises(CardMalformed):
        parse_cid(b"11017002070  ")


def test_invalid_cid_error_does_not_carry_the_number() -> None:
    with pytest.raises(InvalidCid) as info:
        parse_cid(b"1101700230705")
    assert "1101700230705" not in str(info.value)
    assert info.value.th and info.value.en


def test_photo_extraction() -> None:
    jpeg = b"\xff\xd8" + b"\x01" * 50 + b"\xff\xd9"
    assert extract_photo(jpeg + b"\x00" * 100) == jpeg
    assert extract_photo(b"\x00" * 100) is None
    with pytest.raises(CardMalformed):
        extract_photo(b"GIF89a" + b"\x00" * 10)
    with pytest.raises(CardMalformed):
        extract_photo(b"\xff\xd8" + b"\x01" * 20)


def _fields(profile: CardProfile) -> dict[Field, bytes]:
    memory = build_memory(profile)
    return {f: memory[f.offset : f.end] for f in [*IDENTITY_FIELDS, PHOTO]}


def test_parse_card_rejects_missing_and_short_fields() -> None:
    fields = _fields(CardProfile(cid="1101700207030", first_name_th="ก", sex="female"))
    card = parse_card(fields)
    assert card.sex == "female"
    assert card.photo is None
    short = dict(fields)
    short[SEX] = b""
    with pytest.raises(CardMalformed):
        parse_card(short)
    missing = dict(fields)
    del missing[NAME_TH]
    with pytest.raises(CardMalformed):
        parse_card(missing)


def test_parse_card_needs_a_name() -> None:
    with pytest.raises(CardMalformed):
        parse_card(_fields(CardProfile(cid="1101700207030")))
