"""Thai citizen ID (เลขประจำตัวประชาชน): checksum and masking."""

from __future__ import annotations

import re

_CID_RE = re.compile(r"^\d{13}$")


def cid_check_digit(first12: str) -> int:
    """The 13th digit: weights 13..2 over the first twelve, then (11 - s mod 11) mod 10."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("need exactly 12 digits")
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def is_valid_cid(cid: str) -> bool:
    """True when `cid` is 13 digits with a correct check digit."""
    if not _CID_RE.match(cid):
        return False
    return cid_check_digit(cid[:12]) == int(cid[12])


def mask_cid(cid: str) -> str:
    """Keep only the last four digits, grouped the way the card prints them."""
    digits = re.sub(r"\D", "", cid)
    if len(digits) != 13:
        return "x" * len(digits)
    return f"x-xxxx-xxxxx-{digits[10:12]}-{digits[12]}"


def mask_phone(phone: str) -> str:
    """0812345678 -> 08x-xxx-5678: enough for the owner to recognise, not for a stranger."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return "x" * len(digits)
    return f"{digits[:2]}x-xxx-{digits[-4:]}"


def mask_name(first: str, last: str = "", title: str = "") -> str:
    """ "นาย สมชาย ใจดี" -> "นาย สมชาย ใ•••": first name kept, surname reduced to one letter."""
    parts = [p for p in (title.strip(), first.strip()) if p]
    last = last.strip()
    if last:
        parts.append(_first_grapheme(last) + "•••")
    return " ".join(parts)


def _first_grapheme(text: str) -> str:
    # Thai leading vowels (เ แ โ ใ ไ) are written before the consonant they follow
    # in speech; keep one base letter and any marks stacked on it.
    out = text[0]
    for ch in text[1:]:
        if _is_thai_combining(ch):
            out += ch
        else:
            break
    return out


def _is_thai_combining(ch: str) -> bool:
    code = ord(ch)
    return code == 0x0E31 or 0x0E34 <= code <= 0x0E3A or 0x0E47 <= code <= 0x0E4E
