"""Contract tests: every JSON sample of reference/nhso-api.md, and the variants it lists."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from integrations.nhso.models import (
    AgentCardOnly,
    AgentRead,
    AuthenCodeRequest,
    AuthenCodeResponse,
    CancelClaimRequest,
    CancelClaimResponse,
    ClaimDetailRequest,
    ClaimDetailResponse,
    ConfirmSaveRequest,
    ConfirmSaveResponse,
    Hospital,
    RealPerson,
    SaveAsDraftResponse,
    SpringError,
    WireTerminal,
    parse_authen_status,
    parse_latest,
    split_inscl,
)

FIXTURES = Path(__file__).with_name("fixtures")


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_ucs_read_sample_normalizes_fully() -> None:
    rights = AgentRead.model_validate(load("agent_read_ucs.json")).to_rights()
    assert rights.cid == "1279900273113"
    assert rights.title_code == "001"
    assert (rights.first_name, rights.last_name) == ("ณัฐชานน", "ทรัพย์มีชัย")
    assert rights.birth_date == dt.date(2005, 3, 20)  # BE 2548 -> CE 2005
    assert rights.sex == "male"
    assert rights.main_inscl_code == "UCS"
    assert rights.main_inscl_name == "สิทธิหลักประกันสุขภาพแห่งชาติ"
    assert (rights.sub_inscl_code, rights.sub_inscl_name) == ("89", "ช่วงอายุ 12-59 ปี")
    assert rights.hosp_main == Hospital(hcode="10699", hname="รพร.สระแก้ว")
    assert rights.hosp_sub == Hospital(hcode="77702", hname="ศสช.เมืองตำบลสระแก้ว")
    assert rights.hosp_main_op is not None
    assert rights.paid_model == "1"
    # The sample elides the rest of the list with "..."; only real entries remain.
    assert [c.code for c in rights.claim_types] == ["PG0060001"]
    assert rights.correlation_id == "4f376187-557c-497d-8377-b6a27d992537"
    assert rights.checked_at == dt.datetime(2025, 11, 7, 17, 26, 31)
    assert rights.expires_at == dt.datetime(2065, 3, 19, 23, 59, 59)


def test_sss_read_has_hosp_main_only() -> None:
    rights = AgentRead.model_validate(load("agent_read_sss.json")).to_rights()
    assert rights.main_inscl_code == "SSS"
    assert rights.hosp_main == Hospital(hcode="10001", hname="รพ.คู่สัญญาประกันสังคม")
    assert rights.hosp_sub is None and rights.hosp_main_op is None and rights.paid_model is None
    assert len(rights.claim_types) == 3


def test_ofc_read_without_hospitals_or_expiry_and_partial_birth_date() -> None:
    rights = AgentRead.model_validate(load("agent_read_ofc.json")).to_rights()
    assert rights.main_inscl_code == "OFC"
    assert rights.hosp_main is None and rights.hosp_sub is None
    assert rights.expires_at is None
    assert rights.sex == "female"
    # "24950000": year only -> no exact date, the partial one kept.
    assert rights.birth_date is None
    assert rights.birth_date_partial == "1952"


def test_cli_dict_is_exactly_the_contract() -> None:
    rights = AgentRead.model_validate(load("agent_read_ucs.json")).to_rights()
    out = rights.cli_dict()
    assert list(out) == [
        "cid",
        "title_code",
        "first_name",
        "last_name",
        "birth_date",
        "sex",
        "main_inscl_code",
        "main_inscl_name",
        "sub_inscl_code",
        "sub_inscl_name",
        "hosp_main",
        "hosp_sub",
        "claim_types",
        "correlation_id",
    ]
    assert out["birth_date"] == "2005-03-20"
    assert out["hosp_main"] == {"hcode": "10699", "hname": "รพร.สระแก้ว"}
    assert out["claim_types"] == [
        {"code": "PG0060001", "name": "เข้ารับบริการรักษาทั่วไป (OPD/ IPD/ PP)"}
    ]
    ofc = AgentRead.model_validate(load("agent_read_ofc.json")).to_rights().cli_dict()
    assert ofc["hosp_main"] is None and ofc["hosp_sub"] is None and ofc["birth_date"] is None


def test_read_without_claim_types_key_means_none() -> None:
    data = load("agent_read_ofc.json")
    del data["claimTypes"]
    assert AgentRead.model_validate(data).to_rights().claim_types == []
    data["claimTypes"] = None
    assert AgentRead.model_validate(data).to_rights().claim_types == []


def test_read_card_only_and_terminals() -> None:
    card = AgentCardOnly.model_validate(load("agent_read_card_only.json")).to_card()
    assert card.cid == "1279900273113" and card.birth_date == dt.date(2005, 3, 20)
    terminals = [WireTerminal.model_validate(t).to_terminal() for t in load("agent_terminals.json")]
    assert terminals[0].card_present is True
    assert terminals[0].name.startswith("Generic")


def test_confirm_save_request_round_trips_and_omits_absent_optionals() -> None:
    sample = load("agent_confirm_save_request.json")
    request = ConfirmSaveRequest.model_validate(sample)
    assert request.body() == sample
    minimal = ConfirmSaveRequest.model_validate(
        {k: sample[k] for k in ("pid", "claimType", "mobile", "correlationId")}
    )
    assert set(minimal.body()) == {"pid", "claimType", "mobile", "correlationId"}


def test_confirm_save_response_sample_and_filled() -> None:
    elided = ConfirmSaveResponse.model_validate(load("agent_confirm_save_response.json"))
    result = elided.to_result()
    assert result.claim_code == "PP1085593400"
    assert result.created_at is None  # "2024-…T…" is not a date: kept as unknown
    filled = ConfirmSaveResponse.model_validate(load("agent_confirm_save_response_filled.json"))
    assert filled.to_result(hcode="11272").created_at == dt.datetime(2024, 3, 16, 15, 38, 0, 123000)


def test_spring_errors() -> None:
    assert SpringError.model_validate(load("agent_error_400.json")).human_message() == (
        "must not be null"
    )
    error_500 = SpringError.model_validate(load("agent_error_500.json"))
    assert error_500.status == 500 and error_500.human_message() == "No card present"


def test_save_as_draft_has_no_claim_code() -> None:
    draft = SaveAsDraftResponse.model_validate(load("agent_save_as_draft_response.json"))
    assert draft.claim_type == "PG0060001"


def test_latest_authen_code_object_list_and_empty() -> None:
    one = parse_latest(load("agent_latest_authen_code.json"))
    assert [r.claim_code for r in one] == ["PP1001458547"]
    assert one[0].created_at == dt.datetime(2024, 3, 16, 15, 38)
    assert one[0].existing is True
    five = parse_latest(load("agent_latest_5.json"))
    assert [r.claim_code[:2] for r in five] == ["PP", "EP", "PP"]
    assert parse_latest({}) == []
    assert parse_latest(None) == []
    assert parse_latest({"claimType": "PG0060001"}) == []  # no claimCode: no authen
    with pytest.raises(ValueError, match="object or a list"):
        parse_latest("PP1")


def test_check_authen_status_v11_sample() -> None:
    status = parse_authen_status(load("status_v11.json"))
    assert status.status_authen is True
    (history,) = status.histories
    assert history.claim_code == "PP1085593400"
    assert history.hcode == "14972"
    assert history.service_code == "PG0060001"
    assert history.service_datetime == dt.datetime(2023, 3, 16, 15, 38)
    assert history.source_channel == "ENDPOINT"
    assert history.as_authen().claim_type == "PG0060001"


def test_check_authen_status_string_false_and_null_histories() -> None:
    status = parse_authen_status(load("status_not_found_string_false.json"))
    assert status.status_authen is False and status.histories == []
    assert status.message == "ไม่พบข้อมูลการ authen"


def test_check_authen_status_legacy_flat_shape() -> None:
    status = parse_authen_status(load("status_legacy_flat.json"))
    assert status.status_authen is True
    (history,) = status.histories
    assert (history.hcode, history.service_code) == ("14972", "PG0060001")
    assert history.service_datetime == dt.datetime(2023, 3, 16)


def test_check_authen_status_old_results_string_shape() -> None:
    status = parse_authen_status(load("status_old_results_string.json"))
    assert status.status_authen is True
    assert [(h.hcode, h.claim_code) for h in status.histories] == [("14972", "PP1085593400")]


def test_check_authen_status_rejects_other_shapes() -> None:
    with pytest.raises(ValueError, match="check-authen-status"):
        parse_authen_status({"foo": 1})
    with pytest.raises(ValueError, match="object"):
        parse_authen_status([])


def test_realperson_migration_note_shape() -> None:
    person = RealPerson.model_validate(load("realperson_x15.json"))
    rights = person.to_rights("1234567890123", [])
    assert rights.main_inscl_code == "UCS"
    assert rights.main_inscl_name == "หลักประกันสุขภาพถ้วนหน้า (บัตรทอง)"
    assert rights.birth_date == dt.date(1978, 1, 15)
    assert rights.sex == "male"
    assert rights.hosp_main == Hospital(hcode="10702", hname="โรงพยาบาลชัยภูมิ")
    assert rights.hosp_sub is not None


def test_realperson_doc_shape_with_be_birth_and_hosp_new() -> None:
    person = RealPerson.model_validate(load("realperson_doc_sss.json"))
    rights = person.to_rights("3100000000039", [])
    assert rights.main_inscl_code == "SSS"
    assert rights.birth_date is None and rights.birth_date_partial == "1977-05"
    assert rights.hosp_main == Hospital(hcode="10001", hname="รพ.คู่สัญญาประกันสังคม")
    deceased = RealPerson.model_validate(load("realperson_deceased.json"))
    assert deceased.data_error is not None and "เสียชีวิต" in deceased.data_error


def test_authen_code_request_and_responses() -> None:
    sample = load("authencode_request.json")
    assert AuthenCodeRequest.model_validate(sample).body() == sample
    ok = AuthenCodeResponse.model_validate(load("authencode_response.json"))
    assert ok.authen_code == "PP1085593400" and ok.data_error is None
    dup = AuthenCodeResponse.model_validate(load("authencode_response_duplicate.json"))
    assert dup.authen_code is None and dup.data_error


def test_close_right_request_and_responses() -> None:
    sample = load("claim_detail_request.json")
    assert ClaimDetailRequest.model_validate(sample).body() == sample
    ok = ClaimDetailResponse.model_validate(load("claim_detail_response.json"))
    assert (ok.seq, ok.authen_code) == (10000001, "EP1085593401")
    bad = ClaimDetailResponse.model_validate(load("claim_detail_response_error.json"))
    assert bad.seq is None and bad.data_error
    cancel = load("claim_cancel_request.json")
    assert CancelClaimRequest.model_validate(cancel).body() == cancel
    assert (
        CancelClaimResponse.model_validate(load("claim_cancel_response.json")).to_result().cancelled
    )
    failed = CancelClaimResponse.model_validate(load("claim_cancel_response_error.json"))
    assert failed.to_result().cancelled is False
    assert failed.to_result().message == "ไม่พบ seq ที่ระบุ"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(UCS) สิทธิหลักประกันสุขภาพแห่งชาติ", ("UCS", "สิทธิหลักประกันสุขภาพแห่งชาติ")),
        ("(89) ช่วงอายุ 12-59 ปี", ("89", "ช่วงอายุ 12-59 ปี")),
        ("UCS", ("UCS", None)),
        ("สิทธิข้าราชการ", (None, "สิทธิข้าราชการ")),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_inscl(raw: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_inscl(raw) == expected


@pytest.mark.parametrize(
    ("raw", "date", "partial"),
    [
        ("25480320", dt.date(2005, 3, 20), "2005-03-20"),
        ("25480300", None, "2005-03"),
        ("25480000", None, "2005"),
        ("00000000", None, None),
        ("", None, None),
    ],
)
def test_be_birth_dates_with_zero_parts(
    raw: str, date: dt.date | None, partial: str | None
) -> None:
    data = load("agent_read_ucs.json") | {"birthDate": raw}
    rights = AgentRead.model_validate(data).to_rights()
    assert (rights.birth_date, rights.birth_date_partial) == (date, partial)
