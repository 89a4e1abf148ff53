"""The error taxonomy: stable unique codes, two languages, no personal data."""

from __future__ import annotations

import pytest

from common.errors import BilingualError
from integrations.nhso import errors
from integrations.nhso.errors import ALL_ERRORS, error_for_message


def test_codes_are_unique_and_namespaced() -> None:
    codes = [cls.code for cls in ALL_ERRORS]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("nhso.") for code in codes)


@pytest.mark.parametrize("cls", ALL_ERRORS)
def test_every_error_speaks_thai_and_english(cls: type[errors.NhsoError]) -> None:
    error = cls("endpoint/{pid}: HTTP 500")
    assert isinstance(error, BilingualError)
    assert error.th and error.en and error.th != error.en
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in error.th)
    assert set(error.as_dict()) == {"error_code", "message_th", "message_en"}
    assert error.as_dict()["error_code"] == cls.code


def test_issue_list_is_covered() -> None:
    expected = {
        "nhso.agent_not_running",
        "nhso.no_reader",
        "nhso.no_card",
        "nhso.no_rights",
        "nhso.already_authenticated",
        "nhso.token_invalid",
        "nhso.rate_limited",
        "nhso.timeout",
        "nhso.unavailable",
        "nhso.malformed_response",
        "nhso.deceased",
        "nhso.invalid_cid",
    }
    assert expected <= {cls.code for cls in ALL_ERRORS}


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("Invalid Token", errors.TokenInvalid),
        ("เลขประจำตัวประชาชนที่บันทึกเบิก มีสถานะเสียชีวิตแล้ว", errors.Deceased),
        ("มีสถานะเสียชีวิตแล้ว", errors.Deceased),
        ("เลขประจำตัวประชาชนของผู้รับบริการ ใช้ไม่ได้ หรือไม่มี", errors.InvalidCid),
        ("ไม่สามารถเลือกบริการซ้ำใน 1 วัน", errors.AlreadyAuthenticated),
        ("กรณีไม่สามารถ Authen ซ้ำในวันเดียวกันมากกว่า 2 ครั้ง", errors.AlreadyAuthenticated),
        ("ไม่พบ hcode ที่ระบุ", errors.InvalidRequest),
        ("พบการบันทึก transactionId ซ้ำภายในฐานข้อมูล", errors.InvalidRequest),
    ],
)
def test_nhso_texts_map_to_the_taxonomy(message: str, cls: type[errors.NhsoError]) -> None:
    assert error_for_message(message) is cls


def test_errors_keep_attached_data_out_of_their_text() -> None:
    from integrations.nhso.models import AuthenResult, Rights

    rights = Rights(cid="1909900123450", first_name="ทดสอบ", last_name="ใจดีสาธิต")
    no_rights = errors.NoRights("read: no claim types", rights=rights)
    assert no_rights.rights is rights
    already = errors.AlreadyAuthenticated("dup", existing=[AuthenResult(claim_code="PP1234567890")])
    for error in (no_rights, already):
        text = str(error) + repr(error.args)
        assert "1909900123450" not in text and "ทดสอบ" not in text
