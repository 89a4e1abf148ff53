"""e-Claim files one at a time: bytes, lines, header, field count, formats, code lists.

Every rule is shown twice: the hand-made clean batch passes it, one change fails it.
"""

from __future__ import annotations

import pytest

from integrations.claim_check import check_batch
from tests.unit.claim_check.conftest import EclaimBatch, found


def test_the_clean_batch_is_clean(eclaim: EclaimBatch) -> None:
    report = check_batch(eclaim.write())
    assert report.kind == "eclaim"
    assert report.problems == []
    assert report.ok
    assert report.encodings["PAT.txt"] == "windows-874"
    assert report.encodings["INS.txt"] == "ascii"


def test_utf8_is_accepted_but_named(eclaim: EclaimBatch) -> None:
    eclaim.encoding = "utf-8"
    report = check_batch(eclaim.write())
    assert report.ok  # the FDH upload takes UTF-8
    assert report.encodings["PAT.txt"] == "utf-8"
    utf8 = {name for name, encoding in report.encodings.items() if encoding == "utf-8"}
    assert "PAT.txt" in utf8
    assert {p.file for p in found(report, "encoding_utf8")} == utf8


def test_utf8_with_a_byte_order_mark_is_read_past_the_mark(eclaim: EclaimBatch) -> None:
    eclaim.encoding = "utf-8-sig"  # as PGANS writes for the FDH upload
    report = check_batch(eclaim.write())
    assert report.encodings["INS.txt"] == "utf-8-sig"
    assert not found(report, "header")
    assert {p.code for p in report.problems} == {"encoding_utf8"}


def test_a_byte_outside_windows_874_is_an_encoding_error(eclaim: EclaimBatch) -> None:
    folder = eclaim.write()
    pat = folder / "PAT.txt"
    pat.write_bytes(
        pat.read_bytes().replace("สมชาย".encode("cp874"), "สมชาย".encode("cp874") + b"\xfc")
    )
    problems = found(check_batch(folder), "encoding", file="PAT.txt")
    assert [(p.severity, p.line) for p in problems] == [("error", 2)]


def test_lines_must_end_in_crlf(eclaim: EclaimBatch) -> None:
    eclaim.eol = "\n"
    problems = found(check_batch(eclaim.write()), "line_end")
    assert problems and all(p.severity == "warning" for p in problems)
    assert "OPD.txt" in {p.file for p in problems}


def test_the_header_line_must_be_exact(eclaim: EclaimBatch) -> None:
    eclaim.headers["OPD"] = eclaim.headers["OPD"].replace("DETAIL", "DETAL")
    problems = found(check_batch(eclaim.write()), "header")
    assert [(p.file, p.line, p.severity) for p in problems] == [("OPD.txt", 1, "error")]


def test_an_older_published_layout_is_a_warning_and_checked_as_itself(eclaim: EclaimBatch) -> None:
    # OOP without SERVPRICE, as PGANS sends it to the FDH
    eclaim.headers["OOP"] = "HN|DATEOPD|CLINIC|OPER|DROPID|PERSON_ID|SEQ"
    eclaim.rows["OOP"] = [r[:7] for r in eclaim.rows["OOP"]]
    report = check_batch(eclaim.write())
    assert [(p.code, p.severity) for p in report.problems] == [("header_old", "warning")]


def test_every_line_has_the_layouts_field_count(eclaim: EclaimBatch) -> None:
    eclaim.rows["ODX"][1] = eclaim.rows["ODX"][1][:-1]
    problems = found(check_batch(eclaim.write()), "field_count")
    assert [(p.file, p.line) for p in problems] == [("ODX.txt", 3)]


@pytest.mark.parametrize(
    ("file", "field", "bad"),
    [
        ("OPD", "DATEOPD", "25690302"),  # Buddhist-era year
        ("OPD", "DATEOPD", "20260231"),
        ("OPD", "TIMEOPD", "9:05"),
        ("PAT", "DOB", "1970-01-01"),
        ("ORF", "REFER", "9990"),
        ("CHT", "TOTAL", "80 บาท"),
        ("PAT", "PERSON_ID", "123"),
        ("ODX", "DIAG", "j06"),
    ],
)
def test_formats(eclaim: EclaimBatch, file: str, field: str, bad: str) -> None:
    assert not found(check_batch(eclaim.write("before")), "format")
    eclaim.set(file, field, bad)
    problems = found(check_batch(eclaim.write("after")), "format", field=field)
    assert [(p.file, p.severity) for p in problems] == [(f"{file}.txt", "error")]


def test_a_personal_value_is_never_echoed(eclaim: EclaimBatch) -> None:
    eclaim.set("PAT", "PERSON_ID", "123")
    (problem,) = found(check_batch(eclaim.write()), "format", field="PERSON_ID")
    assert problem.value is None
    assert "123" not in problem.message_th + problem.message_en


def test_amounts_want_two_decimals(eclaim: EclaimBatch) -> None:
    eclaim.set("CHT", "TOTAL", "80").set("CHT", "PAID", "0")
    problems = found(check_batch(eclaim.write()), "money_format")
    assert {(p.field, p.severity) for p in problems} == {("TOTAL", "warning"), ("PAID", "warning")}


def test_icd_codes_go_without_the_dot(eclaim: EclaimBatch) -> None:
    eclaim.set("OOP", "OPER", "93.57").set("ODX", "DIAG", "J06.9")
    problems = found(check_batch(eclaim.write()), "icd_dot")
    assert {(p.field, p.value, p.severity) for p in problems} == {
        ("OPER", "93.57", "error"),
        ("DIAG", "J06.9", "error"),
    }


def test_a_value_wider_than_its_field_is_a_warning(eclaim: EclaimBatch) -> None:
    eclaim.set("DRU", "DIDSTD", "1" * 25)
    (problem,) = found(check_batch(eclaim.write()), "width")
    assert (problem.field, problem.severity) == ("DIDSTD", "warning")


def test_required_empty_is_an_error_expected_empty_a_warning(eclaim: EclaimBatch) -> None:
    eclaim.set("OPD", "DATEOPD", "").set("INS", "PERMITNO", "")
    report = check_batch(eclaim.write())
    assert [(p.field, p.severity) for p in found(report, "required")] == [("DATEOPD", "error")]
    assert [(p.field, p.severity) for p in found(report, "missing_value")] == [
        ("PERMITNO", "warning")
    ]


@pytest.mark.parametrize(
    ("file", "field"),
    [("ODX", "DRDX"), ("OOP", "DROPID"), ("DRU", "PROVIDER"), ("ADP", "PROVIDER")],
)
def test_an_empty_provider_licence_is_a_warning(eclaim: EclaimBatch, file: str, field: str) -> None:
    eclaim.set(file, field, "")
    problems = found(check_batch(eclaim.write()), "missing_value", field=field)
    assert [(p.file, p.severity) for p in problems] == [(f"{file}.txt", "warning")]


@pytest.mark.parametrize("field", ["MARRIAGE", "OCCUPA"])
def test_empty_marriage_or_occupation_is_a_warning(eclaim: EclaimBatch, field: str) -> None:
    eclaim.set("PAT", field, "")
    problems = found(check_batch(eclaim.write()), "missing_value", field=field)
    assert [(p.file, p.severity) for p in problems] == [("PAT.txt", "warning")]


def test_inscl_takes_the_e_claim_coverage_codes(eclaim: EclaimBatch) -> None:
    eclaim.set("INS", "INSCL", "WEL").set("INS", "INSCL", "BKK", n=1)
    report = check_batch(eclaim.write())
    assert [(p.value, p.severity) for p in found(report, "code_list", "INSCL")] == [
        ("WEL", "error")
    ]
    assert [(p.value, p.severity) for p in found(report, "code_unconfirmed", "INSCL")] == [
        ("BKK", "warning")
    ]


def test_adp_type_is_from_the_published_list(eclaim: EclaimBatch) -> None:
    eclaim.set("ADP", "TYPE", "21")
    (problem,) = found(check_batch(eclaim.write()), "code_list", "TYPE")
    assert (problem.value, problem.severity) == ("21", "error")


def test_adp_code_is_not_an_icd9cm_procedure(eclaim: EclaimBatch) -> None:
    eclaim.set("ADP", "CODE", "93.57")
    (problem,) = found(check_batch(eclaim.write()), "adp_icd9")
    assert (problem.file, problem.field, problem.value, problem.severity) == (
        "ADP.txt",
        "CODE",
        "93.57",
        "error",
    )


def test_cha_chrgitem_is_from_the_published_list(eclaim: EclaimBatch) -> None:
    eclaim.set("CHA", "CHRGITEM", "Z9")
    assert [p.value for p in found(check_batch(eclaim.write()), "code_list", "CHRGITEM")] == ["Z9"]


@pytest.mark.parametrize(
    ("code", "ok"),
    [("0531601", True), ("05", True), ("CH99", False), ("CH09", False), ("22", False)],
)
def test_labfu_labtest_is_an_icd10tm_or_thcc_lab_code(
    eclaim: EclaimBatch, code: str, ok: bool
) -> None:
    eclaim.set("LABFU", "LABTEST", code)
    problems = found(check_batch(eclaim.write()), "code_list", "LABTEST")
    assert [(p.value, p.severity) for p in problems] == ([] if ok else [(code, "error")])


def test_a_citizen_id_with_a_wrong_check_digit_is_a_warning(eclaim: EclaimBatch) -> None:
    pid = eclaim.row("PAT")["PERSON_ID"]
    eclaim.set("PAT", "PERSON_ID", pid[:12] + str((int(pid[12]) + 1) % 10))
    (problem,) = found(check_batch(eclaim.write()), "cid_check")
    assert (problem.field, problem.severity, problem.value) == ("PERSON_ID", "warning", None)
