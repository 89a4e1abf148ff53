"""MOPH Claim eligibility (seed §16) on hand-built visits: every refusal has its reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from backoffice.claims.moph_rules import (
    REASONS,
    MophRules,
    assess,
    cautions,
    claim_body,
    load_moph_rules,
)
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


def vaccine_body(v: Visit, *shots: Vaccination, rules: MophRules | None = None) -> dict[str, Any]:
    rules = rules or MophRules()
    eligible, refused = assess(
        VisitBundle(v, diagnoses=[diag("Z27.1")], vaccinations=list(shots)), rules
    )
    assert refused == [] and len(eligible) == 1
    return claim_body(eligible[0], hcode="99901", hospital_name="x", rules=rules)


CHILD = dict(birth=dt.date(2025, 1, 1), rightcode="74")


def test_a_vaccine_is_sent_with_its_vaccinator_and_expiry_date() -> None:
    # The vaccinator is the visit's provider; the diagnosing doctor (diag's "ว.1") is not.
    nurse = visit(**CHILD, provider_name="นางพยาบาล ใจดี", provider_licence="4511000001")
    shot = Vaccination("DTP-HB1", "091", "L1", DAY, dt.date(2027, 1, 31), "GPO")
    item = vaccine_body(nurse, shot)["vaccine"][0]
    assert (item["name"], item["license_no"]) == ("นางพยาบาล ใจดี", "4511000001")
    assert (item["expiration_date"], item["manufacturer"]) == ("2027-01-31", "GPO")
    unknown = vaccine_body(visit(**CHILD), Vaccination("OPV1", "081", "L2", DAY))["vaccine"][0]
    assert (unknown["name"], unknown["license_no"], unknown["expiration_date"]) == ("", "", "")


@pytest.mark.parametrize(
    ("vaccinecode", "export_code", "dose"),
    [
        ("HBV2", "042", "2"),  # the code sheet's "ตับอักเสบบี 2"
        ("DTP4", "034", "4"),  # "ดีทีพี กระตุ้น 1": the series' fourth dose
        ("DTP-HB3", "093", "3"),
        ("dT2", "106", "2"),  # dT names no dose: JHCIS's own code does
        ("dTs1", "106", "1"),
        ("BCG", "010", ""),  # neither names one: JHCIS records none
        ("FLU2025", "815", ""),  # a year is not a dose
    ],
)
def test_dose_quantity_is_the_dose_the_record_names(
    vaccinecode: str, export_code: str, dose: str
) -> None:
    adult = visit() if export_code == "106" else visit(**CHILD)
    body = vaccine_body(adult, Vaccination(vaccinecode, export_code, "L1", DAY))
    assert body["vaccine"][0]["dose_quantity"] == dose


def test_the_dose_table_is_a_rule() -> None:
    rules = MophRules(dose_by_code={"010": "1"})
    body = vaccine_body(visit(**CHILD), Vaccination("BCG", "010", "L1", DAY), rules=rules)
    assert body["vaccine"][0]["dose_quantity"] == "1"


def test_marriage_and_occupation_are_jhciss_codes() -> None:
    v = visit(marriage="2", occupation="6111")
    eligible, _ = assess(bundle(v, diags=["E119"], labs={"CH99": "7.1"}), MophRules())
    body = claim_body(eligible[0], hcode="99901", hospital_name="x", rules=MophRules())
    assert (body["marriage"], body["occupa"]) == ("2", "6111")
    child = vaccine_body(visit(**CHILD, marriage="1"), Vaccination("OPV1", "081", "L", DAY))
    assert child["marriage"] == "1"


def test_only_the_rights_set_to_be_sent_are_sent() -> None:
    dm = {"diags": ["E119"], "labs": {"CH99": "7.1"}}
    assert outcome(bundle(visit(), **dm)) == ({"dm"}, set())  # 89 -> UCS
    assert outcome(bundle(visit(rightcode="74"), **dm)) == ({"dm"}, set())  # -> WEL, UC too
    ofc = visit(rightcode="10", rightgroup="1", mapright="OFC")
    assert outcome(bundle(ofc, **dm)) == (set(), {("dm", "right_not_sent")})
    # The card's right kept on the visit wins over JHCIS's right.
    assert outcome(bundle(visit(main_inscl="SSS"), **dm)) == (set(), {("dm", "right_not_sent")})
    unmapped = visit(rightcode="99", rightgroup="9", mapright="")
    assert outcome(bundle(unmapped, **dm)) == (set(), {("dm", "unknown_right")})
    eligible, refused = assess(bundle(ofc, **dm), MophRules(), rights=("UCS", "OFC"))
    assert ([e.kind for e in eligible], refused) == (["dm"], [])
    _, refused = assess(bundle(visit(rightcode="74"), **dm), MophRules(), rights=("UCS",))
    assert [(r.code, r.message_en) for r in refused] == [
        ("right_not_sent", REASONS["right_not_sent"][1])
    ]
    assert "moph.rights" in refused[0].message_th


def test_cautions_name_what_a_vaccine_claim_lacks() -> None:
    shots = [
        Vaccination("OPV1", "081", "L1", DAY),
        Vaccination("HBV1", "041", "L2", DAY, dt.date(2027, 1, 1)),
    ]
    b = VisitBundle(visit(**CHILD), diagnoses=[diag("Z27.1")], vaccinations=shots)
    item = assess(b, MophRules())[0][0]
    assert [c.code for c in cautions(item)] == ["vaccinator_unknown", "vaccine_no_expiry"]
    assert [c.code for c in cautions(item, expiry_column=False)] == ["vaccinator_unknown"]
    named = visit(**CHILD, provider_name="นางพยาบาล ใจดี", provider_licence="4511000001")
    item = assess(VisitBundle(named, vaccinations=shots[1:]), MophRules())[0][0]
    assert cautions(item) == []
    dm = assess(bundle(diags=["E119"], labs={"CH99": "7"}), MophRules())[0][0]
    assert cautions(dm) == []  # a lab claim names no vaccinator
