"""The MOPH IC part of the MOPH sandbox: ImmunizationTarget, UpdateImmunization, หมอพร้อม.

Shapes (reference ``jhcis-and-exports.md`` §4.4 and §5, and the public consumers
cited in ``backoffice/reminders/README.md``):

* ``GET /api/ImmunizationTarget?cid=`` answers ``{MessageCode: 200, Message: "OK",
  result: {person, vaccine_history_count, vaccine_history[], confirm_appointment_slot[]}}``;
  each dose ``{vaccine_code, vaccine_name, immunization_datetime, hospital_code,
  hospital_name, vaccine_plan_no, vaccine_manufacturer_id, lot_number}``. A valid
  citizen ID MOPH IC does not know gets an empty history; an invalid one MessageCode 400.
* ``POST /api/UpdateImmunization``: ``hospital.hospital_code`` must be the token's unit,
  ``patient.cid`` a valid citizen ID, ``visit.visit_ref_code`` and ``visit_datetime``
  set, each ``visit.visit_immunization[]`` with ``vaccine_code`` and
  ``immunization_datetime``. The doses join that person's history (a second upload of
  the same visit replaces its doses); every upload is counted.
* ``POST /api/SendMessageTarget`` (หมอพร้อม): ``target`` (citizen IDs), ``hospital`` of
  the token's unit and ``message_title`` required; answers ``{MessageCode: 200}``.

Control panel: ``POST /_sandbox/ic/history {"cid", "doses": [...]}`` records doses
given elsewhere (the done-when's "a dose recorded only in MOPH IC").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from common.cid import is_valid_cid
from integrations.moph.sandbox_kit import Call


@dataclass
class IcSandbox:
    hospital_code: str
    hospital_name: str = "รพ.สต.ทดสอบ (sandbox)"
    lock: threading.Lock = field(default_factory=threading.Lock)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # cid -> doses
    updates: list[dict[str, Any]] = field(default_factory=list)  # UpdateImmunization bodies
    pushes: list[dict[str, Any]] = field(default_factory=list)  # SendMessageTarget bodies

    def add_doses(self, cid: str, doses: list[dict[str, Any]]) -> None:
        with self.lock:
            self.histories.setdefault(cid, []).extend(dict(d) for d in doses)

    def history(self, cid: str) -> list[dict[str, Any]]:
        with self.lock:
            doses = [dict(d) for d in self.histories.get(cid, [])]
        return sorted(doses, key=lambda d: str(d.get("immunization_datetime")))

    def update(self, body: Any) -> tuple[int, str]:
        problem = self._problem(body)
        if problem:
            return 400, problem
        visit, cid = body["visit"], body["patient"]["cid"]
        ref = str(visit["visit_ref_code"])
        doses = [
            {
                "vaccine_code": str(shot["vaccine_code"]),
                "vaccine_name": str(shot.get("vaccine_ref_name") or shot["vaccine_code"]),
                "immunization_datetime": str(shot["immunization_datetime"]),
                "hospital_code": self.hospital_code,
                "hospital_name": body["hospital"].get("hospital_name") or self.hospital_name,
                "vaccine_plan_no": shot.get("vaccine_plan_no"),
                "lot_number": shot.get("lot_number"),
                "_ref": ref,
            }
            for shot in visit["visit_immunization"]
        ]
        with self.lock:
            kept = [d for d in self.histories.get(cid, []) if d.get("_ref") != ref]
            self.histories[cid] = kept + doses
            self.updates.append(body)
        return 200, "OK"

    def _problem(self, body: Any) -> str:
        if not isinstance(body, dict):
            return "payload must be a JSON object"
        hospital, patient, visit = (body.get(k) or {} for k in ("hospital", "patient", "visit"))
        if not isinstance(hospital, dict) or hospital.get("hospital_code") != self.hospital_code:
            return "hospital.hospital_code must be the unit of this token"
        if not isinstance(patient, dict) or not is_valid_cid(str(patient.get("cid") or "")):
            return "patient.cid must be a valid citizen ID"
        if not isinstance(visit, dict) or not visit.get("visit_ref_code"):
            return "visit.visit_ref_code is required"
        if not visit.get("visit_datetime"):
            return "visit.visit_datetime is required"
        shots = visit.get("visit_immunization")
        if not isinstance(shots, list) or not shots:
            return "visit.visit_immunization[] is required"
        for shot in shots:
            if not isinstance(shot, dict) or not shot.get("vaccine_code"):
                return "visit_immunization[].vaccine_code is required"
            if not shot.get("immunization_datetime"):
                return "visit_immunization[].immunization_datetime is required"
        return ""

    def push(self, body: dict[str, Any]) -> bool:
        targets, hospital = body.get("target"), body.get("hospital")
        ok = (
            isinstance(targets, list)
            and bool(targets)
            and isinstance(hospital, dict)
            and hospital.get("hospital_code") == self.hospital_code
            and bool(body.get("message_title"))
        )
        if ok:
            with self.lock:
                self.pushes.append(body)
        return ok

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"updates": len(self.updates), "pushes": len(self.pushes)}


def route(ic: IcSandbox, call: Call) -> bool:
    """Answer an IC request (the token is checked by the caller); False when not IC's."""
    reply, path, body = call.reply, call.path, call.body
    if call.method == "GET" and path == "/api/ImmunizationTarget":
        cid = call.arg("cid")
        if not is_valid_cid(cid):
            reply(200, {"MessageCode": 400, "Message": "invalid cid"})
            return True
        doses = [{k: v for k, v in d.items() if not k.startswith("_")} for d in ic.history(cid)]
        result = {
            "person": {} if not doses else {"cid": cid},
            "vaccine_history_count": len(doses),
            "vaccine_history": doses,
            "confirm_appointment_slot": [],
        }
        reply(200, {"MessageCode": 200, "Message": "OK", "result": result})
        return True
    if call.method == "POST" and path == "/api/UpdateImmunization":
        if call.faults.take("reject", path):
            reply(200, {"MessageCode": 400, "Message": "rejected (sandbox fault)"})
            return True
        code, message = ic.update(body)
        reply(200, {"MessageCode": code, "Message": message})
        return True
    if call.method == "POST" and path == "/api/SendMessageTarget":
        if isinstance(body, dict) and ic.push(body):
            reply(200, {"MessageCode": 200, "Message": "OK"})
        else:
            reply(200, {"MessageCode": 400, "Message": "target, hospital, title required"})
        return True
    return False
