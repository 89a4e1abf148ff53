"""What this clinic's database actually has: tables, columns, charsets, version.

Real JHCIS databases differ by version (recent claim columns may be missing) and by
installation (tables in tis620, utf8 or latin1). The profile is read once at connect
time from ``information_schema`` (MySQL/MariaDB) or the SQLite catalogue, and every
query then selects and writes only the columns that are present.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Column, Connection, Table, inspect, text

from integrations.jhcis.engine import is_mysql
from integrations.jhcis.tables import JHCIS_TABLES

# Charsets in which the server converts Thai correctly to and from utf8mb4.
THAI_SAFE_CHARSETS = frozenset({"tis620", "utf8", "utf8mb3", "utf8mb4", "cp874"})


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    column_type: str
    charset: str | None  # None for non-text columns and on SQLite


@dataclass
class SchemaProfile:
    dialect: str
    server_version: str
    database: str
    default_charset: str | None
    tables: dict[str, dict[str, ColumnInfo]] = field(default_factory=dict)

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def has_column(self, table: str, column: str) -> bool:
        return column in self.tables.get(table, {})

    def charset(self, table: str, column: str) -> str | None:
        info = self.tables.get(table, {}).get(column)
        return info.charset if info else None

    def present(self, table: Table, names: Iterable[str] | None = None) -> list[Column[object]]:
        """The declared columns of `table` (or of `names`) that exist in this database."""
        wanted = list(names) if names is not None else [c.name for c in table.columns]
        return [table.c[n] for n in wanted if self.has_column(table.name, n)]

    def only_present(self, table: Table, values: dict[str, object]) -> dict[str, object]:
        """`values` without the keys whose column this database lacks."""
        return {k: v for k, v in values.items() if self.has_column(table.name, k)}

    def text_charsets(self) -> dict[str, set[str]]:
        """Charset -> {"table.column", ...} over the declared text columns."""
        out: dict[str, set[str]] = {}
        for table in JHCIS_TABLES:
            for column in table.columns:
                cs = self.charset(table.name, column.name)
                if cs:
                    out.setdefault(cs, set()).add(f"{table.name}.{column.name}")
        return out


def detect_profile(conn: Connection, table_names: Iterable[str] | None = None) -> SchemaProfile:
    """Read the profile of the database `conn` is connected to."""
    names = sorted(table_names or {t.name for t in JHCIS_TABLES})
    if is_mysql(conn):
        return _mysql_profile(conn, names)
    return _sqlite_profile(conn, names)


def _mysql_profile(conn: Connection, names: list[str]) -> SchemaProfile:
    version = str(conn.execute(text("SELECT VERSION()")).scalar_one())
    database = str(conn.execute(text("SELECT DATABASE()")).scalar_one() or "")
    default_cs = conn.execute(
        text(
            "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA "
            "WHERE SCHEMA_NAME = DATABASE()"
        )
    ).scalar()
    profile = SchemaProfile("mysql", version, database, default_cs)
    rows = conn.execute(
        text(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION"
        )
    )
    wanted = set(names)
    for table_name, column_name, column_type, charset in rows:
        # information_schema may report names in another case on Windows servers.
        key = str(table_name).lower()
        if key in wanted or key.startswith("kiosk_"):
            profile.tables.setdefault(key, {})[str(column_name).lower()] = ColumnInfo(
                str(column_name), str(column_type), str(charset) if charset else None
            )
    return profile


def _sqlite_profile(conn: Connection, names: list[str]) -> SchemaProfile:
    version = str(conn.execute(text("SELECT sqlite_version()")).scalar_one())
    profile = SchemaProfile("sqlite", version, "main", "utf8")
    inspector = inspect(conn)
    existing = {n.lower(): n for n in inspector.get_table_names()}
    for name in [*names, *(n for n in existing if n.startswith("kiosk_"))]:
        if name not in existing:
            continue
        columns = inspector.get_columns(existing[name])
        profile.tables[name] = {
            str(c["name"]).lower(): ColumnInfo(str(c["name"]), str(c["type"]), None)
            for c in columns
        }
    return profile
