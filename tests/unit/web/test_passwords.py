"""JHCIS password formats: clear text, hex digests, MySQL PASSWORD(), and what we refuse."""

from __future__ import annotations

import hashlib

import pytest

from backoffice.web.passwords import PasswordFormat, detect_format, verify_password


def _mysql41(text: str) -> str:
    return "*" + hashlib.sha1(hashlib.sha1(text.encode()).digest()).hexdigest().upper()


@pytest.mark.parametrize(
    ("stored", "fmt"),
    [
        (None, PasswordFormat.empty),
        ("", PasswordFormat.empty),
        ("secret", PasswordFormat.plain),
        (hashlib.md5(b"x").hexdigest(), PasswordFormat.md5),
        (hashlib.sha1(b"x").hexdigest().upper(), PasswordFormat.sha1),
        (hashlib.sha256(b"x").hexdigest(), PasswordFormat.sha256),
        (_mysql41("x"), PasswordFormat.mysql41),
        ("$2b$12$abcdefghijklmnopqrstuv", PasswordFormat.unsupported),
    ],
)
def test_detect_format(stored: str | None, fmt: PasswordFormat) -> None:
    assert detect_format(stored) is fmt


@pytest.mark.parametrize(
    "stored",
    [
        "1234",
        "ผ่าน1234",
        hashlib.md5(b"1234").hexdigest(),
        hashlib.md5(b"1234").hexdigest().upper(),
        hashlib.sha1(b"1234").hexdigest(),
        hashlib.sha256(b"1234").hexdigest(),
        _mysql41("1234"),
    ],
)
def test_right_password_matches_every_format(stored: str) -> None:
    typed = "ผ่าน1234" if stored == "ผ่าน1234" else "1234"
    assert verify_password(stored, typed)
    assert not verify_password(stored, typed + "5")
    assert not verify_password(stored, "")


def test_a_stored_digest_is_not_itself_a_password() -> None:
    digest = hashlib.md5(b"1234").hexdigest()
    assert not verify_password(digest, digest)


def test_thai_password_saved_from_a_tis620_form() -> None:
    stored = hashlib.md5("รหัส".encode("cp874")).hexdigest()
    assert verify_password(stored, "รหัส")


@pytest.mark.parametrize("stored", [None, "", "$2y$10$abcdefghijklmnopqrstuv"])
def test_empty_and_unsupported_never_match(stored: str | None) -> None:
    assert not verify_password(stored, "anything")
    assert not verify_password(stored, "")
