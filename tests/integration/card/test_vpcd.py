"""The reader, the monitor and the CLI through real pcscd + vsmartcard-vpcd.

The virtual card (hardware.card.virtual) plays the card in a vpcd slot; pcscd
learns of insertions and removals by polling, so waits are short, bounded polls.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.logs import redact
from hardware.card import cli
from hardware.card.applet import Fault
from hardware.card.errors import (
    BadResponse,
    CardError,
    CardMalformed,
    CardReadFailed,
    CardRemoved,
    InvalidCid,
    NoCard,
    NoReader,
    NotThaiIdCard,
)
from hardware.card.monitor import CardEventKind, CardMonitor
from hardware.card.pcsc import PcscContext, wait_for_card
from hardware.card.profile import DEMO_PROFILE, CardProfile
from hardware.card.reader import ThaiIdCardReader, read_card
from hardware.card.virtual import VirtualCard
from tests.conftest import vpcd_slot_lock

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
DEMO = CardProfile.load(DEMO_PROFILE)
DEMO_CID = "1909900123450"
EXPECTED_DEMO: dict[str, object] = {
    "cid": "1909900123450",
    "title_th": "นาย",
    "first_name_th": "ทดสอบ",
    "middle_name_th": "",
    "last_name_th": "ใจดีสาธิต",
    "title_en": "Mr.",
    "first_name_en": "Thotsop",
    "middle_name_en": "",
    "last_name_en": "Jaidee-Sathit",
    "birth_date": "1980-04-15",
    "sex": "male",
    "issuer": "อำเภอเมืองนครปฐม/นครปฐม",
    "issue_date": "2023-02-01",
    "expire_date": "2031-04-14",
    "address": {
        "house_no": "99/9",
        "moo": "หมู่ที่ 4",
        "soi": "",
        "road": "",
        "subdistrict": "ตำบลทดลองสาธิต",
        "district": "อำเภอเมืองนครปฐม",
        "province": "จังหวัดนครปฐม",
    },
}


@pytest.fixture
def slot(vpcd_ports: list[int]) -> Iterator[tuple[int, str]]:
    """Slot 0's port and its PC/SC reader name, empty and ours for the test.

    vpcd serves one card per slot, so test runs started at the same time (two
    developers, or a developer and CI on one machine) take turns through a lock file.
    """
    port = vpcd_ports[0]
    reader = f"Virtual PCD 00 {port - 35963:02d}"
    with vpcd_slot_lock(port, reader):
        if not wait_for_card(reader, present=False, timeout_s=5):
            pytest.fail(f"{reader} holds a card before the test: another virtual card is running")
        yield port, reader


Insert = Callable[..., VirtualCard]


@pytest.fixture
def insert(slot: tuple[int, str]) -> Iterator[Insert]:
    """Put a virtual card in the slot and wait until pcscd reports it."""
    cards: list[VirtualCard] = []

    def _insert(profile: CardProfile = DEMO, **options: object) -> VirtualCard:
        card = VirtualCard(profile, port=slot[0], **options)  # type: ignore[arg-type]
        cards.append(card)
        card.start()
        assert wait_for_card(slot[1], present=True, timeout_s=5)
        return card

    yield _insert
    for card in cards:
        card.stop()
    wait_for_card(slot[1], present=False, timeout_s=3)


def test_read_identity_without_photo(slot: tuple[int, str], insert: Insert) -> None:
    card = insert()
    reader = ThaiIdCardReader(slot[1])
    data = reader.read()
    assert data.to_json_dict() == EXPECTED_DEMO
    assert data.photo is None
    assert reader.last_exchanges == 7
    assert card.exchanges == 7
    # names read from a card are masked by the log filter from now on
    assert redact("patient ใจดีสาธิต / Jaidee-Sathit") == "patient [NAME] / [NAME]"


def test_read_with_photo_and_reader_chosen_by_card(slot: tuple[int, str], insert: Insert) -> None:
    insert()
    data = read_card(None, photo=True)  # no name: the reader that holds a card
    assert data.photo == DEMO.photo
    assert data.cid == DEMO_CID


def test_lifetime_card_with_year_only_birth(slot: tuple[int, str], insert: Insert) -> None:
    elder = CardProfile.from_dict(
        {
            "cid": "1101700207030",
            "title_th": "นาง",
            "first_name_th": "ทองดี",
            "last_name_th": "ทดลอง",
            "birth_date": "24800000",
            "sex": "female",
            "issue_date": "25600000",
            "expire_date": "99999999",
        }
    )
    insert(elder)
    data = read_card(slot[1]).to_json_dict()
    assert data["birth_date"] == "1937"
    assert data["expire_date"] is None
    assert data["issue_date"] == "2017-01-01"
    assert data["sex"] == "female"
    assert data["title_en"] == "" and data["address"]["province"] == ""


def test_get_response_variant_for_3b67_card(slot: tuple[int, str], insert: Insert) -> None:
    old = CardProfile.from_dict(
        {"cid": "1101700207030", "first_name_th": "ก", "atr": "3B 67 00 00 2D 20 36 00 78 90 00"}
    )
    insert(old)
    assert read_card(slot[1]).cid == "1101700207030"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.WRONG_SW, CardReadFailed),
        (Fault.SHORT_READ, BadResponse),
        (Fault.MALFORMED, BadResponse),
        (Fault.GARBAGE, CardMalformed),
        (Fault.BAD_CID, InvalidCid),
        (Fault.NOT_THAI, NotThaiIdCard),
        (Fault.DROP, CardRemoved),
    ],
)
def test_faulty_cards_give_typed_errors(
    slot: tuple[int, str], insert: Insert, fault: Fault, error: type[CardError]
) -> None:
    insert(fault=fault)
    with pytest.raises(error) as info:
        read_card(slot[1], photo=True)
    assert info.value.th and info.value.en
    assert DEMO_CID not in str(info.value)


def test_card_pulled_mid_read(slot: tuple[int, str], insert: Insert) -> None:
    card = insert(latency_ms=20)  # a photo read now takes about a second
    outcome: list[BaseException | object] = []

    def read() -> None:
        try:
            outcome.append(read_card(slot[1], photo=True))
        except CardError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=read)
    worker.start()
    deadline = time.monotonic() + 5
    while card.exchanges < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    card.remove()
    worker.join(10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], CardRemoved)


def test_no_card_and_no_reader(slot: tuple[int, str]) -> None:
    with pytest.raises(NoCard):
        read_card(slot[1])
    with pytest.raises(NoReader):
        read_card("No Such Reader 99")


def test_read_while_another_program_holds_the_card(slot: tuple[int, str], insert: Insert) -> None:
    """SHARED mode: the NHSO agent keeping a connection open does not block us."""
    insert()
    with PcscContext() as other, other.connect(slot[1]) as held:
        assert held.atr == DEMO.atr
        assert read_card(slot[1]).cid == DEMO_CID


def test_monitor_reports_insert_and_remove(slot: tuple[int, str]) -> None:
    card = VirtualCard(DEMO, port=slot[0])
    try:
        with CardMonitor(slot[1], settle_s=0.2, poll_s=0.5) as monitor:
            assert monitor.wait_event(0.6) is None  # empty slot: nothing to report
            card.start()
            inserted = monitor.wait_event(5)
            assert inserted is not None and inserted.kind is CardEventKind.INSERTED
            assert inserted.reader == slot[1] and inserted.atr == DEMO.atr
            assert read_card(slot[1]).cid == DEMO_CID
            card.remove()
            removed = monitor.wait_event(5)
            assert removed is not None and removed.kind is CardEventKind.REMOVED
            card.insert()
            again = monitor.wait_event(5)
            assert again is not None and again.kind is CardEventKind.INSERTED
            started = time.monotonic()
        assert time.monotonic() - started < 2  # stop() does not wait out a long poll
    finally:
        card.stop()


def test_monitor_callback_and_card_present_at_start(slot: tuple[int, str], insert: Insert) -> None:
    insert()
    seen: list[CardEventKind] = []
    got = threading.Event()

    def on_event(event: object) -> None:
        seen.append(event.kind)  # type: ignore[attr-defined]
        got.set()

    with CardMonitor(slot[1], settle_s=0.1, on_event=on_event):
        assert got.wait(5)
    assert seen == [CardEventKind.INSERTED]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_read_json_contract(
    slot: tuple[int, str], insert: Insert, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    insert()
    photo = tmp_path / "face.jpg"
    code, out, _ = _cli(capsys, "read", "--reader", slot[1], "--json", "--photo", str(photo))
    assert code == 0
    assert json.loads(out) == EXPECTED_DEMO
    assert list(json.loads(out)) == list(EXPECTED_DEMO)
    assert photo.read_bytes() == DEMO.photo
    assert photo.stat().st_mode & 0o077 == 0  # a face is personal data
    code, out, _ = _cli(capsys, "read", "--reader", slot[1], "--json", "--nhso")
    assert code == 0
    assert json.loads(out)["nhso"]["main_hospital"] == "รพ.สต.ทดลองสาธิต"


def test_cli_summary_masks_unless_asked(
    slot: tuple[int, str], insert: Insert, capsys: pytest.CaptureFixture[str]
) -> None:
    insert()
    code, out, _ = _cli(capsys, "read", "--reader", slot[1])
    assert code == 0
    assert "1909900123450" not in out and "ใจดีสาธิต" not in out
    assert "x-xxxx-xxxxx-45-0" in out and "ทดสอบ" in out
    code, out, _ = _cli(capsys, "read", "--reader", slot[1], "--show-pii")
    assert code == 0
    assert "1909900123450" in out and "ใจดีสาธิต" in out


def test_cli_exit_codes(
    slot: tuple[int, str], insert: Insert, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(capsys, "read", "--reader", "No Such Reader 99", "--json")
    assert code == 3
    assert json.loads(out)["error_code"] == "card_no_reader"
    code, _, err = _cli(capsys, "read", "--reader", slot[1])
    assert code == 4
    assert "Please insert your ID card" in err and "กรุณาเสียบบัตร" in err
    insert(fault=Fault.WRONG_SW)
    code, out, _ = _cli(capsys, "read", "--reader", slot[1], "--json")
    assert code == 5
    assert json.loads(out)["error_code"] == "card_read_failed"


def test_simulate_command_with_signals(slot: tuple[int, str]) -> None:
    port, reader = slot
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "hardware.card", "simulate", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for_card(reader, present=True, timeout_s=10)
        result = subprocess.run(
            [sys.executable, "-m", "hardware.card", "read", "--reader", reader, "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["cid"] == DEMO_CID
        process.send_signal(signal.SIGUSR1)
        assert wait_for_card(reader, present=False, timeout_s=5)
        process.send_signal(signal.SIGUSR2)
        assert wait_for_card(reader, present=True, timeout_s=5)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert wait_for_card(reader, present=False, timeout_s=5)


def test_unexpected_failure_is_a_read_error_without_personal_data(
    slot: tuple[int, str], insert: Insert, monkeypatch: pytest.MonkeyPatch
) -> None:
    insert()

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError(f"parser bug near {DEMO_CID} ใจดีสาธิต")

    monkeypatch.setattr("hardware.card.reader.read_card_data", broken)
    with pytest.raises(CardReadFailed) as info:
        read_card(slot[1])
    assert type(info.value) is CardReadFailed
    assert info.value.detail == "RuntimeError"
    assert info.value.__suppress_context__  # the original text never reaches a screen


def test_monitor_command_prints_events(slot: tuple[int, str]) -> None:
    port, reader = slot
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "hardware.card", "monitor", "--reader", reader]
    # A run started in the background (`make test &`) has SIGINT ignored, and a child
    # inherits that and never sees Ctrl-C; a handler here is reset to the default in the
    # child, so the monitor gets Ctrl-C as at a terminal.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [*command, "--settle", "0.1"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    card = VirtualCard(DEMO, port=port)
    try:
        time.sleep(0.5)  # let the monitor take its first look at the empty slot
        card.start()
        assert process.stdout is not None
        inserted = json.loads(process.stdout.readline())
        assert inserted == {"event": "inserted", "reader": reader, "atr": DEMO.atr.hex()}
        card.remove()
        assert json.loads(process.stdout.readline())["event"] == "removed"
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    finally:
        card.stop()
        if process.poll() is None:
            process.kill()
            process.wait()
