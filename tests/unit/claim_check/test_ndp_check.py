"""The NDP (13-file) checker: a clean hand-made batch passes, each rule fails its change.

The batch below is written out field by field from the public field lists (the checker's
sources, integrations/claim_check/ndp_spec.py), not from our writer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from integrations.claim_check import check_batch, format_report

from .conftest import cid

PATIENT = (
    "SEQ|TYPE|CID|PPN|PWD|NAME.GIVEN|NAME.FAMILY|BIRTHDATE|GENDER|ADDRESS.LINE|"
    "ADDRESS.CITY|ADDRESS.DISTRICT|ADDRESS.STATE|ADDRESS.POSTALCODE|NATIONALITY|RACE|HN|AN"
)
PROVIDER = "SEQ|HCODE|HCODE_NAME|HCODE_SEND|HCODE_SEND_NAME|HMAIN|HMAIN_NAME"
PRACTITIONER = "SEQ|HCODE|CID|PROFESSION_ID|COUNCIL|PROVIDERTYPE|NAME.GIVEN|NAME.FAMILY"
OPD = (
    "SEQ|DATEOPD|INSCL|PERMITNO|HTYPE|UUC|CHIEFCOMP|BTEMP|SBP|DBP|PR|RR|WAISTLINE|WEIGHT|"
    "HEIGHT|HEADCIRCUM|CLINIC"
)
DIAGNOSIS = "SEQ|DATEDX|DIAG|DIAGTYPE|PROFESSION_ID|CLINIC"
CHAD = (
    "SEQ|STDCODE|INVOICE_NO|SERVDATE|LOCALCODE|DESCRIPT|QTY|UNITPRICE|CHARGEAMT|CODESYS|"
    "LAB_RESULT|UNIT|REIMBPRICE|XRAY_RESUT|PATHO_RESULT"
)
CHA = "SEQ|DATE|CHRGITEM|INVOICE_NO|AMOUNT|TOTAL|OPD_MEMO"

PATIENT_CID = cid("199000000321")
DOCTOR_CID = cid("199000000900")
AT = "2026-03-02T09:30:00"


def clean() -> dict[str, list[str]]:
    """Two visits (SEQ 51, 52) of one synthetic person, every file's header first."""
    files = {
        "01_PATIENT.txt": [PATIENT],
        "02_PROVIDER.txt": [PROVIDER],
        "03_PRACTITIONER.txt": [PRACTITIONER],
        "04_OPD.txt": [OPD],
        "05_DIAGNOSIS.txt": [DIAGNOSIS],
        "07_CHAD.txt": [CHAD],
        "08_CHA.txt": [CHA],
    }
    for seq in ("51", "52"):
        files["01_PATIENT.txt"].append(
            f"{seq}|CID|{PATIENT_CID}|||สมชาย|ทดสอบ|1970-05-01|1|||||||||"
        )
        files["02_PROVIDER.txt"].append(f"{seq}|99901|รพ.สต.ทดสอบ|99901|รพ.สต.ทดสอบ|99900|รพ.แม่ข่าย")
        files["03_PRACTITIONER.txt"].append(f"{seq}|99901|{DOCTOR_CID}|ว.12345|||หมอ|ใจดี")
        files["04_OPD.txt"].append(f"{seq}|{AT}|UCS|EP00000000{seq}||1|ไข้|36.9|130|85|||||||01")
        files["05_DIAGNOSIS.txt"] += [
            f"{seq}|{AT}|J00|1|ว.12345|01",
            f"{seq}|{AT}|I10|2|ว.12345|01",
        ]
        files["07_CHAD.txt"].append(
            f"{seq}|662401|99901{seq}|{AT}|D0001|Paracetamol|20|0.50|10.00|TMT||เม็ด|||"
        )
        files["08_CHA.txt"].append(f"{seq}|{AT}|41|99901{seq}|10.00|40.00|")
    return files


def write(folder: Path, files: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return folder


def codes(folder: Path) -> dict[str, str]:
    """Problem code -> severity (the last seen)."""
    return {p.code: p.severity for p in check_batch(folder).problems}


def test_the_clean_batch_passes_and_is_told_ndp(tmp_path: Path) -> None:
    report = check_batch(write(tmp_path / "b", clean()))
    assert report.kind == "ndp"
    assert report.ok, format_report(report, "en")
    assert report.warning_count == 0, format_report(report, "en")
    assert "13-file batch" in format_report(report, "en")


Files = dict[str, list[str]]


def edit(name: str, line: int, old: str, new: str) -> Callable[[Files], None]:
    """Change `old` to `new` in one line of one file."""

    def change(files: Files) -> None:
        assert old in files[name][line]
        files[name][line] = files[name][line].replace(old, new)

    return change


def put(name: str, line: int | None, text: str) -> Callable[[Files], None]:
    """Replace a line (or append one, `line` None) of a file, making the file if needed."""

    def change(files: Files) -> None:
        lines = files.setdefault(name, [])
        if line is None:
            lines.append(text)
        else:
            lines[line] = text

    return change


def drop(name: str, line: int | None = None) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        if line is None:
            files.pop(name)
        else:
            files[name].pop(line)

    return change


CASES: list[tuple[Callable[[Files], None], str, str]] = [
    # a core file missing: Patient (files 1, 2 and 4 are needed by every fund)
    (drop("01_PATIENT.txt"), "missing_file", "error"),
    # a file every OP/PP claim has, but not every fund: a warning
    (drop("03_PRACTITIONER.txt"), "missing_file", "warning"),
    (edit("04_OPD.txt", 0, "CLINIC", "DEPT"), "header", "error"),
    (put("04_OPD.txt", None, f"51|{AT}|UCS|EP0000000051||1|ไข้|36.9|130|85|||||||01"),
     "duplicate_key", "error"),
    (edit("04_OPD.txt", 1, "|130|85|", "|130||"), "bp_pair", "error"),
    (edit("04_OPD.txt", 1, "EP0000000051", ""), "required", "error"),
    (edit("04_OPD.txt", 1, AT, "20260302"), "format", "error"),
    (put("05_DIAGNOSIS.txt", 2, f"51|{AT}|I10|1|ว.12345|01"), "ndp_principal_dx", "error"),
    (drop("05_DIAGNOSIS.txt", 1), "ndp_principal_dx", "error"),
    (put("05_DIAGNOSIS.txt", 1, f"51|{AT}|J00|8|ว.12345|01"), "code_list", "error"),
    (edit("07_CHAD.txt", 1, "|10.00|", "|12.00|"), "product_mismatch", "error"),
    (edit("07_CHAD.txt", 1, "|20|0.50|10.00|", "|0|0.50|0.00|"), "ndp_not_positive", "error"),
    (edit("07_CHAD.txt", 1, "9990151", "999"), "orphan", "error"),
    (edit("03_PRACTITIONER.txt", 1, "51|99901", "51|99902"), "ndp_hcode_mismatch", "error"),
    # a visit named in CHA that Patient, Provider and OPD do not know
    (put("08_CHA.txt", None, f"77|{AT}|41|9990177|1.00|1.00|"), "missing_link", "error"),
    (put("06_PROCEDURE.txt", None, "SEQ|OPER"), "ndp_not_public", "warning"),
    (put("notes.txt", None, "x"), "unknown_file", "warning"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "code", "severity"), CASES)
def test_each_rule_fails_its_change(
    tmp_path: Path, change: Callable[[Files], None], code: str, severity: str
) -> None:
    files = clean()
    change(files)
    found = codes(write(tmp_path / "b", files))
    assert found.get(code) == severity, found


def test_a_layout_the_sources_disagree_on_is_a_warning(tmp_path: Path) -> None:
    files = clean()
    files["02_PROVIDER.txt"] = [PROVIDER + "|AN"] + [f"{x}|" for x in files["02_PROVIDER.txt"][1:]]
    report = check_batch(write(tmp_path / "b", files))
    assert report.ok and {p.code for p in report.problems} == {"header_variant"}


def test_a_citizen_id_is_never_echoed(tmp_path: Path) -> None:
    files = clean()
    files["01_PATIENT.txt"][1] = files["01_PATIENT.txt"][1].replace(PATIENT_CID, "12345")
    report = check_batch(write(tmp_path / "b", files))
    assert {p.code for p in report.problems} == {"format"}
    text = format_report(report, "both") + str(report.as_dict())
    assert PATIENT_CID not in text and DOCTOR_CID not in text and "12345" not in text


def test_a_manifest_and_report_beside_the_files_are_not_strays(tmp_path: Path) -> None:
    folder = write(tmp_path / "b", clean())
    for extra in ("manifest.json", "report.csv", "report.json"):
        (folder / extra).write_text("{}")
    assert check_batch(folder).warning_count == 0


def test_e_claim_names_alone_stay_an_e_claim_batch(tmp_path: Path) -> None:
    # OPD.txt and CHA.txt are e-Claim names too: without an NDP-only name or a file
    # number the batch is read as e-Claim, as before.
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "OPD.txt").write_bytes(b"HN|CLINIC\r\n")
    assert check_batch(folder).kind == "eclaim"
