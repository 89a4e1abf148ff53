"""ThaiIdCardReader's retry policy, with the PC/SC session replaced by a script."""

from __future__ import annotations

import pytest

from common.logs import redact
from hardware.card import reader as reader_module
from hardware.card.apdu import read_card_data
from hardware.card.applet import AppletTransport, ThaiIdApplet
from hardware.card.errors import BadResponse, CardError, CardMalformed, CardRemoved
from hardware.card.model import CardData
from hardware.card.pcsc import CardReset, ReaderBusy
from hardware.card.profile import DEMO_PROFILE, CardProfile

GOOD = read_card_data(AppletTransport(ThaiIdApplet(CardProfile.load(DEMO_PROFILE))))


def _scripted(
    monkeypatch: pytest.MonkeyPatch, outcomes: list[CardError | CardData], retries: int = 1
) -> tuple[reader_module.ThaiIdCardReader, list[int]]:
    calls: list[int] = []
    reader = reader_module.ThaiIdCardReader("any", retries=retries)

    def once(photo: bool, nhso: bool) -> CardData:
        calls.append(1)
        outcome = outcomes.pop(0)
        if isinstance(outcome, CardError):
            raise outcome
        return outcome

    monkeypatch.setattr(reader, "_read_once", once)
    monkeypatch.setattr(reader_module, "RETRY_PAUSE_S", 0)
    return reader, calls


@pytest.mark.parametrize("error", [CardReset("x"), ReaderBusy("x"), BadResponse("x")])
def test_transient_failure_is_retried(monkeypatch: pytest.MonkeyPatch, error: CardError) -> None:
    reader, calls = _scripted(monkeypatch, [error, GOOD])
    assert reader.read() is GOOD
    assert len(calls) == 2
    assert redact("Thotsop") == "[NAME]"  # names of a successful read are registered


def test_retries_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    reader, calls = _scripted(monkeypatch, [BadResponse("a"), BadResponse("b"), GOOD], retries=1)
    with pytest.raises(BadResponse):
        reader.read()
    assert len(calls) == 2


@pytest.mark.parametrize("error", [CardRemoved("x"), CardMalformed("x")])
def test_definite_failures_are_not_retried(
    monkeypatch: pytest.MonkeyPatch, error: CardError
) -> None:
    reader, calls = _scripted(monkeypatch, [error, GOOD])
    with pytest.raises(type(error)):
        reader.read()
    assert len(calls) == 1
