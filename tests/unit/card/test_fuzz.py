"""Hypothesis: no response a card or reader can give makes the parser crash."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.cid import cid_check_digit, is_valid_cid
from common.thaidate import ce_to_be
from hardware.card.apdu import read_card_data
from hardware.card.applet import AppletTransport, ThaiIdApplet
from hardware.card.errors import CardError, CardRemoved
from hardware.card.layout import IDENTITY_FIELDS
from hardware.card.parse import parse_card, parse_card_date, split_address, split_name
from hardware.card.profile import DEMO_PROFILE, CardProfile, build_memory

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEMO = CardProfile.load(DEMO_PROFILE)
DEMO_MEMORY = build_memory(DEMO)


@FAST
@given(st.data())
def test_parse_card_on_random_field_bytes(data: st.DataObject) -> None:
    fields = {
        f: data.draw(st.binary(min_size=f.length, max_size=f.length)) for f in IDENTITY_FIELDS
    }
    try:
        card = parse_card(fields)
    except CardError:
        return
    assert is_valid_cid(card.cid)
    assert card.sex in ("male", "female")


@FAST
@given(st.binary(max_size=120))
def test_text_splitters_never_raise(raw: bytes) -> None:
    assert len(split_name(raw)) == 4
    assert len(split_address(raw).to_json_dict()) == 7


@FAST
@given(st.binary(min_size=8, max_size=8), st.booleans())
def test_card_dates_never_crash(raw: bytes, end: bool) -> None:
    try:
        result = parse_card_date(raw, end_of_period=end)
    except CardError:
        return
    assert result is None or 1857 <= result.year <= 2457


class Scripted:
    """A reader whose answers hypothesis chooses; out of answers = card pulled."""

    atr = bytes.fromhex("3B7996000054484E4944")

    def __init__(self, responses: list[bytes]) -> None:
        self.responses = responses

    def transmit(self, apdu: bytes) -> bytes:
        if not self.responses:
            raise CardRemoved("script ended")
        return self.responses.pop(0)


_sw = st.sampled_from(
    [b"\x90\x00", b"\x61\x00", b"\x61\xff", b"\x61\x0a", b"\x6c\x10", b"\x6b\x00"]
)
_response = st.one_of(
    st.binary(max_size=260), st.tuples(st.binary(max_size=256), _sw).map(lambda t: t[0] + t[1])
)


@FAST
@given(st.lists(_response, max_size=60), st.booleans())
def test_any_response_sequence_gives_data_or_a_card_error(
    responses: list[bytes], photo: bool
) -> None:
    try:
        card = read_card_data(Scripted(responses), photo=photo)
    except CardError:
        return
    assert is_valid_cid(card.cid)


@FAST
@given(st.lists(st.tuples(st.integers(0, 0x15DC), st.integers(0, 255)), min_size=1, max_size=12))
def test_corrupted_card_memory(mutations: list[tuple[int, int]]) -> None:
    applet = ThaiIdApplet(DEMO)
    memory = bytearray(DEMO_MEMORY)
    for offset, value in mutations:
        memory[offset] = value
    applet.memory = bytes(memory)
    try:
        card = read_card_data(AppletTransport(applet), photo=True)
    except CardError:
        return
    assert is_valid_cid(card.cid)


_thai = st.text(
    alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E2E), min_size=1, max_size=20
)
_latin = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-'", max_size=20)


@FAST
@given(
    st.text(alphabet="0123456789", min_size=12, max_size=12),
    _thai,
    _thai,
    _latin,
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    st.sampled_from(["male", "female"]),
    st.booleans(),
)
def test_round_trip_of_generated_cards(
    first12: str,
    first_th: str,
    last_th: str,
    first_en: str,
    birth: dt.date,
    sex: str,
    lifetime: bool,
) -> None:
    cid = first12 + str(cid_check_digit(first12))
    be = f"{ce_to_be(birth.year):04d}{birth.month:02d}{birth.day:02d}"
    profile = CardProfile(
        cid=cid,
        title_th="นาย",
        first_name_th=first_th,
        last_name_th=last_th,
        first_name_en=first_en,
        birth_date=be,
        sex=sex,
        issue_date=be,
        expire_date="99999999" if lifetime else be,
        address={"house_no": "1/2", "province": last_th},
    )
    card = read_card_data(AppletTransport(ThaiIdApplet(profile)))
    assert card.cid == cid
    assert (card.first_name_th, card.last_name_th, card.first_name_en) == (
        first_th,
        last_th,
        first_en.strip(),
    )
    assert card.birth_date is not None and card.birth_date.to_date() == birth
    assert card.issue_date == birth
    assert card.expire_date == (None if lifetime else birth)
    assert card.address.province == last_th and card.address.house_no == "1/2"
    assert card.sex == sex
