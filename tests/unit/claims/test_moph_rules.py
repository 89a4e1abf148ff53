"""MOPH Claim eligibility (seed §16) on hand-built visits: every refusal has its reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from backoffice.claims.moph_rules import MophRules, assess, claim_body, load_moph_rules
from backoffice.exports.source import Diagnosis, Lab, Vaccination, Visit, VisitBundle
from common.cid import cid_check_digit
from common.config import ConfigError

DAY = dt.date(2026, 3, 2)
CID = "199000000123" + str(cid_check_digit("199000000123"))


def visit(**changes: object) -> Visit:
    base = Visit(
        pcucode="99901", visitno=1, visitdate=DAY, timestart=dt.time(9, 5),
        pcucodeperson="99901", pid=7, rightcode="89", rightgroup="3", mapright="UCS",
        hosmain="99900", hossub="99901", pressure="", temperature=None,
        money1=Decimal(50), moneynoclaim=Decimal(0), claim_code="PP0000000001",
        claim_type="PG0060001", main_inscl="", sub_inscl="", cid=CID, title="นาย",
        first_name="ทดสอบ", last_name="ระบบ", symptoms="", birth=dt.date(1970, 1, 1), sex="1",
        nation="99",
    )  # fmt: skip
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def diag(code: str, dxtype: str = "1") -> Diagnosis:
    return Diagnosis(code, dxtype, "00100", "ว.1")


def bundle(
    v: Visit | None = None,
    diags: list[str] = (),  # type: ignore[assignment]
    labs: dict[str, str] | None = None,
    vaccines: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> VisitBundle:
    return VisitBundle(
        v or visit(),
        diagnoses=[diag(c) for c in diags],
        labs=[Lab(code, result, DAY) for code, result in (labs or {}).items()],
        vaccinations=[Vaccination(f"V{code}", code, lot, DAY) for code, lot in vaccines],
    )


def outcome(
    b: VisitBundle, rules: MophRules | None = None
) -> tuple[set[str], set[tuple[str, str]]]:
    eligible, refused = assess(b, rules or MophRules())
    return {e.kind for e in eligible}, {(r.kind, r.code) for r in refused}


def test_dm_needs_e11_to_e14_and_hba1c() -> None:
    assert outcome(bundle(diags=["E119"], labs={"CH99": "7.1"})) == ({"dm"}, set())
    assert outcome(bundle(diags=["E149"])) == (set(), {("dm", "dm_no_hba1c")})


def test_e10_is_never_claimed() -> None:
    assert outcome(bundle(diags=["E109"], labs={"CH99": "7.1"})) == (
        set(), {("dm", "dm_e10_not_claimable")},
    )  # fmt: skip


def test_ht_needs_i10_to_i15_and_a_kidney_lab() -> None:
    assert outcome(bundle(diags=["I10"], labs={"CH19": "4.1"})) == ({"ht"}, set())
    assert outcome(bundle(diags=["I15"])) == (set(), {("ht", "ht_no_lab")})
    assert outcome(bundle(diags=["I20"], labs={"CH09": "1"})) == (
        set(), {("", "no_moph_service")},
    )  # fmt: skip


def test_dm_and_ht_of_one_visit_are_two_claims() -> None:
    b = bundle(diags=["E119", "I10"], labs={"CH99": "7.1", "CH09": "1.0", "CH19": "4.0"})
    eligible, _ = assess(b, MophRules())
    bodies = {
        e.kind: claim_body(e, hcode="99901", hospital_name="x", rules=MophRules()) for e in eligible
    }
    assert (bodies["dm"]["is_used_dm"], bodies["dm"]["is_used_ht"]) == ("1", "0")
    assert [s["code"] for s in bodies["dm"]["claim_services"]] == ["32401"]
    assert sorted(s["code"] for s in bodies["ht"]["claim_services"]) == ["32103", "32202"]
    assert bodies["ht"]["pid"] == CID
    assert bodies["ht"]["visit_date_time"] == "2026-03-02 09:05"
    assert [d["icd10"] for d in bodies["ht"]["diagnosis"]] == ["E119", "I10"]


def test_adult_dt_from_25() -> None:
    adult = visit(birth=dt.date(2001, 3, 2))  # 25 on the visit day
    assert outcome(bundle(adult, vaccines=[("106", "LOT1")])) == ({"dt"}, set())
    young = visit(birth=dt.date(2001, 3, 3))  # one day short
    assert outcome(bundle(young, vaccines=[("106", "LOT1")])) == (set(), {("dt", "dt_under_age")})


def test_child_epi_below_the_configurable_age() -> None:
    child = visit(birth=dt.date(2010, 3, 3))  # 15 on the visit day
    assert outcome(bundle(child, vaccines=[("091", "L1")])) == ({"epi"}, set())
    sixteen = visit(birth=dt.date(2010, 3, 2))
    assert outcome(bundle(sixteen, vaccines=[("091", "L1")])) == (
        set(), {("epi", "epi_over_age")},
    )  # fmt: skip
    stricter = MophRules(epi_max_age=15)
    assert outcome(bundle(child, vaccines=[("091", "L1")]), stricter) == (
        set(), {("epi", "epi_over_age")},
    )  # fmt: skip


def test_vaccines_need_lot_and_a_three_character_export_code() -> None:
    child = visit(birth=dt.date(2024, 9, 1))
    assert outcome(bundle(child, vaccines=[("091", "L1"), ("081", "")])) == (
        set(), {("epi", "vaccine_no_lot")},
    )  # fmt: skip
    assert outcome(bundle(child, vaccines=[("", "L1")])) == (
        set(), {("epi", "vaccine_no_export_code")},
    )  # fmt: skip
    body_item = assess(bundle(child, vaccines=[("091", "L9")]), MophRules())[0][0]
    body = claim_body(body_item, hcode="99901", hospital_name="x", rules=MophRules())
    assert body["vaccine"][0]["code"] == "091"
    assert body["vaccine"][0]["lot_number"] == "L9"
    assert body["vaccine"][0]["route_code"] == "IM"


def test_a_claim_code_and_a_valid_cid_are_required() -> None:
    no_code = visit(claim_code="")
    assert outcome(bundle(no_code, diags=["E119"], labs={"CH99": "7"})) == (
        set(), {("dm", "missing_claim_code")},
    )  # fmt: skip
    bad_cid = visit(cid="1234567890123")
    assert outcome(bundle(bad_cid, diags=["I10"], labs={"CH09": "1"})) == (
        set(), {("ht", "invalid_cid")},
    )  # fmt: skip


def test_rules_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "moph.toml"
    path.write_text("epi_max_age = 15\ndt_vaccine_codes = ['106', '101']\n", encoding="utf-8")
    rules = load_moph_rules(path)
    assert (rules.epi_max_age, rules.dt_vaccine_codes) == (15, ["106", "101"])
    path.write_text("epi_max_age = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="epi_max_age"):
        load_moph_rules(path)


def test_a_service_dated_before_the_birth_is_refused() -> None:
    from common.thaidate import PartialDate

    unborn = visit(birth=dt.date(2026, 3, 3))  # born the day after the visit
    assert outcome(bundle(unborn, vaccines=[("091", "L1")])) == (
        set(), {("epi", "service_before_birth")},
    )  # fmt: skip
    # A year alone: only a visit in an earlier year is before the birth.
    same_year = visit(birth=PartialDate(2026))
    assert outcome(bundle(same_year, vaccines=[("091", "L1")])) == ({"epi"}, set())
    earlier = visit(birth=PartialDate(2027))
    assert ("epi", "service_before_birth") in outcome(bundle(earlier, vaccines=[("091", "L1")]))[1]
