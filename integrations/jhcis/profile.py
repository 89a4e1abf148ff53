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
    max_length: int | None = None  # characters, for text columns
    nullable: bool = True
    has_default: bool = True  # NOT NULL without a default: every insert must name it


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key the database enforces: table(columns) -> ref_table(ref_columns)."""

    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass
class SchemaProfile:
    dialect: str
    server_version: str
    database: str
    default_charset: str | None
    tables: dict[str, dict[str, ColumnInfo]] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    sql_mode: str = ""

    @property
    def zero_in_date_ok(self) -> bool:
        """Does the server store a date with a zero month or day (``1965-00-00``)? Not
        under NO_ZERO_IN_DATE (refused when strict, turned into 0000-00-00 when not)."""
        return "NO_ZERO_IN_DATE" not in self.sql_mode.upper()

    def column(self, table: str, column: str) -> ColumnInfo | None:
        return self.tables.get(table, {}).get(column)

    def width(self, table: str, column: str) -> int | None:
        """The column's length in characters, if it is a text column with one."""
        info = self.column(table, column)
        return info.max_length if info else None

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
    profile.sql_mode = str(conn.execute(text("SELECT @@SESSION.sql_mode")).scalar() or "")
    rows = conn.execute(
        text(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, "
            "CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION"
        )
    )
    wanted = set(names)
    for table_name, column_name, column_type, charset, length, nullable, default, extra in rows:
        # information_schema may report names in another case on Windows servers.
        key = str(table_name).lower()
        if key in wanted or key.startswith("kiosk_"):
            is_nullable = str(nullable).upper() == "YES"
            # MariaDB 10.2+ reports a NULL default of a nullable column as the text 'NULL'.
            has_default = is_nullable or default is not None or "auto_increment" in str(extra or "")
            profile.tables.setdefault(key, {})[str(column_name).lower()] = ColumnInfo(
                str(column_name),
                str(column_type),
                str(charset) if charset else None,
                int(str(length)) if length is not None and charset else None,
                is_nullable,
                has_default,
            )
    keys = conn.execute(
        text(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
            "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
            "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL "
            "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
        )
    )
    grouped: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for table_name, constraint, column, ref_table, ref_column in keys:
        grouped.setdefault((str(table_name).lower(), str(constraint)), []).append(
            (str(column).lower(), str(ref_table).lower(), str(ref_column).lower())
        )
    for (table_name, _constraint), parts in grouped.items():
        if table_name in wanted:
            profile.foreign_keys.append(
                ForeignKey(
                    table_name,
                    tuple(c for c, _, _ in parts),
                    parts[0][1],
                    tuple(r for _, _, r in parts),
                )
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
            str(c["name"]).lower(): ColumnInfo(
                str(c["name"]),
                str(c["type"]),
                None,
                getattr(c["type"], "length", None),
                bool(c["nullable"]),
                bool(c["nullable"]) or c.get("default") is not None or bool(c.get("primary_key")),
            )
            for c in columns
        }
        if name in names:
            profile.foreign_keys.extend(
                ForeignKey(
                    name,
                    tuple(str(c).lower() for c in fk["constrained_columns"]),
                    str(fk["referred_table"]).lower(),
                    tuple(str(c).lower() for c in fk["referred_columns"]),
                )
                for fk in inspector.get_foreign_keys(existing[name])
            )
    return profile
