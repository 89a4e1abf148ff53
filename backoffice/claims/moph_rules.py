"""Which visits MOPH Claim pays for (seed §16), as a validated, replaceable rule set.

Defaults, from the JHCIS training deck:

* DM (§16.3): a diagnosis E11-E14 (E10 is never claimed) and an HbA1c result
  (JHCIS lab CH99 -> MOPH service code 32401).
* HT (§16.3): a diagnosis I10-I15 and creatinine (CH09 -> 32202) and/or potassium
  (CH19 -> 32103). DM and HT of one visit are sent as two separate claims.
* Adult dT: 25 years and over on the visit day, a vaccination whose 43-file code
  (``cdrug.files18epi``) is a dT code (default 106).
* Child EPI (§16.5): under 16 on the visit day (the deck's title; its body says 15:
  configurable), a vaccination with a 3-character 43-file code.

Every claim needs the visit's NHSO claim code (Authen) and a valid citizen ID, and
every vaccine its lot number. A visit that fails is listed with the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backoffice.exports.rules import load_toml_model
from backoffice.exports.screening import identity_problems
from backoffice.exports.source import Vaccination, VisitBundle
from common.thaidate import PartialDate, age_on, exact
from integrations.moph.client import Endpoint

Kind = Literal["dm", "ht", "epi", "dt"]
KINDS: tuple[Kind, ...] = ("dm", "ht", "epi", "dt")


class LabService(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str  # MOPH claim service code
    name: str


class MophRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dm_icd_prefixes: list[str] = Field(default_factory=lambda: ["E11", "E12", "E13", "E14"])
    dm_never_prefixes: list[str] = Field(default_factory=lambda: ["E10"])
    ht_icd_prefixes: list[str] = Field(
        default_factory=lambda: ["I10", "I11", "I12", "I13", "I14", "I15"]
    )
    dm_labs: dict[str, LabService] = Field(
        default_factory=lambda: {"CH99": LabService(code="32401", name="HbA1C")}
    )
    ht_labs: dict[str, LabService] = Field(
        default_factory=lambda: {
            "CH09": LabService(code="32202", name="Creatinine"),
            "CH19": LabService(code="32103", name="Potassium"),
        }
    )
    dt_vaccine_codes: list[str] = Field(default_factory=lambda: ["106"])
    dt_min_age: int = Field(25, ge=0, le=120)
    epi_max_age: int = Field(16, ge=1, le=25, description="EPI only below this age")
    epi_excluded_codes: list[str] = Field(default_factory=list)
    route_code: str = "IM"


def load_moph_rules(path: str | Path | None) -> MophRules:
    return MophRules() if path is None else load_toml_model(path, MophRules)


REASONS: dict[str, tuple[str, str]] = {
    "missing_claim_code": (
        "ไม่มี Claim Code (Authen) ในการรับบริการ",
        "The visit has no NHSO claim code (Authen).",
    ),
    "missing_cid": ("ไม่มีเลขประจำตัวประชาชน", "No citizen ID on the person."),
    "invalid_cid": ("เลขประจำตัวประชาชนไม่ถูกต้อง", "The citizen ID fails its check digit."),
    "no_visit_date": ("การรับบริการไม่มีวันที่", "The visit has no date."),
    "no_birth_date": ("ไม่ทราบวันเกิด จึงคำนวณอายุไม่ได้", "No birth date, so no age."),
    "service_before_birth": (
        "วันที่รับบริการอยู่ก่อนวันเกิด (MOPH Claim ไม่รับ) กรุณาตรวจสอบวันเกิดหรือวันที่รับบริการ",
        "The service is dated before the patient's birth (MOPH Claim refuses it); check "
        "the birth date or the visit date.",
    ),
    "dm_e10_not_claimable": (
        "เบาหวาน E10 ไม่สามารถเคลม MOPH Claim ได้ (ใช้ E11-E14)",
        "Diabetes E10 is never claimed (use E11-E14).",
    ),
    "dm_no_hba1c": ("เบาหวาน: ไม่มีผล HbA1c (CH99)", "DM: no HbA1c result (CH99)."),
    "ht_no_lab": (
        "ความดัน: ไม่มีผล Creatinine (CH09) หรือ Potassium (CH19)",
        "HT: no creatinine (CH09) or potassium (CH19) result.",
    ),
    "dt_under_age": ("dT ผู้ใหญ่: อายุต่ำกว่าเกณฑ์", "Adult dT: below the age limit."),
    "epi_over_age": ("EPI เด็ก: อายุเกินเกณฑ์", "Child EPI: above the age limit."),
    "vaccine_no_lot": ("วัคซีนไม่มีเลขล็อต", "A vaccine has no lot number."),
    "vaccine_no_export_code": (
        "วัคซีนไม่มีรหัสส่งออก 43 แฟ้ม 3 หลัก (cdrug.files18epi)",
        "A vaccine has no 3-character 43-file export code (cdrug.files18epi).",
    ),
    "no_moph_service": (
        "ไม่มีบริการที่เคลม MOPH Claim ได้ (DM/HT/dT/EPI)",
        "No service MOPH Claim pays for (DM/HT/dT/EPI).",
    ),
}


@dataclass(frozen=True)
class Ineligible:
    pcucode: str
    visitno: int
    kind: str  # "" when no kind applies at all
    code: str

    @property
    def message_th(self) -> str:
        return REASONS[self.code][0]

    @property
    def message_en(self) -> str:
        return REASONS[self.code][1]


@dataclass
class Eligible:
    bundle: VisitBundle
    kind: Kind
    labs: list[tuple[LabService, str]] = field(default_factory=list)  # service, result
    vaccines: list[Vaccination] = field(default_factory=list)


def _starts(code: str, prefixes: list[str]) -> bool:
    return code.startswith(tuple(prefixes)) if prefixes else False


def assess(bundle: VisitBundle, rules: MophRules) -> tuple[list[Eligible], list[Ineligible]]:
    """The claims one visit supports, and the reasons for those it cannot."""
    v = bundle.visit
    eligible: list[Eligible] = []
    refused: list[Ineligible] = []

    def refuse(kind: str, code: str) -> None:
        refused.append(Ineligible(v.pcucode, v.visitno, kind, code))

    codes = [d.code for d in bundle.diagnoses]
    candidates: list[Kind] = []
    if any(_starts(c, rules.dm_icd_prefixes) for c in codes):
        candidates.append("dm")
    elif any(_starts(c, rules.dm_never_prefixes) for c in codes):
        refuse("dm", "dm_e10_not_claimable")
    if any(_starts(c, rules.ht_icd_prefixes) for c in codes):
        candidates.append("ht")
    coded = [x for x in bundle.vaccinations if x.export_code not in rules.epi_excluded_codes]
    if any(x.export_code in rules.dt_vaccine_codes for x in coded):
        candidates.append("dt")
    if any(x.export_code not in rules.dt_vaccine_codes for x in coded):
        candidates.append("epi")
    if not candidates:
        if not refused:
            refuse("", "no_moph_service")
        return eligible, refused
    general = [p.code for p in identity_problems(v)]
    if not v.claim_code:
        general.append("missing_claim_code")
    if v.birth is not None and v.visitdate is not None and _before_birth(v.visitdate, v.birth):
        general.append("service_before_birth")
    if general:
        for kind in candidates:
            for code in general:
                refuse(kind, code)
        return eligible, refused
    labs = {lab.labcode: lab.result for lab in bundle.labs if lab.result}
    for kind in candidates:
        if kind in ("dm", "ht"):
            table = rules.dm_labs if kind == "dm" else rules.ht_labs
            found = [(service, labs[code]) for code, service in table.items() if code in labs]
            if found:
                eligible.append(Eligible(bundle, kind, labs=found))
            else:
                refuse(kind, "dm_no_hba1c" if kind == "dm" else "ht_no_lab")
            continue
        if v.birth is None or v.visitdate is None:
            refuse(kind, "no_birth_date")
            continue
        age = age_on(v.birth, v.visitdate)
        if kind == "dt":
            chosen = [x for x in coded if x.export_code in rules.dt_vaccine_codes]
            if age < rules.dt_min_age:
                refuse(kind, "dt_under_age")
                continue
        else:
            chosen = [x for x in coded if x.export_code not in rules.dt_vaccine_codes]
            if age >= rules.epi_max_age:
                refuse(kind, "epi_over_age")
                continue
        if any(len(x.export_code) != 3 for x in chosen):
            refuse(kind, "vaccine_no_export_code")
        elif any(not x.lot for x in chosen):
            refuse(kind, "vaccine_no_lot")
        else:
            eligible.append(Eligible(bundle, kind, vaccines=chosen))
    return eligible, refused


def _before_birth(day: dt.date, birth: dt.date | PartialDate) -> bool:
    """A service day before the birth; with a year alone, only a year before it is."""
    born = exact(birth)
    if born is None:
        return isinstance(birth, PartialDate) and day.year < birth.year
    return day < born


def _visit_time(bundle: VisitBundle) -> str:
    v = bundle.visit
    start = v.timestart
    if isinstance(start, dt.timedelta):
        start = (dt.datetime.min + start).time()
    clock = f"{start:%H:%M}" if isinstance(start, dt.time) else "00:00"
    return f"{v.visitdate.isoformat() if v.visitdate else ''} {clock}"


def claim_body(
    item: Eligible, *, hcode: str, hospital_name: str, rules: MophRules
) -> dict[str, Any]:
    """The JSON MOPH Claim takes for one claim (reference §4.2)."""
    v = item.bundle.visit
    when = _visit_time(item.bundle)
    born = exact(v.birth)  # a year alone gives no date of birth, only an age
    body: dict[str, Any] = {
        "seq": v.seq, "hn": v.hn, "pid": v.cid, "id_type": "1", "title": v.title,
        "fname": v.first_name, "lname": v.last_name, "dob": born.isoformat() if born else "",
        "sex": v.sex, "marriage": "", "nation": (v.nation or "099").zfill(3)[-3:],
        "hcode": hcode, "hospital_name": hospital_name, "visit_date_time": when,
    }  # fmt: skip
    licence = next((d.provider_licence for d in item.bundle.diagnoses if d.provider_licence), "")
    if item.kind in ("dm", "ht"):
        body.update(
            occupa="",
            uuc="1",
            is_used_dm="1" if item.kind == "dm" else "0",
            is_used_ht="1" if item.kind == "ht" else "0",
            diagnosis=[
                {"dx_date_time": when, "icd10": d.code, "dx_type": d.dxtype}
                for d in item.bundle.diagnoses
            ],
            claim_services=[
                {"name": service.name, "code": service.code, "lab_result": result}
                for service, result in item.labs
            ],
        )
    else:
        body["vaccine"] = [
            {
                "code": x.export_code,
                "lot_number": x.lot,
                "dose_quantity": "1",
                "manufacturer": "",
                "expiration_date": "",
                "occurrence_time": f"{(x.day or v.visitdate or dt.date.min).isoformat()} "
                + when[-5:],
                "site_code": "",
                "route_code": rules.route_code,
                "license_no": licence,
                "name": x.vaccinecode,
                "note": "",
            }
            for x in item.vaccines
        ]
    return body


ENDPOINTS: dict[Kind, Endpoint] = {"dm": "dmht", "ht": "dmht", "epi": "epi", "dt": "dt"}


def endpoint_for(kind: Kind) -> Endpoint:
    return ENDPOINTS[kind]
