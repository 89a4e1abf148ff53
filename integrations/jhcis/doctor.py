"""``backoffice doctor``: is this JHCIS database usable by the kiosk and the backoffice?

Connects read-only (a read-only session on MySQL/MariaDB, ``mode=ro`` on SQLite) and
reports server version, each required table and column, the charset of every text
column we use, the unit code from ``office``, and, for each missing optional column,
the exact ``ALTER TABLE`` an administrator may choose to run. It never changes
anything; it only prints those statements.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select, text
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError

from integrations.jhcis.clinic import CHECKIN_MAYBE_EMPTY, CHECKIN_WRITES, unit_code_from_office
from integrations.jhcis.constraints import LIVE_FOREIGN_KEYS
from integrations.jhcis.engine import open_engine
from integrations.jhcis.errors import JhcisError, JhcisUnavailable, ProviderNotFound
from integrations.jhcis.grants import effective_privileges, missing_privileges, risky_privileges
from integrations.jhcis.legacy_text import detect_legacy_text
from integrations.jhcis.own_tables import RUNTIME_TABLES
from integrations.jhcis.profile import THAI_SAFE_CHARSETS, SchemaProfile, detect_profile
from integrations.jhcis.staff import is_unit_account
from integrations.jhcis.tables import JHCIS_TABLES, KIOSK_TABLE_NAMES, is_optional, person

MIN_MYSQL = (5, 5, 3)  # utf8mb4 connections
# The unit's own residents (typelive 1-3; 4 is an out-of-area patient), reference §1.1.
RESIDENT_TYPELIVE = ("1", "2", "3")


@dataclass
class TableReport:
    name: str
    present: bool
    used_by_kiosk: bool
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    charsets: dict[str, str] = field(default_factory=dict)


@dataclass
class Finding:
    th: str
    en: str


@dataclass
class DoctorReport:
    url: str  # password masked
    usable: bool = False
    dialect: str = ""
    server_version: str = ""
    database: str = ""
    default_charset: str | None = None
    unit_code: str | None = None
    tables: list[TableReport] = field(default_factory=list)
    own_tables_present: list[str] = field(default_factory=list)
    alter_statements: list[str] = field(default_factory=list)
    # The live foreign keys a check-in's rows must meet -> whether this database has it.
    foreign_keys: dict[str, bool] = field(default_factory=dict)
    provider: str | None = None
    cup_hcode: str | None = None
    #: With no clinic.cup_hcode: the main unit most of the unit's residents have.
    cup_suggestion: str | None = None
    # role -> privileges the connected account lacks for it (MySQL/MariaDB only)
    account: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ddl_dialect(name: str) -> Dialect:
    return sqlite.dialect() if name == "sqlite" else mysql.dialect()


def alter_statement(table: Table, column: Column[Any], dialect_name: str) -> str:
    """The ALTER TABLE that adds `column` (what third-party tools run; never run here)."""
    dialect = _ddl_dialect(dialect_name)
    type_sql = column.type.compile(dialect=dialect)
    preparer = dialect.identifier_preparer
    return (
        f"ALTER TABLE {preparer.quote(table.name)} "
        f"ADD COLUMN {preparer.quote(column.name)} {type_sql} NULL;"
    )


def _version_tuple(version: str) -> tuple[int, ...]:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(x) for x in match.groups()) if match else (0,)


def examine(profile: SchemaProfile, report: DoctorReport) -> None:
    """Fill `report` from `profile` (tables, columns, charsets, ALTERs, problems)."""
    report.dialect = profile.dialect
    report.server_version = profile.server_version
    report.database = profile.database
    report.default_charset = profile.default_charset
    if profile.dialect != "sqlite" and _version_tuple(profile.server_version) < MIN_MYSQL:
        report.problems.append(
            Finding(
                f"MySQL รุ่น {profile.server_version} เก่าเกินไป (ต้อง 5.5.3 ขึ้นไป)",
                f"MySQL {profile.server_version} is too old (5.5.3 or later needed)",
            )
        )
    for table in JHCIS_TABLES:
        entry = TableReport(
            table.name, profile.has_table(table.name), table.name in KIOSK_TABLE_NAMES
        )
        report.tables.append(entry)
        if not entry.present and is_optional(table):
            report.warnings.append(
                Finding(
                    f"ไม่มีตาราง {table.name}: ตู้จะทำงานโดยไม่ใช้ข้อมูลจากตารางนี้",
                    f"table {table.name} is absent: the kiosk works without what it holds",
                )
            )
            continue
        if not entry.present:
            report.problems.append(
                Finding(
                    f"ไม่มีตาราง {table.name} (หรือบัญชีนี้มองไม่เห็น)",
                    f"table {table.name} is missing (or this account cannot see it)",
                )
            )
            continue
        for column in table.columns:
            if profile.has_column(table.name, column.name):
                charset = profile.charset(table.name, column.name)
                if charset:
                    entry.charsets[column.name] = charset
                    if charset not in THAI_SAFE_CHARSETS:
                        report.problems.append(
                            Finding(
                                f"คอลัมน์ {table.name}.{column.name} ใช้ชุดอักขระ {charset} "
                                "ซึ่งเก็บภาษาไทยไม่ได้อย่างถูกต้อง",
                                f"column {table.name}.{column.name} uses charset {charset}, "
                                "which cannot hold Thai text correctly",
                            )
                        )
            elif is_optional(column):
                entry.missing_optional.append(column.name)
                report.alter_statements.append(alter_statement(table, column, profile.dialect))
            else:
                entry.missing_required.append(column.name)
                report.problems.append(
                    Finding(
                        f"ตาราง {table.name} ไม่มีคอลัมน์ {column.name}",
                        f"table {table.name} has no column {column.name}",
                    )
                )
    report.own_tables_present = [t.name for t in RUNTIME_TABLES if profile.has_table(t.name)]
    missing_own = [t.name for t in RUNTIME_TABLES if not profile.has_table(t.name)]
    if missing_own:
        report.warnings.append(
            Finding(
                "ตารางของตู้ (" + ", ".join(missing_own) + ") จะถูกสร้างเมื่อเริ่มใช้งานครั้งแรก",
                "the kiosk's own tables ("
                + ", ".join(missing_own)
                + ") are created at first start",
            )
        )
    if report.alter_statements:
        report.warnings.append(
            Finding(
                "ไม่มีคอลัมน์เสริมบางคอลัมน์ ระบบจะไม่เขียนลงคอลัมน์นั้น "
                "(ผู้ดูแลระบบเลือกเพิ่มได้ด้วยคำสั่ง ALTER ด้านล่าง)",
                "some optional columns are missing and will not be written "
                "(an administrator may add them with the ALTER statements below)",
            )
        )


def check_writes(profile: SchemaProfile, report: DoctorReport) -> None:
    """What a check-in's inserts meet here: the live foreign keys this database enforces,
    and any NOT NULL column without a default that our inserts leave out (a strict
    server refuses every such row; a lenient one stores its implicit default)."""
    enforced = {(fk.table, fk.columns, fk.ref_table) for fk in profile.foreign_keys}
    for fk in LIVE_FOREIGN_KEYS:
        if fk.written_by_checkin and profile.has_table(fk.table):
            report.foreign_keys[fk.label] = (fk.table, fk.columns, fk.ref_table) in enforced
    for table, written in CHECKIN_WRITES.items():
        always = written - CHECKIN_MAYBE_EMPTY[table]
        for name, info in profile.tables.get(table, {}).items():
            if info.nullable or info.has_default or name in always:
                continue
            report.problems.append(
                Finding(
                    f"คอลัมน์ {table}.{name} ต้องมีค่าและไม่มีค่าเริ่มต้น แต่ตู้ไม่ได้เขียนค่าให้ทุกครั้ง "
                    "(ฐานข้อมูลแบบ strict จะไม่รับการลงทะเบียนหรือการเปิดบริการนั้น)",
                    f"column {table}.{name} needs a value and has no default, and the kiosk "
                    "does not always write one (a strict server refuses such a registration "
                    "or visit)",
                )
            )


def check_provider(
    conn: Connection, profile: SchemaProfile, report: DoctorReport, provider: str
) -> None:
    """The configured provider must be an account of the unit (visit.username -> user)."""
    report.provider = provider or None
    if not provider:
        report.warnings.append(
            Finding(
                "ยังไม่ได้ตั้งผู้ให้บริการของตู้ (kiosk.provider): บริการที่ตู้เปิดจะไม่มีชื่อผู้ให้บริการ",
                "no provider is set for the kiosk (kiosk.provider): the visits it opens "
                "name no provider",
            )
        )
        return
    if not profile.has_table("user") or report.unit_code is None:
        return
    if not is_unit_account(conn, provider, report.unit_code):
        error = ProviderNotFound(f"unit {report.unit_code}")
        report.problems.append(Finding(error.th, error.en))


def check_cup(conn: Connection, report: DoctorReport, cup_hcode: str) -> None:
    """The e-Claim OP-anywhere rule needs the parent hospital (clinic.cup_hcode): where it
    is not set, suggest the main unit most of this unit's own residents have."""
    report.cup_hcode = cup_hcode or None
    if cup_hcode or report.unit_code is None:
        return
    main = person.c.hosmain
    row = conn.execute(
        select(main, func.count().label("n"))
        .where(
            person.c.pcucodeperson == report.unit_code,
            person.c.typelive.in_(RESIDENT_TYPELIVE),
            main.is_not(None),
            main != "",
            main != report.unit_code,
        )
        .group_by(main)
        .order_by(func.count().desc(), main)
        .limit(1)
    ).first()
    suggestion = str(row[0]).strip() if row is not None else None
    report.cup_suggestion = suggestion
    report.warnings.append(
        Finding(
            "ยังไม่ได้ตั้งรหัสโรงพยาบาลแม่ข่าย (clinic.cup_hcode): การส่งเคลม OP anywhere จะถือว่า"
            "เฉพาะหน่วยนี้อยู่ในเครือข่าย"
            + (f" หน่วยบริการหลักที่พบมากที่สุดของประชากรในเขตคือ {suggestion}" if suggestion else ""),
            "the parent hospital (clinic.cup_hcode) is not set: e-Claim's OP-anywhere rule "
            "counts only this unit as inside the CUP"
            + (f"; most residents' main unit is {suggestion}" if suggestion else ""),
        )
    )


def check_account(conn: Connection, database: str, report: DoctorReport) -> None:
    """Compare the account's grants with what the kiosk and the backoffice need."""
    try:
        lines = [str(r[0]) for r in conn.execute(text("SHOW GRANTS FOR CURRENT_USER()"))]
    except DBAPIError:
        report.warnings.append(Finding("อ่านสิทธิ์ของบัญชีไม่ได้", "could not read the account's grants"))
        return
    # The lines may carry a password hash: only the parsed privileges are kept.
    granted = effective_privileges(lines, database)
    for role in ("kiosk", "backoffice"):
        missing = missing_privileges(role, granted)
        report.account[role] = missing
    risky = risky_privileges(granted)
    if risky:
        report.warnings.append(
            Finding(
                "บัญชีนี้มีสิทธิ์ลบหรือแก้โครงสร้างตาราง JHCIS ได้ ควรใช้บัญชีที่มีสิทธิ์น้อยที่สุด "
                "(backoffice jhcis grants)",
                "this account may DELETE, DROP or ALTER JHCIS tables; use a least-privilege "
                "account (backoffice jhcis grants)",
            )
        )


def run_doctor(
    url: str | URL,
    *,
    hcode: str = "",
    connect_timeout_s: float = 5.0,
    provider: str = "",
    cup_hcode: str = "",
) -> DoctorReport:
    """Examine the database at `url` without changing anything."""
    from sqlalchemy.engine import make_url

    report = DoctorReport(url=make_url(url).render_as_string(hide_password=True))
    engine = open_engine(url, connect_timeout_s=connect_timeout_s, read_only=True)
    try:
        with engine.connect() as conn:
            profile = detect_profile(conn)
            examine(profile, report)
            check_writes(profile, report)
            if profile.dialect != "sqlite":
                check_account(conn, profile.database, report)
            legacy = detect_legacy_text(conn, profile)
            if legacy is not None:
                report.problems.append(
                    Finding(
                        f"พบข้อความภาษาไทยแบบ {legacy.encoding} เก็บในคอลัมน์ latin1 "
                        f"{len(legacy.columns)} คอลัมน์: การลงทะเบียนและเปิดบริการของตู้แปลงให้ได้ "
                        "แต่รายงานและการส่งออกข้อมูลยังไม่แปลง",
                        f"Thai text is stored as {legacy.encoding} bytes in "
                        f"{len(legacy.columns)} latin1 columns: the kiosk's registration and "
                        "visits transcode it, reports and exports do not yet",
                    )
                )
            if hcode:
                report.unit_code = hcode
            elif profile.has_table("office"):
                try:
                    report.unit_code = unit_code_from_office(conn)
                except JhcisError as exc:
                    report.problems.append(Finding(exc.th, exc.en))
            check_provider(conn, profile, report, provider)
            if profile.has_table("person"):
                check_cup(conn, report, cup_hcode)
            conn.rollback()
    except DBAPIError as exc:
        error = JhcisUnavailable(type(exc.orig).__name__ if exc.orig is not None else "")
        report.problems.append(Finding(error.th, error.en))
    finally:
        engine.dispose()
    report.usable = not report.problems
    return report


def format_report(report: DoctorReport) -> str:
    """The report as Thai-and-English lines for a terminal."""
    lines = [
        "ตรวจฐานข้อมูล JHCIS / JHCIS database check",
        f"ฐานข้อมูล / Database: {report.url}",
    ]
    if report.server_version:
        lines.append(
            f"เซิร์ฟเวอร์ / Server: {report.dialect} {report.server_version}; "
            f"ชุดอักขระเริ่มต้น / default charset: {report.default_charset or '-'}"
        )
    lines.append(f"รหัสหน่วยบริการ / Unit code: {report.unit_code or '-'}")
    if report.tables:
        lines.append("ตาราง / Tables:")
    for table in report.tables:
        mark = "OK " if table.present and not table.missing_required else "!! "
        who = "kiosk+backoffice" if table.used_by_kiosk else "backoffice"
        if not table.present:
            lines.append(f"  {mark}{table.name:<22} ไม่มี / missing ({who})")
            continue
        charsets = sorted(set(table.charsets.values()))
        detail = f"charset {','.join(charsets)}" if charsets else ""
        if table.missing_required:
            detail += " ขาด / missing: " + ", ".join(table.missing_required)
        if table.missing_optional:
            detail += " ไม่มีคอลัมน์เสริม / optional absent: " + ", ".join(table.missing_optional)
        lines.append(f"  {mark}{table.name:<22} {detail.strip()}")
    if report.foreign_keys:
        lines.append("Foreign key ที่การลงทะเบียนต้องผ่าน / Foreign keys a check-in meets:")
        for label, here in report.foreign_keys.items():
            lines.append(f"  {'มี / enforced' if here else 'ไม่มี / absent'}: {label}")
    lines.append(f"ผู้ให้บริการของตู้ / Kiosk provider: {report.provider or '-'}")
    lines.append(
        f"โรงพยาบาลแม่ข่าย / Parent hospital (CUP): {report.cup_hcode or '-'}"
        + (f" (แนะนำ / suggested: {report.cup_suggestion})" if report.cup_suggestion else "")
    )
    for role, missing in report.account.items():
        if missing:
            shown = ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else "")
            lines.append(f"บัญชีนี้ขาดสิทธิ์สำหรับ {role} / account lacks for {role}: {shown}")
        else:
            lines.append(f"บัญชีนี้มีสิทธิ์ครบสำหรับ {role} / account has the {role} privileges")
    for finding in report.problems:
        lines.append(f"ปัญหา / Problem: {finding.th} / {finding.en}")
    for finding in report.warnings:
        lines.append(f"หมายเหตุ / Note: {finding.th} / {finding.en}")
    if report.alter_statements:
        lines.append("คำสั่งที่ผู้ดูแลระบบเลือกใช้ได้ (ระบบไม่ได้รันเอง) / Statements an administrator may run:")
        lines.extend(f"  {statement}" for statement in report.alter_statements)
    verdict = (
        "ผลการตรวจ: ใช้งานได้ / Result: usable"
        if report.usable
        else "ผลการตรวจ: ใช้งานไม่ได้ / Result: NOT usable"
    )
    lines.append(verdict)
    return "\n".join(lines)
