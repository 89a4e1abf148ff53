"""Thai text kept as raw bytes in ``latin1`` columns (old installations).

Some MySQL databases declare text columns ``latin1`` while the programs that wrote
them sent TIS-620 (or UTF-8) bytes: the server stores the bytes unchanged, and a
correct utf8mb4 connection then reads them back as Latin letters ("ÊÁªÒÂ"). When
the profile finds such columns, the clinic layer samples ``person.fname`` to decide
which bytes they hold and transcodes on the way in and out, so the bytes a legacy
program reads are the bytes it wrote.

MySQL's latin1 is Windows-1252 with the five undefined bytes (0x81, 0x8D, 0x8F, 0x90,
0x9D) mapped to themselves; the helpers below reproduce exactly that mapping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, text

from integrations.jhcis.profile import SchemaProfile
from integrations.jhcis.tables import JHCIS_TABLES

LegacyEncoding = Literal["tis620", "utf8"]
_PY_CODEC = {"tis620": "tis-620", "utf8": "utf-8"}


def _byte_to_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


_BYTE_TO_CHAR = [_byte_to_char(b) for b in range(256)]
_CHAR_TO_BYTE = {ch: b for b, ch in enumerate(_BYTE_TO_CHAR)}


def mysql_latin1_to_bytes(value: str) -> bytes | None:
    """The bytes a latin1 column holds for `value` as read over a utf8 connection."""
    out = bytearray()
    for ch in value:
        byte = _CHAR_TO_BYTE.get(ch)
        if byte is None:
            return None  # not a latin1-column value: leave it alone
        out.append(byte)
    return bytes(out)


def bytes_to_mysql_latin1(raw: bytes) -> str:
    return "".join(_BYTE_TO_CHAR[b] for b in raw)


def guess_encoding(samples: Iterable[bytes]) -> LegacyEncoding:
    """UTF-8 when the high bytes decode as UTF-8 Thai, else TIS-620 (JHCIS's Thai)."""
    for raw in samples:
        if not any(b >= 0x80 for b in raw):
            continue
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "tis620"
        if any("\u0e00" <= ch <= "\u0e7f" for ch in decoded):
            return "utf8"
    return "tis620"


@dataclass(frozen=True)
class LegacyText:
    """Transcoding for the latin1 columns of one database."""

    encoding: LegacyEncoding
    columns: frozenset[tuple[str, str]]

    def applies(self, table: str, column: str) -> bool:
        return (table, column) in self.columns

    def decode(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        raw = mysql_latin1_to_bytes(value)
        if raw is None:
            return value
        try:
            return raw.decode(_PY_CODEC[self.encoding])
        except UnicodeDecodeError:
            return value

    def encode(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        return bytes_to_mysql_latin1(value.encode(_PY_CODEC[self.encoding], errors="strict"))


def sample_raw(conn: Connection, table: str, column: str, limit: int = 50) -> list[bytes]:
    """Raw bytes of up to `limit` non-empty values (identifiers come from our tables)."""
    rows = conn.execute(
        text(
            f"SELECT HEX({column}) FROM {table} "  # noqa: S608 - names from tables.py
            f"WHERE {column} IS NOT NULL AND {column} <> '' LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [bytes.fromhex(str(h)) for (h,) in rows if h]


def detect_legacy_text(conn: Connection, profile: SchemaProfile) -> LegacyText | None:
    """The transcoding this database needs, or None when its text columns hold Thai."""
    columns = frozenset(
        (table.name, column.name)
        for table in JHCIS_TABLES
        for column in table.columns
        if profile.charset(table.name, column.name) == "latin1"
    )
    if not columns:
        return None
    samples: list[bytes] = []
    for table, column in (("person", "fname"), ("person", "lname"), ("ctitle", "titlename")):
        if (table, column) in columns:
            samples.extend(sample_raw(conn, table, column))
    return LegacyText(guess_encoding(samples), columns)
