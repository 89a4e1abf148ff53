"""e-Claim 16+1 batches from the hand-made clinic: rules, files parsed back, golden bytes."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from backoffice.cli import main as backoffice_main
from backoffice.exports.eclaim import BatchResult, export_eclaim
from backoffice.exports.rules import RuleSet, load_rules
from backoffice.exports.source import ClaimSource
from common.config import ConfigError
from integrations.claim_files import ECLAIM_FIELDS
from tests.unit.exports.conftest import at_once

DAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 3, 10, 30, 0)
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "exports" / "eclaim"


def run(
    engine: Engine,
    out: Path,
    *,
    rules: RuleSet | None = None,
    fdh: bool = False,
    dry_run: bool = False,
) -> BatchResult:
    source = ClaimSource(engine, chunk_size=3)  # several chunks even for nine visits
    return export_eclaim(
        source, DAY, DAY, out, rules=rules or RuleSet(), hcode=source.own_hcode(), now=NOW,
        fdh=fdh, dry_run=dry_run,
    )  # fmt: skip


def parse(path: Path, encoding: str = "cp874") -> list[dict[str, str]]:
    raw = path.read_bytes()
    text = raw.decode(encoding)
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in lines)
    header = lines[0].split("|")
    assert tuple(header) == ECLAIM_FIELDS[path.stem]
    rows = [line.split("|") for line in lines[1:]]
    assert all(len(row) == len(header) for row in rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


def report_rows(result: BatchResult) -> list[dict[str, str]]:
    assert result.report_csv is not None
    with result.report_csv.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_rules_of_seed_12_3_include_and_exclude_with_reasons(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    result = run(clinic_engine, tmp_path)
    ins = parse(result.folder / "INS.txt")  # type: ignore[operator]
    assert sorted(int(r["SEQ"]) for r in ins) == [101, 103, 107, 109]
    excluded = {
        (int(r["seq"]), r["code"]) for r in report_rows(result) if r["severity"] == "excluded"
    }
    assert excluded == {
        (102, "uc_in_cup"),
        (104, "right_not_claimable"),
        (105, "right_not_claimable"),
        (105, "missing_claim_code"),
        (106, "missing_cid"),
        (108, "missing_claim_code"),
    }
    summary = result.summary
    assert summary["included_visits"] == 4
    assert summary["excluded_visits"] == 5
    assert summary["by_category"] == {"OP": 2, "PP": 2}


def test_files_parse_back_with_the_visit_data(clinic_engine: Engine, tmp_path: Path) -> None:
    result = run(clinic_engine, tmp_path)
    folder = result.folder
    assert folder is not None
    ins = {r["SEQ"]: r for r in parse(folder / "INS.txt")}
    assert ins["101"]["PERMITNO"] == "PP1000000001"
    assert ins["101"]["INSCL"] == "UCS"
    assert ins["109"]["INSCL"] == "LGO"
    assert ins["101"]["HCODE"] == "99901"
    pat = parse(folder / "PAT.txt")
    assert sorted(r["HN"] for r in pat) == ["1", "2", "6", "7"]  # one row per person
    assert {r["FNAME"] for r in pat} >= {"สมชาย", "มาลี"}
    opd = {r["SEQ"]: r for r in parse(folder / "OPD.txt")}
    assert opd["101"]["DATEOPD"] == "20260302"
    assert (opd["101"]["SBP"], opd["101"]["DBP"]) == ("130", "85")
    assert opd["109"]["DETAIL"] == "ปวดหัว เวียนหัว  นอนไม่หลับ"
    odx = parse(folder / "ODX.txt")
    assert [(r["SEQ"], r["DIAG"], r["DXTYPE"]) for r in odx if r["SEQ"] == "101"] == [
        ("101", "E119", "1"),
        ("101", "I10", "2"),
    ]
    assert odx[0]["DRDX"] == "ว.12345"
    dru = parse(folder / "DRU.txt")
    metformin = next(r for r in dru if r["DID"] == "D0003")
    assert (metformin["AMOUNT"], metformin["DRUGPRICE"], metformin["TOTAL"]) == (
        "30", "0.80", "24.00",
    )  # fmt: skip
    assert metformin["DIDSTD"] == "224181"
    cht = {r["SEQ"]: r for r in parse(folder / "CHT.txt")}
    cha = parse(folder / "CHA.txt")
    for seq, row in cht.items():
        amounts = sum(float(c["AMOUNT"]) for c in cha if c["SEQ"] == seq)
        assert float(row["TOTAL"]) == pytest.approx(amounts)
    labs = parse(folder / "LABFU.txt")
    # JHCIS's CH09 (creatinine) and CH99 (HbA1c) as ICD-10-TM lab codes (issue 18, item 6)
    assert [(r["LABTEST"], r["LABRESULT"]) for r in labs] == [
        ("0581902", "1.1"), ("0531601", "6.8"),
    ]  # fmt: skip
    oop = parse(folder / "OOP.txt")  # the dressing has a code; the scaling has none
    assert [(r["SEQ"], r["OPER"], r["DROPID"], r["SERVPRICE"]) for r in oop] == [
        ("101", "9357", "ว.12345", "0.00")
    ]
    orf = parse(folder / "ORF.txt")
    assert [(r["SEQ"], r["REFER"], r["REFERTYPE"], r["REFERDATE"]) for r in orf] == [
        ("101", "99902", "1", "20260302"),  # referred here
        ("109", "99900", "2", "20260302"),  # referred out
    ]
    # No admissions at a รพ.สต.; no accident records in the tables this export reads.
    for empty in ("IPD", "IRF", "IDX", "IOP", "LVD", "AER"):
        assert parse(folder / f"{empty}.txt") == []


def test_characters_outside_windows_874_are_replaced_and_reported(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    result = run(clinic_engine, tmp_path)
    dru = parse(result.folder / "DRU.txt")  # type: ignore[operator]
    assert next(r for r in dru if r["DID"] == "D0009")["DIDNAME"] == "ยาหอม ?"
    warnings = {(r["seq"], r["code"]) for r in report_rows(result) if r["severity"] == "warning"}
    assert ("101", "not_encodable") in warnings
    assert ("101", "missing_drug_std_code") in warnings
    assert ("107", "missing_lot_number") in warnings
    assert ("101", "missing_procedure_code") in warnings


def test_procedure_codes_from_the_rules_file(clinic_engine: Engine, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text('[oop_code_by_drugcode]\nDT01 = "96.54"\n', encoding="utf-8")
    result = run(clinic_engine, tmp_path / "out", rules=load_rules(rules_file))
    oop = parse(result.folder / "OOP.txt")  # type: ignore[operator]
    assert sorted(r["OPER"] for r in oop) == ["9357", "9654"]
    codes = {r["code"] for r in report_rows(result)}
    assert "missing_procedure_code" not in codes


@pytest.mark.parametrize("code", ["99.29", "9929", "89.7", "897", " 93.57 "])
def test_an_icd9cm_standard_code_is_the_procedure_code(code: str) -> None:
    assert RuleSet().procedure_code("PR01", code) == code.strip()


@pytest.mark.parametrize("code", ["", "123456", "9.2", "99.299", "A9929", "99-29", "99.2.9"])
def test_any_other_standard_code_is_no_procedure_code(code: str) -> None:
    assert RuleSet().procedure_code("PR01", code) == ""


def test_a_drug_code_in_drugcode24_gives_no_oop_row(clinic_engine: Engine, tmp_path: Path) -> None:
    with clinic_engine.begin() as conn:  # a 24-digit drug code where the ICD-9-CM one was
        conn.exec_driver_sql(
            "UPDATE cdrug SET drugcode24 = '100000000000000000000001' WHERE drugcode = 'PR01'"
        )
    result = run(clinic_engine, tmp_path)
    assert parse(result.folder / "OOP.txt") == []  # type: ignore[operator]
    missing = [r for r in report_rows(result) if r["code"] == "missing_procedure_code"]
    assert [r["item"] for r in missing] == ["DT01 PR01"]  # DT01 has no code at all


def test_a_rules_file_code_that_is_not_icd9cm_is_refused(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text('[oop_code_by_drugcode]\nDT01 = "DENTAL"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="oop_code_by_drugcode"):
        load_rules(rules_file)


def test_referrals_need_the_optional_columns(clinic_engine: Engine, tmp_path: Path) -> None:
    """A JHCIS without refertohos/receivefromhos: ORF stays empty, nothing else changes."""
    with clinic_engine.begin() as conn:
        for column in ("refertohos", "receivefromhos"):
            conn.exec_driver_sql(f"ALTER TABLE visit DROP COLUMN {column}")
    result = run(clinic_engine, tmp_path)
    assert parse(result.folder / "ORF.txt") == []  # type: ignore[operator]
    assert len(parse(result.folder / "OOP.txt")) == 1  # type: ignore[operator]
    assert result.files["INS"] == 4


def test_fdh_variant_is_utf8(clinic_engine: Engine, tmp_path: Path) -> None:
    result = run(clinic_engine, tmp_path, fdh=True)
    assert result.name.startswith("FDH_99901_")
    dru = parse(result.folder / "DRU.txt", "utf-8")  # type: ignore[operator]
    assert next(r for r in dru if r["DID"] == "D0009")["DIDNAME"] == "ยาหอม ✓"


def test_one_zip_per_batch_with_bare_names(clinic_engine: Engine, tmp_path: Path) -> None:
    result = run(clinic_engine, tmp_path)
    assert result.zip_path == tmp_path / f"{result.name}.zip"
    with zipfile.ZipFile(result.zip_path) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(f"{k}.txt" for k in ECLAIM_FIELDS)
        assert archive.read("INS.txt") == (result.folder / "INS.txt").read_bytes()  # type: ignore[operator]


def test_two_jobs_in_the_same_second_get_their_own_folder_and_zip(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    first, second = at_once([lambda: run(clinic_engine, tmp_path)] * 2)
    names = sorted([first.name, second.name])
    assert names[1] == f"{names[0]}-2"
    for result in (first, second):
        assert result.folder == tmp_path / result.name
        assert result.zip_path == tmp_path / f"{result.name}.zip"
        with zipfile.ZipFile(result.zip_path) as archive:
            assert archive.read("OPD.txt") == (result.folder / "OPD.txt").read_bytes()  # type: ignore[operator]
    assert (first.folder / "OPD.txt").read_bytes() == (second.folder / "OPD.txt").read_bytes()  # type: ignore[operator]


def test_a_name_whose_zip_is_left_gets_the_next_suffix(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    name = run(clinic_engine, tmp_path / "probe").name
    (tmp_path / f"{name}.zip").write_bytes(b"an earlier batch")
    result = run(clinic_engine, tmp_path)
    assert result.name == f"{name}-2"
    assert (tmp_path / f"{name}.zip").read_bytes() == b"an earlier batch"


def test_dry_run_writes_nothing(clinic_engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(clinic_engine, out, dry_run=True)
    # "Check only, write no files": no folder, no zip, no report on disk (issue 19, item 7).
    assert result.zip_path is None and result.folder is None and result.report_csv is None
    assert not out.exists() or list(out.iterdir()) == []
    assert result.files["INS"] == 4
    assert result.summary["excluded_visits"] == 5
    problems = [p.as_dict() for p in result.sample]
    assert problems and all("cid" not in p and "name" not in p for p in problems)


def test_rules_file_changes_the_outcome(clinic_engine: Engine, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(
        'require_claim_code = false\n[categories.OP]\nrights = ["*"]\n', encoding="utf-8"
    )
    rules = load_rules(rules_file)
    result = run(clinic_engine, tmp_path / "out", rules=rules)
    ins = parse(result.folder / "INS.txt")  # type: ignore[operator]
    assert sorted(int(r["SEQ"]) for r in ins) == [101, 102, 103, 104, 105, 107, 108, 109]


def test_bad_rules_file_names_the_key(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text("require_claim_cod = false\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="require_claim_cod: unknown key"):
        load_rules(rules_file)


def test_golden_files(clinic_engine: Engine, tmp_path: Path) -> None:
    result = run(clinic_engine, tmp_path)
    assert result.folder is not None
    for key in ECLAIM_FIELDS:
        produced = (result.folder / f"{key}.txt").read_bytes()
        golden = GOLDEN / f"{key}.txt"
        if os.environ.get("UPDATE_GOLDEN") == "1":
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(produced)
        assert produced == golden.read_bytes(), key


def test_command_line(
    clinic_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(clinic_engine.url)
    code = backoffice_main(
        ["export", "eclaim", "--from", "2569-03-02", "--to", "2026-03-02",
         "--out", str(tmp_path), "--db", url, "--json"]
    )  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["included_visits"] == 4
    assert Path(out["zip"]).exists()


def test_command_line_reports_a_bad_database_bilingually(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = backoffice_main(
        ["export", "eclaim", "--from", "2026-03-02", "--to", "2026-03-02",
         "--out", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'none.sqlite'}", "--json"]
    )  # fmt: skip
    assert code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error_code"] == "export.database_unavailable"
    assert out["message_th"] and out["message_en"]


def test_visits_of_another_unit_in_the_same_database_are_not_ours(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    from decimal import Decimal

    from integrations.jhcis import tables as t

    with clinic_engine.begin() as conn:
        conn.execute(
            t.visit.insert(),
            {"pcucode": "99902", "visitno": 110, "visitdate": DAY, "pcucodeperson": "99901",
             "pid": 1, "rightcode": "89", "hosmain": "99900", "money1": Decimal(50),
             "claimcode_nhso": "PP1000000110"},
        )  # fmt: skip
    result = run(clinic_engine, tmp_path)
    assert "110" not in {r["SEQ"] for r in parse(result.folder / "INS.txt")}  # type: ignore[operator]
    assert result.summary["included_visits"] == 4
    assert result.summary["excluded_visits"] == 5


def test_the_visits_provider_licence_fills_in_for_a_diagnosis_without_its_doctor(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    """A kiosk visit names its provider (visit.username, a JHCIS account): where JHCIS's
    diagnosis has no doctor of its own, ODX's DRDX carries the provider's licence."""
    from integrations.jhcis import tables as t

    with clinic_engine.begin() as conn:
        conn.execute(t.visitdiag.update().values(doctordiag=None))
    result = run(clinic_engine, tmp_path)
    rows = parse(result.folder / "ODX.txt")  # type: ignore[operator]
    assert rows and {r["DRDX"] for r in rows} == {"ว.12345"}  # the seed's "doc" account


def test_op_anywhere_compares_the_main_unit_with_the_cup(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    """Seed §12.3 "UC 1:OP anywhere [Out]": only UC patients whose main unit is outside the
    CUP (this unit and its parent hospital) are claimed, each decision in the report."""
    from decimal import Decimal

    from integrations.jhcis import tables as t

    with clinic_engine.begin() as conn:  # two UC walk-ins with a claim code
        conn.execute(t.chospital.insert().values(hoscode="12345"))
        for visitno, hosmain in ((120, "12345"), (121, None)):
            conn.execute(
                t.visit.insert(),
                {"pcucode": "99901", "visitno": visitno, "visitdate": DAY,
                 "pcucodeperson": "99901", "pid": 1, "rightcode": "89", "hosmain": hosmain,
                 "money1": Decimal(50), "claimcode_nhso": f"PP10000001{visitno}",
                 "hiciauthen_nhso": "PG0060001"},
            )  # fmt: skip
            conn.execute(
                t.visitdiag.insert(),
                {"pcucode": "99901", "visitno": visitno, "diagcode": "J00", "dxtype": "01"},
            )
    # The parent hospital of the seed is 99900 (the visits' "other main unit").
    cup = RuleSet(cup_hcode="99900")
    result = run(clinic_engine, tmp_path, rules=cup)
    claimed = {int(r["SEQ"]) for r in parse(result.folder / "INS.txt")}  # type: ignore[operator]
    rows = report_rows(result)
    why = {(int(r["seq"]), r["code"]) for r in rows}
    assert 101 not in claimed and (101, "uc_in_cup") in why  # main unit: the CUP's hospital
    assert 102 not in claimed and (102, "uc_in_cup") in why  # main unit: this unit
    assert 120 in claimed and (120, "uc_outside_cup") in why  # the OP-anywhere case
    assert 121 in claimed and (121, "uc_main_unit_unknown") in why  # said, not guessed
    # Without a CUP only this unit is inside: the seed's other main unit is claimed.
    plain = run(clinic_engine, tmp_path / "plain")
    assert 101 in {int(r["SEQ"]) for r in parse(plain.folder / "INS.txt")}  # type: ignore[operator]


def test_adp_carries_only_mapped_nhso_codes(clinic_engine: Engine, tmp_path: Path) -> None:
    """ADP takes NHSO service codes under a published TYPE, never an ICD-9-CM procedure
    (it is OOP's) or a local drug code (issue 18, item 7): by default ADP is empty."""
    result = run(clinic_engine, tmp_path / "default")
    assert parse(result.folder / "ADP.txt") == []  # type: ignore[operator]
    assert len(parse(result.folder / "OOP.txt")) == 1  # type: ignore[operator]
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text('[adp_codes.PR01]\ntype = "8"\ncode = "FS001"\n', encoding="utf-8")
    result = run(clinic_engine, tmp_path / "mapped", rules=load_rules(rules_file))
    adp = parse(result.folder / "ADP.txt")  # type: ignore[operator]
    assert [(r["SEQ"], r["TYPE"], r["CODE"], r["PROVIDER"]) for r in adp] == [
        ("101", "8", "FS001", "ว.12345")
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [('type = "21"\ncode = "FS001"', "published list"), ('type = "3"\ncode = "93.57"', "OOP")],
)
def test_an_adp_code_outside_the_published_lists_is_refused(
    tmp_path: Path, entry: str, problem: str
) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(f"[adp_codes.PR01]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_rules(rules_file)


def test_a_lab_without_an_icd10tm_code_is_left_out_and_reported(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    with clinic_engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE visitlabchcyhembmsse SET labcode = 'XLOCAL' WHERE labcode = 'CH09'"
        )
    result = run(clinic_engine, tmp_path / "unmapped")
    labs = parse(result.folder / "LABFU.txt")  # type: ignore[operator]
    assert [r["LABTEST"] for r in labs] == ["0531601"]
    warned = [r for r in report_rows(result) if r["code"] == "unmapped_lab_code"]
    assert [(r["seq"], r["item"]) for r in warned] == [("101", "XLOCAL")]
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text('[lab_code_map]\nXLOCAL = "0581902"\n', encoding="utf-8")
    result = run(clinic_engine, tmp_path / "mapped", rules=load_rules(rules_file))
    labs = parse(result.folder / "LABFU.txt")  # type: ignore[operator]
    assert sorted(r["LABTEST"] for r in labs) == ["0531601", "0581902"]


def test_a_provider_without_a_licence_is_reported(clinic_engine: Engine, tmp_path: Path) -> None:
    """DRDX, DROPID and PROVIDER stay empty without a licence: each visit says so."""
    from integrations.jhcis import tables as t

    with clinic_engine.begin() as conn:
        conn.execute(t.user.update().values(licenseno=None))
    result = run(clinic_engine, tmp_path)
    warned = {r["seq"] for r in report_rows(result) if r["code"] == "missing_provider_licence"}
    assert {r["SEQ"] for r in parse(result.folder / "OPD.txt")} <= warned  # type: ignore[operator]
    assert {r["DRDX"] for r in parse(result.folder / "ODX.txt")} == {""}  # type: ignore[operator]


@pytest.mark.parametrize(
    ("jhcis", "eclaim", "chi"),
    [("00100", "01", "01"), ("01100", "11", "11"), ("00000", "00", "99"), ("01400", "14", "99"),
     ("16", "16", "99"), ("", "01", "01"), ("ABC", "01", "01"), ("1234567", "01", "01")],
)  # fmt: skip
def test_clinic_codes_take_one_form_per_file(jhcis: str, eclaim: str, chi: str) -> None:
    """e-Claim's CLINIC is 2 digits (CS_eClaim_Clinic), SSOP's สกส.'s 01-12 or 99 (CS_CHI_Clinic);
    JHCIS's 5-digit 43-file code gives its department number (issue 18, item 7)."""
    from integrations.claim_files import chi_clinic, eclaim_clinic

    assert eclaim_clinic(jhcis, "01") == eclaim
    assert chi_clinic(jhcis, "01") == chi
