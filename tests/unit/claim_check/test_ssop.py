"""SSOP 0.93: the wrapper, the checksum, the batch's name, rows, keys and sums.

Every rule is shown twice: the hand-made clean batch passes it, one change fails it.
"""

from __future__ import annotations

import pytest

from integrations.claim_check import check_batch
from tests.unit.claim_check.conftest import SsopBatch, found


def test_the_clean_batch_is_clean(ssop: SsopBatch) -> None:
    report = check_batch(ssop.write())
    assert report.kind == "ssop"
    assert report.problems == []
    assert set(report.encodings.values()) == {"windows-874"}


def test_dispensed_items_have_19_fields(ssop: SsopBatch) -> None:
    # the 16-field layout ending in CodeSet that one parser describes
    old = [[*r[:4], *r[5:14], "0", "OP1", "TMT"] for r in ssop.sections["DispensedItems"]]
    ssop.sections["DispensedItems"] = old
    problems = found(check_batch(ssop.write()), "field_count")
    assert {(p.file, p.severity) for p in problems} == {(f"BILLDISP{ssop.date}.txt", "error")}
    assert len(problems) == 2
    assert "19" in problems[0].message_en and "16" in problems[0].message_en


@pytest.mark.parametrize(("field", "value"), [("Amount", "90.00"), ("ClaimAmt", "70.00")])
def test_billtran_totals_are_the_sums_of_its_bill_items(
    ssop: SsopBatch, field: str, value: str
) -> None:
    ssop.set("BILLTRAN", field, value)
    (problem,) = found(check_batch(ssop.write()), "sum_mismatch")
    assert (problem.file, problem.line, problem.field, problem.severity) == (
        f"BILLTRAN{ssop.date}.txt", 11, field, "error",
    )  # fmt: skip
    assert value in problem.message_en and "80.00" in problem.message_en


@pytest.mark.parametrize(("field", "value"), [("ChargeAmt", "31.00"), ("ClaimAmt", "29.00")])
def test_a_dispensings_totals_are_the_sums_of_its_items(
    ssop: SsopBatch, field: str, value: str
) -> None:
    ssop.set("Dispensing", field, value)
    (problem,) = found(check_batch(ssop.write()), "sum_mismatch")
    assert (problem.field, problem.severity) == (field, "error")


def test_itemcnt_counts_the_dispensed_items(ssop: SsopBatch) -> None:
    ssop.set("Dispensing", "Itemcnt", "2")
    (problem,) = found(check_batch(ssop.write()), "count_mismatch")
    assert (problem.field, problem.severity) == ("Itemcnt", "error")


def test_a_line_total_is_quantity_times_unit_price(ssop: SsopBatch) -> None:
    ssop.set("BillItems", "UP", "3.50")
    (problem,) = found(check_batch(ssop.write()), "product_mismatch")
    assert (problem.field, problem.severity) == ("ChargeAmt", "warning")


def test_reccount_counts_the_main_rows(ssop: SsopBatch) -> None:
    ssop.reccount["OPServices"] = "3"
    (problem,) = found(check_batch(ssop.write()), "count_mismatch")
    assert (problem.file, problem.field, problem.severity) == (
        f"OPServices{ssop.date}.txt",
        "RECCOUNT",
        "error",
    )


def test_the_checksum_is_the_md5_of_everything_before_the_endnote(ssop: SsopBatch) -> None:
    ssop.checksum["BILLTRAN"] = "wrong"
    (problem,) = found(check_batch(ssop.write()), "checksum")
    assert (problem.file, problem.severity) == (f"BILLTRAN{ssop.date}.txt", "error")


def test_a_lowercase_checksum_is_a_warning(ssop: SsopBatch) -> None:
    ssop.checksum["BILLDISP"] = "lower"
    report = check_batch(ssop.write())
    assert [(p.code, p.severity, p.file) for p in report.problems] == [
        ("checksum_case", "warning", f"BILLDISP{ssop.date}.txt")
    ]


def test_a_checksum_without_the_last_line_end_is_a_warning(ssop: SsopBatch) -> None:
    ssop.checksum["OPServices"] = "short"
    report = check_batch(ssop.write())
    assert [(p.code, p.severity) for p in report.problems] == [("checksum_scope", "warning")]


def test_a_file_without_endnote(ssop: SsopBatch) -> None:
    ssop.checksum["OPServices"] = "none"
    (problem,) = found(check_batch(ssop.write()), "checksum_missing")
    assert problem.severity == "error"


def test_sessno_in_the_zip_name_is_the_headers(ssop: SsopBatch) -> None:
    report = check_batch(ssop.write(ssop.zip_name("2603")))
    (problem,) = found(report, "session_mismatch")
    assert (problem.field, problem.severity) == ("SESSNO", "error")
    assert "2603" in problem.message_en and "0001" in problem.message_en


def test_the_zip_name_has_the_published_shape(ssop: SsopBatch) -> None:
    report = check_batch(ssop.write("claims_march.zip"))
    assert [(p.code, p.severity) for p in report.problems] == [("zip_name", "warning")]
    assert check_batch(ssop.write(as_zip=False)).problems == []  # a folder named as the zip


def test_the_zip_names_hcode_is_the_headers(ssop: SsopBatch) -> None:
    report = check_batch(ssop.write(ssop.zip_name().replace("99901", "99902")))
    assert [(p.code, p.field) for p in report.problems] == [("header_mismatch", "HCODE")]


def test_sessno_is_four_digits_and_one_per_batch(ssop: SsopBatch) -> None:
    ssop.sessno["OPServices"] = "0002"
    report = check_batch(ssop.write())
    assert [(p.code, p.field, p.file) for p in report.problems] == [
        ("header_mismatch", "SESSNO", f"OPServices{ssop.date}.txt")
    ]
    ssop.sessno = dict.fromkeys(ssop.sessno, "12")
    problems = found(check_batch(ssop.write(ssop.zip_name("12"))), "format", field="SESSNO")
    assert {p.severity for p in problems} == {"warning"} and len(problems) == 3


def test_opservices_clinic_is_a_chi_clinic_code(ssop: SsopBatch) -> None:
    ssop.set("OPServices", "Clinic", "00100")
    (problem,) = found(check_batch(ssop.write()), "code_list", "Clinic")
    assert (problem.value, problem.severity) == ("00100", "error")


@pytest.mark.parametrize(("section", "field"), [("OPServices", "SvPID"), ("Dispensing", "Prescb")])
def test_the_providers_licence_is_given(ssop: SsopBatch, section: str, field: str) -> None:
    ssop.set(section, field, "")
    assert [p.severity for p in found(check_batch(ssop.write("empty.zip")), "required", field)] == [
        "error"
    ]
    ssop.set(section, field, "-")
    assert [
        p.severity for p in found(check_batch(ssop.write("dash.zip")), "provider_unknown", field)
    ] == ["warning"]


@pytest.mark.parametrize(
    ("auth", "flagged"), [("PP1234567890", True), ("EP0000012345", True), ("SSOCAC", False)]
)
def test_authcode_is_not_an_nhso_claim_code(ssop: SsopBatch, auth: str, flagged: bool) -> None:
    ssop.set("BILLTRAN", "AuthCode", auth)
    problems = found(check_batch(ssop.write()), "authcode_nhso")
    assert [(p.value, p.severity) for p in problems] == ([(auth, "warning")] if flagged else [])


def test_payplan_is_the_ssop_code(ssop: SsopBatch) -> None:
    ssop.set("BILLTRAN", "PayPlan", "SS")
    (problem,) = found(check_batch(ssop.write()), "code_list", "PayPlan")
    assert (problem.value, problem.severity) == ("SS", "error")


@pytest.mark.parametrize(
    ("section", "field", "target"),
    [
        ("OPServices", "InvNo", "BILLTRAN"),
        ("OPDx", "SvID", "OPServices"),
        ("DispensedItems", "DispID", "Dispensing"),
    ],
)
def test_keys_point_at_rows_that_exist(
    ssop: SsopBatch, section: str, field: str, target: str
) -> None:
    ssop.set(section, field, "X0000000009")
    problems = found(check_batch(ssop.write()), "orphan", field)
    assert [(p.value, p.severity) for p in problems] == [("X0000000009", "error")]
    assert target in problems[0].message_en


def test_a_missing_section(ssop: SsopBatch) -> None:
    ssop.leave_out.add("OPDx")
    (problem,) = found(check_batch(ssop.write()), "structure")
    assert (problem.file, problem.severity) == (f"OPServices{ssop.date}.txt", "error")


def test_a_buddhist_era_date_in_a_file_name_is_a_warning(ssop: SsopBatch) -> None:
    ssop.date = "25690302"
    problems = found(
        check_batch(ssop.write(ssop.zip_name().replace("25690302", "20260302"))), "file_name_date"
    )
    assert [(p.value, p.severity) for p in problems] == [("25690302", "warning")] * 3


def test_ssop_must_be_windows_874(ssop: SsopBatch) -> None:
    ssop.encoding = "utf-8"
    problems = found(check_batch(ssop.write()), "encoding_ssop")
    assert {p.severity for p in problems} == {"error"} and len(problems) == 3


def test_ssop_lines_end_in_crlf(ssop: SsopBatch) -> None:
    ssop.eol = "\n"
    problems = found(check_batch(ssop.write()), "line_end")
    assert {p.severity for p in problems} == {"warning"} and len(problems) == 3
