"""MOPH Immunization Center (cvp1.moph.go.th) beyond claims, with the same token.

Reference ``jhcis-and-exports.md`` §4.4 and §5; field by field and how sure in
``backoffice/reminders/README.md`` ("Vaccine history"):

* ``GET /api/ImmunizationTarget?cid=`` answers ``{MessageCode, Message, result: {person,
  vaccine_history_count, vaccine_history[], confirm_appointment_slot[]}}``. Each
  history entry as public consumers read it: ``vaccine_name``, ``immunization_datetime``,
  ``hospital_name``, ``vaccine_manufacturer_id``, ``vaccine_plan_no``; we also read
  ``vaccine_code``, ``hospital_code`` and ``lot_number`` where present (the names
  ``UpdateImmunization`` uses; their presence in the history is a guess).
* ``POST /api/UpdateImmunization`` with ``{hospital, patient, immunization_plan, visit:
  {visit_guid, visit_ref_code, visit_datetime, visit_immunization[]}}``.
* ``POST /api/SendMessageTarget`` (หมอพร้อม push, used by the reminders).

``claim_base`` is the IC host (``moph.ic_base_url``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from integrations.moph.client import MophClaimClient
from integrations.moph.envelope import UploadAnswer, read_result, read_upload_answer

PROD_IC_BASE = "https://cvp1.moph.go.th"
SEND_MESSAGE_PATH = "api/SendMessageTarget"
TARGET_PATH = "api/ImmunizationTarget"
UPDATE_PATH = "api/UpdateImmunization"


@dataclass(frozen=True)
class IcDose:
    """One dose MOPH IC holds for a person (no name, no citizen ID)."""

    vaccine_code: str
    vaccine_name: str
    given_on: dt.date | None
    hospital_code: str
    hospital_name: str
    dose_no: str
    lot: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "vaccine_code": self.vaccine_code,
            "vaccine_name": self.vaccine_name,
            "given_on": self.given_on.isoformat() if self.given_on else None,
            "hospital_code": self.hospital_code,
            "hospital_name": self.hospital_name,
            "dose_no": self.dose_no,
            "lot": self.lot,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IcDose:
        return cls(
            vaccine_code=_text(data.get("vaccine_code")),
            vaccine_name=_text(data.get("vaccine_name") or data.get("vaccine_ref_name")),
            given_on=_day(data.get("given_on") or data.get("immunization_datetime")),
            hospital_code=_text(data.get("hospital_code")),
            hospital_name=_text(data.get("hospital_name")),
            dose_no=_text(data.get("dose_no") or data.get("vaccine_plan_no")),
            lot=_text(data.get("lot") or data.get("lot_number")),
        )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _day(value: object) -> dt.date | None:
    text = _text(value)[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class MophIcClient(MophClaimClient):
    """MOPH Immunization Center calls with the MOPH Account Center token."""

    def send_message_target(
        self,
        *,
        hospital_name: str,
        reference: str,
        title: str,
        html: str,
        targets: list[str],
        confirm_url: str = "",
    ) -> dict[str, Any]:
        body = {
            "hospital": {
                "hospital_code": self.hospital_code,
                "hospital_name": hospital_name,
                "his_identifier": "JHCIS",
            },
            "message_ref_code": reference,
            "message_title": title,
            "message_content_html": html,
            "message_confirm_url": confirm_url,
            "target": targets,
        }
        return self._authorized(
            "POST", self.claim_base + SEND_MESSAGE_PATH, "SendMessageTarget", body
        )

    def immunization_history(self, cid: str) -> list[IcDose]:
        """The doses MOPH IC holds for `cid` (ImmunizationTarget), oldest first.

        An unknown citizen ID is an empty history (the answer is read, not raised), so a
        child new to MOPH IC shows the clinic's own doses only.
        """
        template = "ImmunizationTarget"
        response = self._authorized_response(
            "GET", self.claim_base + TARGET_PATH, template, params={"cid": cid}
        )
        result = read_result(response, template)
        entries = result.get("vaccine_history") if isinstance(result, dict) else None
        entries = entries or []
        doses = [IcDose.from_dict(e) for e in entries if isinstance(e, dict)]
        return sorted(doses, key=lambda d: (d.given_on or dt.date.min, d.vaccine_code))

    def update_immunization(self, body: dict[str, Any]) -> UploadAnswer:
        """Send one visit's doses (UpdateImmunization); MOPH's answer, read for a ledger."""
        response = self._authorized_response(
            "POST", self.claim_base + UPDATE_PATH, "UpdateImmunization", body
        )
        return read_upload_answer(response)
