"""`backoffice retention purge` (the appliance's daily timer) and `backoffice audit verify`."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from backoffice.retention.purge import purge
from backoffice.web.audit import AuditLog, audit_from_settings
from backoffice.web.tables import ensure_web_tables
from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from integrations.jhcis.engine import db_url, open_engine


class AuditChainBroken(BilingualError):
    code = "audit.chain_broken"
    message_th = (
        "บันทึกการใช้งาน (audit) ถูกแก้ไขหรือลบนอกระบบ ตั้งแต่รายการที่ระบุ "
        "กรุณาแจ้งผู้ดูแลระบบและเก็บสำเนาฐานข้อมูลไว้ตรวจสอบ"
    )
    message_en = (
        "The audit trail was changed or deleted outside the program from the entry named. "
        "Tell the administrator and keep a copy of the database for review."
    )


def register(subparsers: Any) -> None:
    retention = subparsers.add_parser("retention", help="purge what is past its retention")
    sub = retention.add_subparsers(dest="retention_command", required=True)
    run = sub.add_parser(
        "purge",
        help="remove claim batches and ticket images older than "
        "backoffice.export_retention_days, audit entries older than audit_retention_days",
    )
    run.add_argument("--dry-run", action="store_true", help="list what would go; remove nothing")
    run.add_argument(
        "--exports-dir", type=Path, action="append", default=[],
        help="also purge batches written with `export --out` there (repeatable)",
    )  # fmt: skip
    add_db_argument(run)
    add_json_argument(run)
    run.set_defaults(handler=purge_command)

    audit = subparsers.add_parser("audit", help="the backoffice audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the audit trail's hash chain")
    add_db_argument(verify)
    add_json_argument(verify)
    verify.set_defaults(handler=verify_command)


def _audit(args: argparse.Namespace, settings: Settings) -> AuditLog:
    engine = open_engine(
        db_url(args, settings), connect_timeout_s=settings.database.connect_timeout_s
    )
    ensure_web_tables(engine)
    return audit_from_settings(engine, settings)


def purge_command(args: argparse.Namespace, settings: Settings) -> int:
    audit = _audit(args, settings)
    try:
        report = purge(
            settings, audit, now=dt.datetime.now(), dry_run=args.dry_run,
            extra_export_dirs=args.exports_dir, calling_engine=audit.engine,
        )  # fmt: skip
    finally:
        audit.engine.dispose()
    if args.json:
        print_json(report.as_dict())
    else:
        verb = "would remove" if report.dry_run else "removed"
        print(
            f"{verb}: {len(report.batches)} claim batches, {report.tickets} ticket images, "
            f"{report.audit_entries} audit entries, {report.call_rows} calling-line rows"
        )
    return 0


def verify_command(args: argparse.Namespace, settings: Settings) -> int:
    audit = _audit(args, settings)
    try:
        report = audit.verify()
    finally:
        audit.engine.dispose()
    if not report.ok:
        error = AuditChainBroken(f"seq {report.first_bad_seq}: {report.reason}")
        if args.json:
            print_json({**error.as_dict(), **report.as_dict()})
            return 1
        fail(error, as_json=False)
        print(f"seq {report.first_bad_seq}: {report.reason}")
        return 1
    if args.json:
        print_json(report.as_dict())
    else:
        print(f"audit trail intact: {report.sealed} sealed entries")
        if report.unsealed:
            print(f"{report.unsealed} older entries from before the chain")
    return 0
