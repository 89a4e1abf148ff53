"""Checking a typed password against ``user.password`` the way JHCIS stores it.

Public tools read and compare ``user.password`` directly, so most installations
probably keep it in clear; some builds or local tools may have replaced it with a
hex digest. The stored value's shape decides how to compare: a well-formed digest
(MD5, SHA-1, SHA-256, or MySQL's ``PASSWORD()`` form ``*`` + 40 hex) is compared only
as that digest of the typed text, so that knowing a digest is not enough to sign in;
anything else is compared as clear text. Every comparison is constant-time, and
nothing here stores, returns or logs the password.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

_HEX = re.compile(r"^[0-9a-fA-F]+$")


class PasswordFormat(StrEnum):
    empty = "empty"
    plain = "plain"
    md5 = "md5"
    sha1 = "sha1"
    sha256 = "sha256"
    mysql41 = "mysql41"  # MySQL PASSWORD(): '*' + upper hex SHA1(SHA1(p))
    unsupported = "unsupported"  # bcrypt/crypt-style hashes we cannot check


_DIGEST_BY_LENGTH = {32: PasswordFormat.md5, 40: PasswordFormat.sha1, 64: PasswordFormat.sha256}


def detect_format(stored: str | None) -> PasswordFormat:
    """The storage format of a ``user.password`` value, judged by its shape."""
    if stored is None or stored == "":
        return PasswordFormat.empty
    if stored.startswith("*") and len(stored) == 41 and _HEX.match(stored[1:]):
        return PasswordFormat.mysql41
    if len(stored) in _DIGEST_BY_LENGTH and _HEX.match(stored):
        return _DIGEST_BY_LENGTH[len(stored)]
    if stored.startswith(("$2a$", "$2b$", "$2y$", "$argon2", "$5$", "$6$", "$1$")):
        return PasswordFormat.unsupported
    return PasswordFormat.plain


def _digest(fmt: PasswordFormat, candidate: bytes) -> str:
    if fmt is PasswordFormat.mysql41:
        inner = hashlib.sha1(candidate).digest()  # noqa: S324 - JHCIS's format, not ours
        return "*" + hashlib.sha1(inner).hexdigest().upper()  # noqa: S324
    name = {PasswordFormat.md5: "md5", PasswordFormat.sha1: "sha1"}.get(fmt, "sha256")
    return hashlib.new(name, candidate).hexdigest()


def verify_password(stored: str | None, candidate: str) -> bool:
    """True when `candidate` is the password `stored` records (never for empty ones)."""
    fmt = detect_format(stored)
    if fmt in (PasswordFormat.empty, PasswordFormat.unsupported) or not candidate:
        return False
    assert stored is not None
    if fmt is PasswordFormat.plain:
        return hmac.compare_digest(stored.encode("utf-8"), candidate.encode("utf-8"))
    # Windows JHCIS builds may have saved the password from a TIS-620 form; try both.
    for encoding in ("utf-8", "cp874"):
        try:
            raw = candidate.encode(encoding)
        except UnicodeEncodeError:
            continue
        if hmac.compare_digest(_digest(fmt, raw).lower(), stored.lower()):
            return True
    return False
