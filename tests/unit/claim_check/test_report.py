"""The public surface: check_batch on folders and zips, the report, its text and JSON,
the cap per rule, and that nothing personal ever leaves the checker."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from integrations.claim_check import check_batch, format_report
from integrations.claim_check.problems import SHOWN_PER_RULE
from tests.unit.claim_check.conftest import EclaimBatch, SsopBatch, found, rules


def test_a_folder_and_its_zip_get_the_same_verdict(eclaim: EclaimBatch) -> None:
    eclaim.set("INS", "INSCL", "WEL")
    folder_report = check_batch(eclaim.write("folder"))
    zip_report = check_batch(eclaim.write("zipped", as_zip=True))
    assert rules(folder_report) == rules(zip_report) == {("code_list", "INS.txt", "INSCL")}


def test_a_zip_holding_its_batch_in_a_folder_is_read(tmp_path: Path, ssop: SsopBatch) -> None:
    folder = ssop.write(as_zip=False)
    target = tmp_path / ssop.zip_name()
    with zipfile.ZipFile(target, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, f"{folder.name}/{path.name}")
    report = check_batch(target)
    assert (report.kind, report.problems) == ("ssop", [])


def test_what_is_not_a_batch(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        check_batch(tmp_path / "nothing-here.zip")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    assert [p.code for p in check_batch(broken).problems] == ["unreadable"]
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    report = check_batch(empty)
    assert (report.kind, [p.code for p in report.errors]) == ("unknown", ["no_claim_files"])


def test_stray_and_mixed_files(eclaim: EclaimBatch, ssop: SsopBatch) -> None:
    folder = eclaim.write()
    assert check_batch(folder).ok
    (folder / "readme.doc").write_text("x")
    assert [(p.code, p.severity) for p in check_batch(folder).problems] == [
        ("unknown_file", "warning")
    ]
    (folder / f"BILLTRAN{ssop.date}.txt").write_bytes(ssop.file_bytes("BILLTRAN"))
    report = check_batch(folder)
    assert report.kind == "eclaim"
    assert ("mixed_kinds", "error") in {(p.code, p.severity) for p in report.problems}


def test_the_report_as_json_and_as_text(eclaim: EclaimBatch) -> None:
    eclaim.set("INS", "INSCL", "WEL").set("PAT", "MARRIAGE", "")
    report = check_batch(eclaim.write())
    data = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    assert (data["kind"], data["ok"], data["error_count"], data["warning_count"]) == (
        "eclaim",
        False,
        1,
        1,
    )
    assert {p["code"] for p in data["problems"]} == {"code_list", "missing_value"}
    thai, english = format_report(report, "th"), format_report(report, "en")
    assert "ไม่ผ่าน" in thai and "ข้อผิดพลาด 1" in thai and "INS.txt บรรทัด 2 ช่อง INSCL" in thai
    assert "failed" in english and "INS.txt line 2 field INSCL" in english
    assert thai.index("[ข้อผิดพลาด]") < thai.index("[คำเตือน]")  # errors first


def test_a_rule_shows_its_first_problems_and_counts_the_rest(eclaim: EclaimBatch) -> None:
    template = eclaim.rows["LABFU"][0]
    eclaim.rows["LABFU"] = [[*template[:5], "CH99", "1"] for _ in range(SHOWN_PER_RULE + 7)]
    report = check_batch(eclaim.write())
    assert len(found(report, "code_list", "LABTEST")) == SHOWN_PER_RULE
    assert report.suppressed == {"LABFU.txt|LABTEST|code_list": 7}
    assert report.error_count == SHOWN_PER_RULE + 7
    assert report.codes()["code_list"] == SHOWN_PER_RULE + 7
    assert "7" in format_report(report, "en").splitlines()[-1]


def test_nothing_personal_leaves_the_checker(
    eclaim: EclaimBatch, ssop: SsopBatch, personal_values: list[str]
) -> None:
    """Break every field that holds a citizen ID, an HN or a name, and more."""
    for file, field in [
        ("PAT", "PERSON_ID"),
        ("INS", "CID"),
        ("ODX", "PERSON_ID"),
        ("PAT", "NAMEPAT"),
    ]:
        eclaim.set(file, field, eclaim.row(file)[field] + "|x")  # a field count error on the line
    eclaim.set("OPD", "HN", "HN-NOT-IN-PAT").set("ODX", "HN", "ANOTHER-HN", n=1)
    short_pid = ssop.sections["BILLTRAN"][0][12][:12]
    ssop.set("BILLTRAN", "PID", short_pid).set("OPServices", "HN", "")
    ssop.set("Dispensing", "PID", ssop.sections["Dispensing"][1][4] + "9")
    reports = [check_batch(eclaim.write()), check_batch(ssop.write())]
    assert all(r.error_count for r in reports)
    text = json.dumps([r.as_dict() for r in reports], ensure_ascii=False)
    text += "".join(format_report(r, lang) for r in reports for lang in ("th", "en"))
    for value in [*personal_values, short_pid, "HN-NOT-IN-PAT", "ANOTHER-HN"]:
        assert value not in text
