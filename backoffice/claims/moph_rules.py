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

Every claim needs the visit's NHSO claim code (Authen), a valid citizen ID and a
right this unit sends (setting ``moph.rights``, UC by default), and every vaccine its
lot number. A visit that fails is listed with the reason; one that is sent with a field
MOPH may want and the record lacks (the vaccinator, the expiry date) gets a caution.
What each body field is read from: ``backoffice/claims/README.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from backoffice.exports.rules import RuleSet, load_toml_model
from backoffice.exports.screening import identity_problems, inscl_of
from backoffice.exports.source import Vaccination, VisitBundle
from common.config import MOPH_UC_RIGHTS
from common.thaidate import PartialDate, age_on, exact
from integrations.moph.client import Endpoint

Kind = Literal["dm", "ht", "epi", "dt"]
KINDS: tuple[Kind, ...] = ("dm", "ht", "epi", "dt")


def _series(*series: tuple[str, ...]) -> dict[str, str]:
    """Each code of a vaccine series -> its dose number (1 for the first code)."""
    return {code: str(n) for codes in series for n, code in enumerate(codes, start=1)}


# The 43-file VACCINETYPE codes whose name in MOPH's code sheet carries the dose (ปีงบ
# 2567, "ตับอักเสบบี 1..3", "ดีทีพี 1..3, กระตุ้น 1..2" ...; boosters are the series' 4th
# and 5th doses, DTP4/DTP5 and OPV4/OPV5). Codes whose name carries none (010 BCG,
# 061/073 MMR, 106 dT, 101 TT, 815 influenza ...) are not here: see dose_number.
DEFAULT_DOSES = _series(
    ("041", "042", "043"), ("044", "045", "046"), ("091", "092", "093"),
    ("D21", "D22", "D23"), ("081", "082", "083", "084", "085"), ("086", "087", "088"),
    ("031", "032", "033", "034", "035"), ("021", "022", "023", "024"), ("J11", "J12"),
    ("054", "055"), ("051", "052", "053"), ("R11", "R12"), ("R21", "R22", "R23"),
    ("310", "320"), ("111", "112", "113", "114", "115"), ("116", "117", "118", "119"),
    ("I11", "I12", "I13", "I14", "I15"), ("PE1", "PE2", "PE3"), ("B61", "B62"),
)  # fmt: skip
# JHCIS's own vaccine codes end in their dose where they name one (dT1, dT2, dTs1: the
# way JHCIS's report SQL counts adult dT doses), letters (and hyphens) before one digit.
LOCAL_DOSE = re.compile(r"[A-Za-z][A-Za-z-]*(\d)")


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
    # vaccine[].dose_quantity: the dose number, as the production JHCIS sender sends it
    # (unconfirmed: MOPH's document is not public). 43-file code -> dose.
    dose_by_code: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_DOSES))


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
    "right_not_sent": (
        "สิทธิการรักษาของการรับบริการนี้ไม่อยู่ในสิทธิที่ส่ง MOPH Claim "
        "(ตั้งค่า moph.rights ค่าเริ่มต้นส่งเฉพาะบัตรทอง UC)",
        "The visit's right is not one this unit sends to MOPH Claim (setting moph.rights; "
        "UC only by default).",
    ),
    "unknown_right": (
        "ไม่ทราบสิทธิการรักษาของการรับบริการนี้ (ไม่มีสิทธิจากบัตร และรหัสสิทธิ JHCIS แปลงไม่ได้)",
        "The visit's right is unknown (no right from the card, and its JHCIS right maps to none).",
    ),
}

# Sent all the same; staff may complete the record in JHCIS first.
CAUTIONS: dict[str, tuple[str, str]] = {
    "no_expiry_column": (
        "ฐานข้อมูล JHCIS นี้ไม่มีช่องวันหมดอายุวัคซีน (visitepi.datevacineexpire) จึงส่งวันหมดอายุเป็นค่าว่าง",
        "This JHCIS database has no vaccine expiry column (visitepi.datevacineexpire): "
        "expiry dates are sent empty.",
    ),
    "vaccine_no_expiry": (
        "วัคซีนไม่มีวันหมดอายุ จะส่งเป็นค่าว่าง (บันทึกได้ใน JHCIS)",
        "A vaccine has no expiry date and is sent without one (record it in JHCIS).",
    ),
    "vaccinator_unknown": (
        "ไม่มีชื่อหรือเลขใบประกอบวิชาชีพของผู้ให้บริการ (ผู้ฉีดวัคซีน) ในบัญชีผู้ใช้ JHCIS",
        "The visit's provider (the vaccinator) has no name or no licence number in JHCIS.",
    ),
}


@dataclass(frozen=True)
class Notice:
    """What is said of one claim (visit x kind); visitno 0 speaks of the whole plan."""

    TEXTS: ClassVar[dict[str, tuple[str, str]]] = {}
    pcucode: str
    visitno: int
    kind: str  # "" when no kind applies at all
    code: str

    @property
    def message_th(self) -> str:
        return self.TEXTS[self.code][0]

    @property
    def message_en(self) -> str:
        return self.TEXTS[self.code][1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pcucode": self.pcucode, "visitno": self.visitno, "kind": self.kind,
            "code": self.code, "message_th": self.message_th, "message_en": self.message_en,
        }  # fmt: skip


@dataclass(frozen=True)
class Ineligible(Notice):
    TEXTS: ClassVar[dict[str, tuple[str, str]]] = REASONS


@dataclass(frozen=True)
class Caution(Notice):
    TEXTS: ClassVar[dict[str, tuple[str, str]]] = CAUTIONS


@dataclass
class Eligible:
    bundle: VisitBundle
    kind: Kind
    labs: list[tuple[LabService, str]] = field(default_factory=list)  # service, result
    vaccines: list[Vaccination] = field(default_factory=list)


def _starts(code: str, prefixes: list[str]) -> bool:
    return code.startswith(tuple(prefixes)) if prefixes else False


# JHCIS right (cright) -> NHSO main right, where the visit kept no right from the card:
# the e-Claim export's default mapping (KIOSK_JHCIS's, reference §1.9).
_RIGHT_MAPPING = RuleSet()


def assess(
    bundle: VisitBundle, rules: MophRules, rights: Collection[str] = MOPH_UC_RIGHTS
) -> tuple[list[Eligible], list[Ineligible]]:
    """The claims one visit supports, and the reasons for those it cannot.

    `rights`: the NHSO main rights this unit sends (setting ``moph.rights``).
    """
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
    right = inscl_of(v, _RIGHT_MAPPING)
    if not right:
        general.append("unknown_right")
    elif right not in rights:
        general.append("right_not_sent")
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


def cautions(item: Eligible, *, expiry_column: bool = True) -> list[Caution]:
    """What a claim is sent without that MOPH may want (`expiry_column`: the database
    has visitepi.datevacineexpire; where it has not, the plan says so once)."""
    v = item.bundle.visit
    codes: list[str] = []
    if item.vaccines:
        if not (v.provider_name and v.provider_licence):
            codes.append("vaccinator_unknown")
        if expiry_column and any(x.expiry is None for x in item.vaccines):
            codes.append("vaccine_no_expiry")
    return [Caution(v.pcucode, v.visitno, item.kind, code) for code in codes]


def dose_number(vaccination: Vaccination, rules: MophRules) -> str:
    """vaccine[].dose_quantity: the dose the 43-file code names, else the one JHCIS's own
    code ends in (dT2), else "": JHCIS records no dose quantity or number of its own."""
    found = rules.dose_by_code.get(vaccination.export_code)
    if found:
        return found
    local = LOCAL_DOSE.fullmatch(vaccination.vaccinecode)
    return local.group(1) if local else ""


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
        "sex": v.sex, "marriage": v.marriage, "nation": (v.nation or "099").zfill(3)[-3:],
        "hcode": hcode, "hospital_name": hospital_name, "visit_date_time": when,
    }  # fmt: skip
    if item.kind in ("dm", "ht"):
        body.update(
            occupa=v.occupation,
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
        # The vaccinator is the visit's provider (visit.username): JHCIS keeps no
        # provider on visitepi, and the production sender reads the same account.
        body["vaccine"] = [
            {
                "code": x.export_code,
                "lot_number": x.lot,
                "dose_quantity": dose_number(x, rules),
                "manufacturer": x.manufacturer,
                "expiration_date": x.expiry.isoformat() if x.expiry else "",
                "occurrence_time": f"{(x.day or v.visitdate or dt.date.min).isoformat()} "
                + when[-5:],
                "site_code": "",
                "route_code": rules.route_code,
                "license_no": v.provider_licence,
                "name": v.provider_name,
                "note": "",
            }
            for x in item.vaccines
        ]
    return body


ENDPOINTS: dict[Kind, Endpoint] = {"dm": "dmht", "ht": "dmht", "epi": "epi", "dt": "dt"}


def endpoint_for(kind: Kind) -> Endpoint:
    return ENDPOINTS[kind]
