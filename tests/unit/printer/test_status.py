"""Reading DLE EOT replies, checked against python-escpos's own interpretation."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy

from hardware.printer import CoverOpen, PaperOut, PaperState, PrinterOffline, PrinterStatus
from hardware.printer.loopback import _EOT_REPLIES, LoopbackState
from hardware.printer.status import is_status_byte, paper_from_gs_r1

EXPECTED = {
    LoopbackState.READY: (True, PaperState.OK, False, None),
    LoopbackState.NEAR_END: (True, PaperState.NEAR_END, False, None),
    LoopbackState.PAPER_OUT: (False, PaperState.OUT, False, PaperOut),
    LoopbackState.OFFLINE: (False, PaperState.OK, False, PrinterOffline),
    LoopbackState.COVER_OPEN: (False, PaperState.OK, True, CoverOpen),
}


@pytest.mark.parametrize("state", list(EXPECTED))
def test_each_printer_state_reads_back(state: LoopbackState) -> None:
    online, paper, cover, error = EXPECTED[state]
    status = PrinterStatus.from_replies(*_EOT_REPLIES[state])
    assert (status.online, status.paper, status.cover_open) == (online, paper, cover)
    assert status.answered
    if error is None:
        assert status.ready
        status.raise_if_not_ready()
    else:
        assert not status.ready
        with pytest.raises(error):
            status.raise_if_not_ready()


@pytest.mark.parametrize("state", list(EXPECTED))
def test_python_escpos_reads_the_same_replies_the_same_way(state: LoopbackState) -> None:
    replies = iter(_EOT_REPLIES[state][0::3])  # DLE EOT 1, then DLE EOT 4
    dummy = Dummy()
    dummy._read = lambda: bytes([next(replies)])  # type: ignore[method-assign]
    online = dummy.is_online()
    paper = dummy.paper_status()
    ours = PrinterStatus.from_replies(*_EOT_REPLIES[state])
    assert online == ours.online
    assert paper == {PaperState.OK: 2, PaperState.NEAR_END: 1, PaperState.OUT: 0}[ours.paper]


def test_every_reply_byte_has_the_fixed_bits() -> None:
    for replies in _EOT_REPLIES.values():
        assert all(is_status_byte(b) for b in replies)
    assert not is_status_byte(0x00) and not is_status_byte(0xFF)


def test_unknown_and_unreachable() -> None:
    unknown = PrinterStatus.unknown()
    assert unknown.ready and not unknown.answered and unknown.paper is PaperState.UNKNOWN
    unreachable = PrinterStatus.unreachable()
    assert not unreachable.ready
    with pytest.raises(PrinterOffline):
        unreachable.raise_if_not_ready()


def test_paper_out_from_offline_cause_alone() -> None:
    status = PrinterStatus.from_replies(0x1A, 0x32, None, None)
    assert status.paper is PaperState.OUT
    with pytest.raises(PaperOut):
        status.raise_if_not_ready()


def test_gs_r_paper_bits() -> None:
    assert paper_from_gs_r1(0x00) is PaperState.OK
    assert paper_from_gs_r1(0x03) is PaperState.NEAR_END
    assert paper_from_gs_r1(0x0F) is PaperState.OUT


def test_as_dict_is_plain_json() -> None:
    data = PrinterStatus.from_replies(*_EOT_REPLIES[LoopbackState.NEAR_END]).as_dict()
    assert data["paper"] == "near_end" and data["ready"] is True and data["answered"] is True


def test_errors_are_bilingual_and_distinct() -> None:
    codes = set()
    for error in (PrinterOffline(), PaperOut(), CoverOpen()):
        assert error.th and error.en and error.th != error.en
        codes.add(error.code)
    assert len(codes) == 3
