"""The APDU logic against the in-memory applet and recorded traces."""

from pathlib import Path

import pytest

from hardware.card.apdu import MoiSession, StatusError, get_response_p2, read_card_data
from hardware.card.applet import AppletTransport, Fault, ThaiIdApplet
from hardware.card.errors import (
    BadResponse,
    CardError,
    CardMalformed,
    CardRemoved,
    InvalidCid,
    NotThaiIdCard,
)
from hardware.card.layout import field_by_field_plan, plan
from hardware.card.profile import DEMO_PROFILE, CardProfile
from hardware.card.transport import (
    CountingTransport,
    RecordingTransport,
    ReplayMismatch,
    ReplayTransport,
    Trace,
)

TRACES = Path(__file__).parent / "traces"
DEMO = CardProfile.load(DEMO_PROFILE)


def _card(fault: Fault = Fault.NONE, profile: CardProfile = DEMO) -> CountingTransport:
    return CountingTransport(AppletTransport(ThaiIdApplet(profile, fault)))


def test_identity_read_takes_seven_exchanges() -> None:
    card = _card()
    data = read_card_data(card)
    assert card.exchanges == 7  # SELECT + 3 x (READ + GET RESPONSE)
    assert data.cid == "1909900123450"
    assert data.first_name_th == "ทดสอบ"
    assert data.last_name_en == "Jaidee-Sathit"
    assert data.birth_date is not None and data.birth_date.iso() == "1980-04-15"
    assert data.expire_date is not None and data.expire_date.isoformat() == "2031-04-14"
    assert data.address.province == "จังหวัดนครปฐม"
    assert data.photo is None


def test_photo_read_returns_the_profile_jpeg() -> None:
    card = _card()
    data = read_card_data(card, photo=True)
    assert data.photo == DEMO.photo
    assert card.exchanges == 1 + 2 * len(plan(photo=True))
    assert card.exchanges < 1 + 2 * len(field_by_field_plan(photo=True))


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.WRONG_SW, StatusError),
        (Fault.SHORT_READ, BadResponse),
        (Fault.MALFORMED, BadResponse),
        (Fault.GARBAGE, CardMalformed),
        (Fault.BAD_CID, InvalidCid),
        (Fault.NOT_THAI, NotThaiIdCard),
        (Fault.DROP, CardRemoved),
    ],
)
def test_faults_give_typed_errors(fault: Fault, error: type[CardError]) -> None:
    with pytest.raises(error) as info:
        read_card_data(_card(fault), photo=True)
    assert info.value.th and info.value.en
    assert "1909900123450" not in str(info.value)


def test_get_response_variant_follows_the_atr() -> None:
    assert get_response_p2(bytes.fromhex("3B67000000")) == 0x01
    assert get_response_p2(bytes.fromhex("3B7996000054484E4944")) == 0x00
    assert get_response_p2(b"") == 0x00
    # the applet answers 6B00 to the wrong variant, so this read proves the choice
    old = CardProfile.from_dict(
        {"cid": "1101700207030", "first_name_th": "ก", "atr": "3B 67 00 00 00 00 00"}
    )
    recorder = RecordingTransport(AppletTransport(ThaiIdApplet(old)))
    assert read_card_data(recorder).cid == "1101700207030"
    assert recorder.trace.exchanges[2][0][:4] == bytes.fromhex("00C00001")


def test_select_accepts_9000_and_61xx() -> None:
    class Answers:
        atr = b"\x3b\x79"

        def __init__(self, response: bytes) -> None:
            self.response = response

        def transmit(self, apdu: bytes) -> bytes:
            return self.response

    MoiSession(Answers(b"\x90\x00")).select()
    MoiSession(Answers(b"\x61\x0a")).select()
    with pytest.raises(StatusError):
        MoiSession(Answers(b"\x69\x99")).select()


class _NoLongReads(AppletTransport):
    """A chip that refuses reads longer than 100 bytes (6700)."""

    def transmit(self, apdu: bytes) -> bytes:
        if apdu[:2] == b"\x80\xb0" and apdu[6] > 100:
            return b"\x67\x00"
        return super().transmit(apdu)


def test_refused_combined_read_falls_back_to_field_by_field() -> None:
    card = CountingTransport(_NoLongReads(ThaiIdApplet(DEMO)))
    data = read_card_data(card, photo=False)
    assert data.cid == "1909900123450"
    assert data.last_name_th == "ใจดีสาธิต"
    assert card.exchanges > 7


def test_card_answering_9000_directly_is_read() -> None:
    class T1Card(AppletTransport):
        """Readers that fetch the 61xx data themselves answer data + 9000."""

        def transmit(self, apdu: bytes) -> bytes:
            response = super().transmit(apdu)
            if apdu[:2] == b"\x80\xb0" and response[0] == 0x61:
                return super().transmit(bytes([0, 0xC0, 0, 0, response[1]]))
            return response

    card = CountingTransport(T1Card(ThaiIdApplet(DEMO)))
    assert read_card_data(card).cid == "1909900123450"


@pytest.mark.parametrize(("name", "photo"), [("demo.json", False), ("demo_photo.json", True)])
def test_replay_of_recorded_trace(name: str, photo: bool) -> None:
    trace = Trace.load(TRACES / name)
    replay = ReplayTransport(trace)
    data = read_card_data(replay, photo=photo)
    assert replay.exhausted
    assert data.cid == "1909900123450"
    assert (data.photo == DEMO.photo) if photo else data.photo is None


def test_replay_is_strict_and_a_cut_trace_is_a_removal() -> None:
    trace = Trace.load(TRACES / "demo.json")
    with pytest.raises(ReplayMismatch):
        read_card_data(ReplayTransport(trace), photo=True)  # photo plan differs
    cut = Trace(trace.atr, trace.exchanges[:4])
    with pytest.raises(CardRemoved):
        read_card_data(ReplayTransport(cut))


def test_trace_round_trip() -> None:
    trace = Trace.load(TRACES / "demo.json")
    assert Trace.from_json(trace.to_json()) == trace


def test_nhso_applet_read_in_the_same_session() -> None:
    card = _card()
    data = read_card_data(card, nhso=True)
    assert card.exchanges == 7 + 1 + 4  # + SELECT NHSO + 2 x (READ + GET RESPONSE)
    assert data.nhso is not None
    assert data.nhso.main_inscl.startswith("(UCS)")
    assert data.nhso.change_hospital_count == 0
    assert data.nhso.expire_date is None
    assert data.to_json_dict()["nhso"]["issue_date"] == "2023-02-01"
    assert "nhso" not in read_card_data(_card()).to_json_dict()


def test_card_without_nhso_applet_gives_none() -> None:
    plain = CardProfile(cid="1101700207030", first_name_th="ก")
    data = read_card_data(_card(profile=plain), nhso=True)
    assert data.nhso is None
    assert data.cid == "1101700207030"
