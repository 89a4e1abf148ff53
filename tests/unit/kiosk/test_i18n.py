"""Every sentence exists in both languages, and every flow outcome has its words."""

from __future__ import annotations

import typing

import pytest

from common.errors import BilingualError
from kiosk import flow as f
from kiosk import ports
from kiosk.i18n import (
    MESSAGES,
    cancelled_message,
    card_error_message,
    counter_message,
    text,
)


def test_every_message_has_thai_and_english() -> None:
    for key, (th, en) in MESSAGES.items():
        assert th.strip() and en.strip(), key
        if key == "toggle_language":  # the button names the other language
            assert (th, en) == ("English", "ภาษาไทย")
            continue
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in th), key
        assert not any("\u0e00" <= ch <= "\u0e7f" for ch in en), key


def test_every_busy_step_and_counter_reason_has_words() -> None:
    for step in f.BUSY_STEPS:
        assert step.value in MESSAGES
    for reason in typing.get_args(f.CounterReason):
        assert counter_message(reason) == f"counter_{reason}"
    assert counter_message(None) == "counter_error"
    assert card_error_message("weird") == "card_unreadable"
    # Cancelled: why, unless the patient touched Cancel themselves.
    reasons = typing.get_args(f.CancelReason)
    assert {r: cancelled_message(r) for r in reasons} == {
        "card_removed": "cancelled_card_removed",
        "cancelled": None,
        "timeout": "cancelled_timeout",
    }


def test_one_name_for_the_claim_code() -> None:
    # "รหัสยืนยันสิทธิ" in Thai, "Authen Code" in English, on the kiosk as on the ticket
    # and in the backoffice (never "claim code", "รหัสยืนยันการเข้ารับบริการ", ...).
    texts = [*MESSAGES.values()]
    texts += [
        (cls.message_th, cls.message_en)
        for cls in vars(ports).values()
        if isinstance(cls, type) and issubclass(cls, BilingualError)
    ]
    for th, en in texts:
        assert "รหัสยืนยันการ" not in th and "claim code" not in th.lower(), th
        assert "claim code" not in en.lower() and "รหัส" not in en, en
    assert any("รหัสยืนยันสิทธิ" in th for th, _ in MESSAGES.values())
    assert any("Authen Code" in en for _, en in MESSAGES.values())


def test_placeholders() -> None:
    assert text("queue_number", "th", queue="L003") == "คิวที่ L003"
    assert text("staff_status", "en", pending=2) == "Waiting to reach JHCIS: 2"


@pytest.mark.parametrize(
    "error",
    [
        cls
        for cls in vars(ports).values()
        if isinstance(cls, type) and issubclass(cls, BilingualError) and cls is not BilingualError
    ],
)
def test_port_failures_are_bilingual_and_say_what_next(error: type[BilingualError]) -> None:
    instance = error()
    assert instance.code != BilingualError.code
    assert instance.th != BilingualError.message_th and instance.en != BilingualError.message_en
    assert "[" + instance.code + "]" in str(instance)
