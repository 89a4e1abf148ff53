import datetime as dt

from common.thaidate import PartialDate
from hardware.card.apdu import read_card_data
from hardware.card.applet import AppletTransport, ThaiIdApplet
from hardware.card.layout import Field, field_by_field_plan, merge_fields, plan
from hardware.card.model import ADDRESS_KEYS, JSON_KEYS, Address, CardData
from hardware.card.profile import DEMO_PROFILE, CardProfile


def _card(**changes: object) -> CardData:
    values: dict[str, object] = {
        "cid": "1101700207030",
        "title_th": "นาง",
        "first_name_th": "สมศรี",
        "middle_name_th": "",
        "last_name_th": "ใจงาม",
        "title_en": "Mrs.",
        "first_name_en": "Somsri",
        "middle_name_en": "",
        "last_name_en": "Jai-ngam",
        "birth_date": PartialDate(1950),
        "sex": "female",
        "issuer": "กรมการปกครอง",
        "issue_date": dt.date(2020, 1, 2),
        "expire_date": None,
        "address": Address(house_no="5", province="จังหวัดตาก"),
    }
    values.update(changes)
    return CardData(**values)  # type: ignore[arg-type]


def test_json_contract_keys_and_values() -> None:
    data = _card().to_json_dict()
    assert tuple(data) == JSON_KEYS
    assert tuple(data["address"]) == ADDRESS_KEYS
    assert data["birth_date"] == "1950"
    assert data["expire_date"] is None
    assert data["issue_date"] == "2020-01-02"
    assert data["address"]["moo"] == ""


def test_repr_and_str_hide_the_person() -> None:
    card = _card(photo=b"\xff\xd8jpeg")
    for text in (repr(card), str(card), f"{card}"):
        assert "1101700207030" not in text and "สมศรี" not in text
        assert "jpeg" not in text


def test_summary_masks_unless_asked() -> None:
    card = _card()
    masked = card.summary()
    assert "1101700207030" not in masked and "ใจงาม" not in masked and "Jai-ngam" not in masked
    assert "x-xxxx-xxxxx-03-0" in masked and "ตลอดชีพ" in masked
    full = card.summary(show_pii=True)
    assert "1101700207030" in full and "นางสมศรี ใจงาม" in full and "5 จังหวัดตาก" in full


def test_expiry_and_sensitive_values() -> None:
    assert not _card().is_expired(dt.date(2100, 1, 1))  # lifetime
    assert _card(expire_date=dt.date(2024, 1, 1)).is_expired(dt.date(2024, 1, 2))
    assert "ใจงาม" in _card().sensitive_values()


def test_plans_cover_every_field_with_fewer_reads() -> None:
    for photo in (False, True):
        spans = plan(photo=photo)
        assert all(0 < s.length <= 0xFF for s in spans)
        assert len(spans) < len(field_by_field_plan(photo=photo))
    assert len(plan(photo=False)) == 3
    assert len(plan(photo=True)) == 22
    far = merge_fields([Field("a", 0, 10), Field("b", 100, 10)])
    assert [(s.offset, s.length) for s in far] == [(0, 10), (100, 10)]


def test_demo_profile_reads_back() -> None:
    profile = CardProfile.load(DEMO_PROFILE)
    card = read_card_data(AppletTransport(ThaiIdApplet(profile)), photo=True)
    assert card.photo == profile.photo
    assert card.full_name_en == "Mr. Thotsop Jaidee-Sathit"
