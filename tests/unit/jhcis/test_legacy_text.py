"""The latin1 byte mapping and the TIS-620/UTF-8 guess (no database)."""

from __future__ import annotations

from integrations.jhcis.legacy_text import (
    LegacyText,
    bytes_to_mysql_latin1,
    guess_encoding,
    mysql_latin1_to_bytes,
)

ALL_THAI = "".join(chr(c) for c in range(0x0E01, 0x0E5C) if c not in range(0x0E3B, 0x0E3F))


def test_every_byte_round_trips() -> None:
    raw = bytes(range(256))
    assert mysql_latin1_to_bytes(bytes_to_mysql_latin1(raw)) == raw
    assert bytes_to_mysql_latin1(b"\x80\x81") == "€\x81"  # cp1252 where defined, else itself


def test_all_thai_characters_round_trip_both_ways() -> None:
    for encoding in ("tis620", "utf8"):
        legacy = LegacyText(encoding, frozenset())  # type: ignore[arg-type]
        stored = legacy.encode(ALL_THAI)
        assert isinstance(stored, str) and not any("\u0e00" <= c <= "\u0e7f" for c in stored)
        assert legacy.decode(stored) == ALL_THAI


def test_values_that_are_not_legacy_pass_through() -> None:
    legacy = LegacyText("tis620", frozenset({("person", "fname")}))
    assert legacy.decode("สมชาย") == "สมชาย"  # already Thai: not latin1-column bytes
    assert legacy.decode(None) is None and legacy.encode(5) == 5
    assert legacy.applies("person", "fname") and not legacy.applies("person", "lname")


def test_guess_encoding() -> None:
    assert guess_encoding([b"abc", "สม".encode("tis-620")]) == "tis620"
    assert guess_encoding([b"abc", "สม".encode()]) == "utf8"
    assert guess_encoding([]) == "tis620"
