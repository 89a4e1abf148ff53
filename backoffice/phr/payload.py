"""One finished JHCIS visit as a MOPH-PHR ``UpdatePHRv1`` payload (one encounter).

The structure is the PHR API specification's (v2.3): ``{managingOrganization, Patient,
AllergyIntolerance, CarePlan, Encounter[{identifier, Coverage, vital_signs,
Observation, Condition, Medication, Claim, Appointment, Immunization,
DiagnosticReport}]}``, one encounter per payload as its appendix ค advises. Each field,
where it comes from in JHCIS and whether the specification confirms it or we guessed:
``README.md`` of this folder (table "Payload fields").

A visit that cannot make a valid payload (no valid citizen ID, no exact birth date, no
sex) is not sent: :func:`build` returns the problem codes instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backoffice.exports.rules import RuleSet
from backoffice.exports.screening import inscl_of
from backoffice.exports.source import Visit, VisitBundle
from backoffice.phr.finished import VisitState
from common.cid import is_valid_cid
from common.thaidate import exact

AGENT = "jhcis-kiosk backoffice (JHCIS)"
HCODE_SYSTEM = "https://bps.moph.go.th/hcode/5"
CID_SYSTEM = "https://www.dopa.go.th"
VN_SYSTEM = "https://bps.moph.go.th/vn"
VACCINE_SYSTEM = "https://refcode.moph.go.th/vaccine"
ENCOUNTER_TYPE_SYSTEM = "https://phr1.moph.go.th/api/CodingSystem?System=encounter_type"
NATIONALITY_SYSTEM = "https://phr1.moph.go.th/api/CodingSystem?System=nationality"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
TMT_SYSTEM = "https://www.this.or.th/tmt/gp"
TZ = "+07:00"  # JHCIS keeps Thai local time
DRUG_TYPES = ("01", "10")  # cdrug.drugtype: drugs, herbal drugs
GENDER = {"1": "male", "2": "female"}
# person.marystatus (43-file MSTATUS) -> HL7 v3 MaritalStatus
MARITAL = {"1": ("S", "โสด"), "2": ("M", "คู่"), "3": ("W", "หม้าย"), "4": ("D", "หย่า"),
           "5": ("L", "แยกกันอยู่")}  # fmt: skip
COVERAGE_TH = {
    "UCS": "สิทธิหลักประกันสุขภาพแห่งชาติ",
    "WEL": "สิทธิหลักประกันสุขภาพแห่งชาติ (ยกเว้นการร่วมจ่าย)",
    "OFC": "สิทธิข้าราชการ",
    "SSS": "สิทธิประกันสังคม",
    "LGO": "สิทธิข้าราชการส่วนท้องถิ่น",
}
_RIGHTS = RuleSet()


@dataclass(frozen=True)
class Built:
    payload: dict[str, Any]
    content_sha256: str
    vaccinations: int


def build(
    bundle: VisitBundle, state: VisitState, *, hcode: str, hospital_name: str
) -> Built | list[str]:
    """The payload and its checksum, or the problem codes that keep the visit unsent."""
    v = bundle.visit
    birth = exact(v.birth)
    problems = identity_problems(v, sex=True)
    if problems or birth is None:
        return problems
    organization = {
        "type": "Organization",
        "identifier": {"use": "official", "system": HCODE_SYSTEM, "value": hcode},
        "display": hospital_name,
    }
    payload = {
        "managingOrganization": {**organization, "agent": AGENT},
        "Patient": _patient(bundle, birth),
        "AllergyIntolerance": [],
        "CarePlan": [],
        "Encounter": [_encounter(bundle, state, hospital_name)],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Built(payload, hashlib.sha256(text.encode()).hexdigest(), len(bundle.vaccinations))


def identity_problems(v: Visit, *, sex: bool = False) -> list[str]:
    """What keeps a person's data from MOPH: no valid citizen ID, no exact birth date,
    and (`sex`) no sex."""
    checks = (
        ("invalid_cid", not is_valid_cid(v.cid)),
        ("no_birth_date", exact(v.birth) is None),
        ("no_sex", sex and v.sex not in GENDER),
    )
    return [code for code, bad in checks if bad]


def _patient(bundle: VisitBundle, birth: dt.date) -> dict[str, Any]:
    v = bundle.visit
    patient: dict[str, Any] = {
        "identifier": [{"use": "official", "system": CID_SYSTEM, "type": "CID", "value": v.cid}],
        "active": True,
        "name": [
            {
                "use": "official",
                "text": f"{v.title}{v.first_name} {v.last_name}".strip(),
                "languageCode": "TH",
                "family": v.last_name,
                "given": [v.first_name],
                "prefix": [v.title] if v.title else [],
                "suffix": [],
            }
        ],
        "gender": GENDER[v.sex],
        "birthDate": birth.isoformat(),
        "deceasedBoolean": False,
    }
    if v.nation.isdigit():
        code = v.nation.zfill(3)
        patient["nationality"] = {
            "text": "ไทย" if code == "099" else "",
            "coding": [{"system": NATIONALITY_SYSTEM, "code": code}],
        }
    if v.marriage in MARITAL:
        code, name = MARITAL[v.marriage]
        patient["maritalStatus"] = {
            "text": name,
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": code}
            ],
        }
    return patient


def _at(day: dt.date, time: dt.time | None) -> str:
    moment = dt.datetime.combine(day, time or dt.time(0, 0))
    return moment.replace(microsecond=0).isoformat() + TZ


def _encounter(bundle: VisitBundle, state: VisitState, hospital_name: str) -> dict[str, Any]:
    v = bundle.visit
    day = v.visitdate or state.visitdate
    period = {"start": _at(day, state.timestart)}
    if state.timeend is not None:
        period["end"] = _at(day, state.timeend)
    referred = bool(v.refer_from)
    right = inscl_of(v, _RIGHTS)
    return {
        "identifier": [{"use": "official", "system": VN_SYSTEM, "type": "VN", "value": v.seq}],
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
            "display": "ambulatory",
        },
        "type": [
            {
                "coding": [
                    {
                        "system": ENCOUNTER_TYPE_SYSTEM,
                        "code": "3" if referred else "1",
                        "display": "ส่งต่อจากหน่วยบริการอื่น" if referred else "มาเอง",
                    }
                ]
            }
        ],
        "period": period,
        "reason": [v.symptoms] if v.symptoms else [],
        "Coverage": [{"class_group": {"value": right, "name": COVERAGE_TH.get(right, "")}}]
        if right
        else [],
        "vital_signs": _vitals(bundle, state),
        "Observation": [],
        "Condition": [_condition(d.code) for d in bundle.diagnoses],
        "Medication": [
            {
                "code": {
                    "coding": [{"system": TMT_SYSTEM, "code": item.tmtcode, "display": item.name}]
                    if item.tmtcode
                    else [],
                    "text": item.name,
                },
                "status": "active",
                "category": "Outpatient",
            }
            for item in bundle.items
            if item.drugtype in DRUG_TYPES
        ],
        "Claim": [],
        "Appointment": [],
        "Immunization": [_immunization(bundle, x, hospital_name) for x in bundle.vaccinations],
        "DiagnosticReport": [],
    }


def _vitals(bundle: VisitBundle, state: VisitState) -> dict[str, float]:
    v = bundle.visit
    found: dict[str, Decimal | None] = {
        "body_weight_kg": state.weight,
        "body_height_cm": state.height,
        "body_temp_cel": v.temperature,
    }
    systolic, _, diastolic = v.pressure.partition("/")
    if systolic.strip().isdigit() and diastolic.strip().isdigit():
        found["bp_systolic_mmhg"] = Decimal(systolic.strip())
        found["bp_diastolic_mmhg"] = Decimal(diastolic.strip())
    return {k: float(value) for k, value in found.items() if value is not None and value > 0}


def _condition(code: str) -> dict[str, Any]:
    # ICD-10 as the standard writes it: the dot JHCIS exports strip, put back.
    dotted = f"{code[:3]}.{code[3:]}" if len(code) > 3 else code
    return {
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": ICD10_SYSTEM, "code": dotted}]},
    }


def _immunization(bundle: VisitBundle, shot: Any, hospital_name: str) -> dict[str, Any]:
    v = bundle.visit
    day = shot.day or v.visitdate
    given: dict[str, Any] = {
        "status": "completed",
        "vaccineCode": {
            "coding": [{"system": VACCINE_SYSTEM, "code": shot.export_code}],
            "text": shot.vaccinecode,
        },
        "encounterRefCode": v.seq,
        "occurrenceDateTime": _at(day, v.timestart) if day else "",
        "primarySource": True,
        "location": hospital_name,
        "lotNumber": shot.lot,
    }
    if shot.manufacturer:
        given["manufacturer"] = shot.manufacturer
    if shot.expiry:
        given["expirationDate"] = shot.expiry.isoformat()
    if v.provider_licence or v.provider_name:
        given["performer"] = {"license_no": v.provider_licence, "name": v.provider_name}
    return given
