"""MOPH-PHR (phr1.moph.go.th): upload one encounter, ask which encounters a day holds.

From the PHR API specification (``โครงสร้างมาตรฐานข้อมูลสุขภาพ เพื่อใช้ส่งข้อมูลเข้าระบบ
MOPH-PHR`` v2.3, published as ``SPEC.md`` of the public repository
manoi-bms/moph-phr-payload-test; sources and how sure: ``backoffice/phr/README.md``):

* ``POST {base}/api/UpdatePHRv1`` with ``Authorization: Bearer <JWT>`` from MOPH Account
  Center (an account with the ``MOPH_PHR_HIE`` role), or the unit's one-year PHR token
  written ``HCODE:TOKEN`` (the specification's appendix จ, for this call only);
* ``GET {base}/api/OrganizationSummary?date=YYYY-MM-DD&data=encounter_ref_code&
  hospital_code=HCODE``: the encounter references PHR holds for the unit that day, each
  ``HCODE:REF`` (appendix ค). Always with the JWT.

The token is the MOPH Account Center token of :class:`MophClaimClient` (same user,
password and unit as MOPH Claim and MOPH IC).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import SecretStr

from common.logs import register_sensitive
from integrations.moph.client import MophClaimClient
from integrations.moph.envelope import UploadAnswer, read_result, read_upload_answer

PROD_PHR_BASE = "https://phr1.moph.go.th"
UPLOAD_PATH = "api/UpdatePHRv1"
SUMMARY_PATH = "api/OrganizationSummary"


class PhrClient(MophClaimClient):
    """One unit's MOPH-PHR uploads; ``phr_base`` is the PHR host (``moph.phr_base_url``)."""

    def __init__(
        self, *, phr_base: str, phr_token: SecretStr | str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(claim_base=phr_base or PROD_PHR_BASE, **kwargs)
        fixed = phr_token.get_secret_value() if isinstance(phr_token, SecretStr) else phr_token
        self._fixed = (fixed or "").strip()
        if self._fixed:
            register_sensitive([self._fixed, self._fixed.partition(":")[2]])

    @property
    def phr_base(self) -> str:
        return self.claim_base

    def ready(self) -> None:
        """Fetch the token before anything is recorded: a wrong password leaves no row."""
        if not self._fixed:
            self.token()

    def update_phr(self, payload: dict[str, Any]) -> UploadAnswer:
        """Send one person's payload (one encounter); MOPH's answer, read as a ledger needs."""
        response = self._authorized_response(
            "POST", self.claim_base + UPLOAD_PATH, "UpdatePHRv1", payload,
            bearer=self._fixed or None,
        )  # fmt: skip
        return read_upload_answer(response)

    def encounter_refs(self, day: dt.date) -> set[str]:
        """The references (without the unit prefix) PHR holds for this unit on `day`."""
        template = "OrganizationSummary"
        response = self._authorized_response(
            "GET", self.claim_base + SUMMARY_PATH, template,
            params={"date": day.isoformat(), "data": "encounter_ref_code",
                    "hospital_code": self.hospital_code},
        )  # fmt: skip
        result = read_result(response, template)
        # The specification says "an array" of HCODE:REF; objects carrying the reference
        # are read too, since the element shape is not shown.
        refs: set[str] = set()
        for item in result if isinstance(result, list) else []:
            text = item.get("encounter_ref_code", "") if isinstance(item, dict) else item
            unit, sep, ref = str(text).strip().partition(":")
            if sep and unit == self.hospital_code:
                refs.add(ref)
            elif not sep and unit:
                refs.add(unit)
        return refs
