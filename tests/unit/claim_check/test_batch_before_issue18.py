"""The checker on our own exporter's output from before the issue-18 fixes.

The two zips in tests/fixtures/claim_batches/ were written by commit 5b02164's exporter
(see that folder's README). Each fault issue 18 names must be reported; the assertions
are on codes, files and fields, never on wording.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from integrations.claim_check import CheckReport, check_batch
from tests.unit.claim_check.conftest import found

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "claim_batches"
#: The name that exporter gave the SSOP zip: its session part was the batch's yymm.
OLD_SSOP_ZIP_NAME = "99901_SSOPBIL_2603_01_20260303-103000.zip"


@pytest.fixture(scope="module")
def eclaim_report() -> CheckReport:
    return check_batch(FIXTURES / "eclaim_before_issue18.zip")


@pytest.fixture(scope="module")
def ssop_report(tmp_path_factory: pytest.TempPathFactory) -> CheckReport:
    zip_path = tmp_path_factory.mktemp("ssop") / OLD_SSOP_ZIP_NAME
    shutil.copy(FIXTURES / "ssop_before_issue18.zip", zip_path)
    return check_batch(zip_path)


def _where(report: CheckReport, code: str, field: str | None = None) -> set[tuple[str, str]]:
    """(file stem, severity) of the problems of one code and field."""
    return {
        (p.file.split("2569")[0].removesuffix(".txt"), p.severity)
        for p in found(report, code, field)
    }


def test_dispensed_items_with_16_fields_instead_of_19(ssop_report: CheckReport) -> None:
    problems = found(ssop_report, "field_count", file="BILLDISP")
    assert problems and all(p.severity == "error" for p in problems)
    assert all("<DispensedItems>" in p.message_en for p in problems)


def test_billtran_amount_is_not_the_sum_of_its_bill_items(ssop_report: CheckReport) -> None:
    assert _where(ssop_report, "sum_mismatch", "Amount") == {("BILLTRAN", "error")}
    assert _where(ssop_report, "sum_mismatch", "ClaimAmt") == {("BILLTRAN", "error")}


def test_the_checksums_are_lowercase(ssop_report: CheckReport) -> None:
    assert _where(ssop_report, "checksum_case") == {
        ("BILLTRAN", "warning"), ("BILLDISP", "warning"), ("OPServices", "warning"),
    }  # fmt: skip
    assert not found(ssop_report, "checksum")  # the value itself is right


def test_the_zip_names_session_is_not_the_headers_sessno(ssop_report: CheckReport) -> None:
    (problem,) = found(ssop_report, "session_mismatch")
    assert (problem.file, problem.field, problem.severity) == (OLD_SSOP_ZIP_NAME, "SESSNO", "error")
    assert "2603" in problem.message_en and "0001" in problem.message_en


def test_opservices_clinic_00100_is_not_a_chi_clinic_code(ssop_report: CheckReport) -> None:
    problems = found(ssop_report, "code_list", "Clinic")
    assert problems and {(p.value, p.severity) for p in problems} == {("00100", "error")}


def test_svpid_and_prescb_are_empty(ssop_report: CheckReport) -> None:
    assert _where(ssop_report, "required", "SvPID") == {("OPServices", "error")}
    assert _where(ssop_report, "required", "Prescb") == {("BILLDISP", "error")}


def test_labfu_carries_jhcis_local_lab_codes(eclaim_report: CheckReport) -> None:
    problems = found(eclaim_report, "code_list", "LABTEST")
    assert {p.value for p in problems} == {"CH09", "CH19", "CH99"}
    assert {(p.file, p.severity) for p in problems} == {("LABFU.txt", "error")}


def test_adp_type_3_carries_an_icd9cm_code(eclaim_report: CheckReport) -> None:
    problems = found(eclaim_report, "adp_icd9")
    assert problems and {(p.file, p.field, p.value, p.severity) for p in problems} == {
        ("ADP.txt", "CODE", "93.57", "error")
    }


@pytest.mark.parametrize(
    ("file", "field"),
    [("ODX", "DRDX"), ("OOP", "DROPID"), ("DRU", "PROVIDER"), ("ADP", "PROVIDER")],
)
def test_provider_licences_are_empty(eclaim_report: CheckReport, file: str, field: str) -> None:
    assert _where(eclaim_report, "missing_value", field) >= {(file, "warning")}


@pytest.mark.parametrize("field", ["MARRIAGE", "OCCUPA"])
def test_marriage_and_occupation_are_empty(eclaim_report: CheckReport, field: str) -> None:
    assert _where(eclaim_report, "missing_value", field) == {("PAT", "warning")}
