import pytest
from smartcard import scard

from hardware.card.errors import (
    CardError,
    CardReadFailed,
    CardRemoved,
    NoReader,
    ReaderServiceDown,
)
from hardware.card.pcsc import CardReset, ReaderBusy, ReaderState, error_for, pick_reader


@pytest.mark.parametrize(
    ("hresult", "error", "exit_code"),
    [
        (scard.SCARD_E_NO_SERVICE, ReaderServiceDown, 3),
        (scard.SCARD_E_SERVICE_STOPPED, ReaderServiceDown, 3),
        (scard.SCARD_E_NO_READERS_AVAILABLE, NoReader, 3),
        (scard.SCARD_E_UNKNOWN_READER, NoReader, 3),
        (scard.SCARD_E_READER_UNAVAILABLE, NoReader, 3),  # unplugged mid-read
        (scard.SCARD_W_REMOVED_CARD, CardRemoved, 5),
        (scard.SCARD_E_SHARING_VIOLATION, ReaderBusy, 5),
        (scard.SCARD_W_RESET_CARD, CardReset, 5),
        (scard.SCARD_E_NOT_TRANSACTED, CardReadFailed, 5),
    ],
)
def test_pcsc_results_map_to_card_errors(
    hresult: int, error: type[CardError], exit_code: int
) -> None:
    result = error_for(hresult, "transmit")
    assert type(result) is error
    assert result.exit_code == exit_code
    assert result.th and result.en
    assert "transmit: 0x" in result.detail


def test_pick_reader_exact_substring_and_missing() -> None:
    readers = ["ACS ACR39U ICC Reader 00 00", "Virtual PCD 00 00"]
    assert pick_reader(readers, None) == readers[0]
    assert pick_reader(readers, "Virtual PCD 00 00") == readers[1]
    assert pick_reader(readers, "acr39") == readers[0]
    with pytest.raises(NoReader):
        pick_reader(readers, "Gemalto")
    with pytest.raises(NoReader):
        pick_reader([], None)


def test_reader_state_flags() -> None:
    present = ReaderState("r", scard.SCARD_STATE_PRESENT | (3 << 16), b"\x3b")
    mute = ReaderState("r", scard.SCARD_STATE_PRESENT | scard.SCARD_STATE_MUTE, b"")
    gone = ReaderState("r", scard.SCARD_STATE_UNAVAILABLE, b"")
    assert present.present and not present.gone
    assert not mute.present
    assert gone.gone and not gone.present
