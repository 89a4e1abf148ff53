"""The MOPH-PHR part of the MOPH sandbox: ``UpdatePHRv1`` and ``OrganizationSummary``.

Written from the PHR API specification v2.3 (``SPEC.md`` of manoi-bms/moph-phr-payload-test;
see ``backoffice/phr/README.md``): a payload is ``{managingOrganization, Patient,
AllergyIntolerance[], CarePlan[], Encounter[]}``; the unit is
``managingOrganization.identifier.value`` (system ``https://bps.moph.go.th/hcode/5``);
the person's citizen ID is the ``Patient.identifier`` of system
``https://www.dopa.go.th``; ``gender`` is ``male`` or ``female``; ``birthDate`` is
``yyyy-mm-dd``; each encounter carries its reference in ``identifier[].value`` and its
time in ``period.start``. ``OrganizationSummary`` lists the references PHR holds for a
unit and day as ``HCODE:REF``.

What the real server answers is not published beyond the ``{MessageCode, Message}``
envelope; the sandbox answers ``MessageCode`` 200 on success and 400 with the first
problem found, both with HTTP 200. It keeps every encounter by reference (a second
upload of the same reference replaces the first, as the specification's appendix ค
describes re-sending) and counts every receipt, so a test sees a duplicate.
Authorization: a MOPH Account Center token of the sandbox, or a fixed ``HCODE:TOKEN``
(appendix จ) for ``UpdatePHRv1`` only.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from common.cid import is_valid_cid
from integrations.moph.sandbox_kit import Call

HCODE_SYSTEM = "https://bps.moph.go.th/hcode/5"
CID_SYSTEM = "https://www.dopa.go.th"


@dataclass
class PhrSandbox:
    hospital_code: str
    fixed_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    encounters: dict[str, dict[str, Any]] = field(default_factory=dict)  # ref -> encounter
    days: dict[str, str] = field(default_factory=dict)  # ref -> yyyy-mm-dd
    receipts: list[str] = field(default_factory=list)  # every reference received

    def receive(self, payload: Any) -> tuple[int, str]:
        problem = _problem(payload, self.hospital_code)
        if problem:
            return 400, problem
        with self.lock:
            for encounter in payload["Encounter"]:
                ref = _ref(encounter)
                self.encounters[ref] = encounter
                self.days[ref] = str(encounter["period"]["start"])[:10]
                self.receipts.append(ref)
        return 200, "OK"

    def refs_on(self, day: str) -> list[str]:
        with self.lock:
            return sorted(f"{self.hospital_code}:{r}" for r, d in self.days.items() if d == day)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"receipts": list(self.receipts), "encounters": sorted(self.encounters)}


def _ref(encounter: dict[str, Any]) -> str:
    identifiers = encounter.get("identifier") or []
    first = identifiers[0] if isinstance(identifiers, list) and identifiers else {}
    return str(first.get("value") or "").strip() if isinstance(first, dict) else ""


def _problem(payload: Any, hospital_code: str) -> str:
    """The first thing wrong with a payload, or ""."""
    if not isinstance(payload, dict):
        return "payload must be a JSON object"
    org = payload.get("managingOrganization") or {}
    ident = org.get("identifier") if isinstance(org, dict) else None
    if not isinstance(ident, dict) or ident.get("system") != HCODE_SYSTEM:
        return "managingOrganization.identifier (hcode/5) required"
    if ident.get("value") != hospital_code:
        return "managingOrganization is not the unit of this token"
    patient = payload.get("Patient") or {}
    ids = patient.get("identifier") if isinstance(patient, dict) else None
    cids = [
        i.get("value") for i in ids or [] if isinstance(i, dict) and i.get("system") == CID_SYSTEM
    ]
    if not cids or not is_valid_cid(str(cids[0])):
        return "Patient.identifier: a valid CID (www.dopa.go.th) is required"
    if patient.get("gender") not in ("male", "female"):
        return "Patient.gender must be male or female"
    if not _is_day(patient.get("birthDate")):
        return "Patient.birthDate must be yyyy-mm-dd"
    encounters = payload.get("Encounter")
    if not isinstance(encounters, list) or not encounters:
        return "at least one Encounter is required"
    for encounter in encounters:
        if not isinstance(encounter, dict) or not _ref(encounter):
            return "Encounter.identifier[].value (the encounter reference) is required"
        period = encounter.get("period") or {}
        if not isinstance(period, dict) or not _is_day(str(period.get("start") or "")[:10]):
            return "Encounter.period.start is required"
        for shot in encounter.get("Immunization") or []:
            codings = ((shot or {}).get("vaccineCode") or {}).get("coding") or [{}]
            if not str(codings[0].get("code") or "").strip() or not shot.get("occurrenceDateTime"):
                return "Immunization.vaccineCode and occurrenceDateTime are required"
    return ""


def _is_day(value: object) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def route(phr: PhrSandbox, call: Call) -> bool:
    """Answer a PHR request; False when the path is not PHR's."""
    reply, path = call.reply, call.path
    if call.method == "POST" and path == "/api/UpdatePHRv1":
        if not (call.jwt_ok or call.bearer in phr.fixed_tokens):
            reply(401, {"MessageCode": 401, "Message": "Unauthorized"})
        elif call.faults.take("reject", path):
            reply(200, {"MessageCode": 400, "Message": "rejected (sandbox fault)"})
        else:
            code, message = phr.receive(call.body)
            reply(200, {"MessageCode": code, "Message": message, "RequestTime": _now()})
        return True
    if call.method == "GET" and path == "/api/OrganizationSummary":
        if not call.jwt_ok:
            reply(401, {"MessageCode": 401, "Message": "Unauthorized"})
        elif call.arg("data") != "encounter_ref_code" or call.arg("hospital_code") != (
            phr.hospital_code
        ):
            reply(200, {"MessageCode": 400, "Message": "data=encounter_ref_code and own hcode"})
        else:
            refs = phr.refs_on(call.arg("date"))
            reply(200, {"MessageCode": 200, "Message": "OK", "result": refs})
        return True
    return False


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
