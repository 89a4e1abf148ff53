"""A person's main right (NHSO's ``mainInscl``) in the words a patient knows, for tickets.

NHSO names a right in administrative Thai ("สิทธิหลักประกันสุขภาพแห่งชาติ"); people call
it by what is on their mind when they come in: บัตรทอง, ประกันสังคม, ข้าราชการ. The code
stays beside the words, as staff read it. The codes are those of NHSO's close-right API
(reference nhso-api.md §4.1: WEL, UCS, OFC, LGO, SSS, OTH, COR); WEL is UC's fee-exempt
sub-right, a บัตรทอง to the patient.
"""

from __future__ import annotations

import re

PLAIN_WORDS: dict[str, str] = {
    "UCS": "บัตรทอง",
    "WEL": "บัตรทอง",
    "OFC": "ข้าราชการ",
    "LGO": "ข้าราชการส่วนท้องถิ่น",
    "SSS": "ประกันสังคม",
    "OTH": "ไม่ใช้สิทธิ",
    "COR": "สิทธิคู่สัญญา",
}
# An NHSO main right code: three capital letters (a 43-file INSTYPE is digits, never shown).
_CODE = re.compile(r"^[A-Z]{3}$")
# NHSO's agent sends "(UCS) สิทธิหลักประกันสุขภาพแห่งชาติ"; the code goes after the words.
_LEADING_CODE = re.compile(r"^\(\w+\)\s*")


def right_words(code: str | None, name: str | None = None) -> str:
    """The right as a patient says it, code after: "บัตรทอง (UCS)". A code without words
    here: `name` (NHSO's or JHCIS's own) with the code after it when it is an NHSO code;
    "" when there is neither."""
    code = (code or "").strip().upper()
    nhso_code = code if _CODE.match(code) else ""
    words = PLAIN_WORDS.get(nhso_code) or _LEADING_CODE.sub("", (name or "").strip())
    if not words:
        return nhso_code
    return f"{words} ({nhso_code})" if nhso_code else words
