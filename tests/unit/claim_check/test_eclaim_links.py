"""e-Claim across files: every visit whole, every row pointing at a visit, sums, clinic form."""

from __future__ import annotations

from integrations.claim_check import check_batch
from tests.unit.claim_check.conftest import EclaimBatch, found


def test_every_opd_visit_has_an_ins_row(eclaim: EclaimBatch) -> None:
    assert not found(check_batch(eclaim.write("before")), "missing_link")
    eclaim.set("INS", "SEQ", "999")
    (problem,) = found(check_batch(eclaim.write("after")), "missing_link")
    assert (problem.file, problem.line, problem.field, problem.value, problem.severity) == (
        "OPD.txt", 2, "SEQ", "101", "error",
    )  # fmt: skip


def test_an_ins_row_without_seq_found_by_hn_is_a_warning(eclaim: EclaimBatch) -> None:
    eclaim.set("INS", "SEQ", "")
    report = check_batch(eclaim.write())
    assert [(p.code, p.severity) for p in report.problems] == [("link_by_hn_only", "warning")]


def test_every_opd_visit_has_a_pat_row_for_its_hn(eclaim: EclaimBatch) -> None:
    eclaim.rows["PAT"] = eclaim.rows["PAT"][:1]
    (problem,) = found(check_batch(eclaim.write()), "missing_link", field="HN")
    assert (problem.line, problem.severity, problem.value) == (3, "error", None)
    assert "PAT" in problem.message_en


def test_child_rows_point_at_an_opd_visit(eclaim: EclaimBatch) -> None:
    for file in ("ODX", "OOP", "CHT", "CHA", "DRU", "ADP", "LABFU", "ORF"):
        eclaim.set(file, "SEQ", "777")
    problems = found(check_batch(eclaim.write()), "orphan", field="SEQ")
    assert {p.file for p in problems} == {
        "ODX.txt", "OOP.txt", "CHT.txt", "CHA.txt", "DRU.txt", "ADP.txt", "LABFU.txt", "ORF.txt",
    }  # fmt: skip
    assert {(p.value, p.severity) for p in problems} == {("777", "error")}


def test_a_row_with_an_an_points_at_an_admission(eclaim: EclaimBatch) -> None:
    eclaim.set("CHA", "AN", "690000001")
    (problem,) = found(check_batch(eclaim.write()), "orphan", field="AN")
    assert (problem.file, problem.severity) == ("CHA.txt", "error")


def test_a_child_row_carries_its_visits_hn(eclaim: EclaimBatch) -> None:
    eclaim.set("ODX", "HN", eclaim.row("OPD", 1)["HN"])
    (problem,) = found(check_batch(eclaim.write()), "hn_mismatch")
    assert (problem.file, problem.line, problem.value) == ("ODX.txt", 2, None)


def test_an_opd_seq_appears_once(eclaim: EclaimBatch) -> None:
    eclaim.set("OPD", "SEQ", eclaim.row("OPD", 0)["SEQ"], n=1)
    problems = found(check_batch(eclaim.write()), "duplicate_key", field="SEQ")
    assert [(p.line, p.severity) for p in problems] == [(3, "error")]


def test_a_visit_without_a_diagnosis_or_a_principal_one_is_a_warning(eclaim: EclaimBatch) -> None:
    eclaim.set("ODX", "DXTYPE", "2")
    del eclaim.rows["ODX"][1]
    report = check_batch(eclaim.write())
    assert [(p.value, p.severity) for p in found(report, "no_principal_dx")] == [("101", "warning")]
    assert [(p.value, p.severity) for p in found(report, "no_diagnosis")] == [("102", "warning")]


def test_cht_total_against_the_sum_of_cha_is_a_warning(eclaim: EclaimBatch) -> None:
    eclaim.set("CHT", "TOTAL", "90.00")
    (problem,) = found(check_batch(eclaim.write()), "sum_mismatch")
    assert (problem.file, problem.line, problem.field, problem.severity) == (
        "CHT.txt",
        2,
        "TOTAL",
        "warning",
    )
    assert "90.00" in problem.message_en and "80.00" in problem.message_en


def test_clinic_codes_keep_one_published_form(eclaim: EclaimBatch) -> None:
    for file in ("OPD", "ODX", "OOP", "ORF", "DRU", "ADP"):  # all 5-digit, 43-file style: fine
        for n in range(2):
            eclaim.set(file, "CLINIC", "00100", n=n)
    assert check_batch(eclaim.write("five")).problems == []
    eclaim.set("ODX", "CLINIC", "01")  # one 2-digit code among them
    (mixed,) = found(check_batch(eclaim.write("mixed")), "clinic_mixed")
    assert (mixed.file, mixed.severity) == ("*", "warning")
    eclaim.set("ODX", "CLINIC", "1")
    (odd,) = found(check_batch(eclaim.write("odd")), "clinic_format")
    assert (odd.file, odd.value, odd.severity) == ("ODX.txt", "1", "warning")


def test_missing_files(eclaim: EclaimBatch) -> None:
    del eclaim.headers["OPD"], eclaim.headers["AER"], eclaim.headers["LABFU"]
    report = check_batch(eclaim.write())
    assert {(p.file, p.severity) for p in found(report, "missing_file")} == {
        ("OPD.txt", "error"),  # no claim without the visits
        ("AER.txt", "warning"),  # the e-Claim program expects all 16; FDH takes fewer
    }  # LABFU is the optional 17th
