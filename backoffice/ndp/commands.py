"""`backoffice ndp export|send|status|claims|check`: 13-file claims to NHSO's Digital Platform."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from backoffice.exports.commands import check_command, parse_day
from backoffice.exports.errors import wrap_export_errors
from backoffice.exports.rules import rules_for
from backoffice.exports.source import ClaimSource
from backoffice.ndp.export import export_ndp
from backoffice.ndp.ledger import recent_claims
from backoffice.ndp.sender import NdpSender
from backoffice.ndp.status import poll
from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from common.secrets import load_secrets
from integrations.jhcis.clinic import unit_code_from_office
from integrations.jhcis.engine import db_url, open_engine
from integrations.nhso.ndp import NdpClient, client_from_settings
from integrations.nhso.ndp_status import kind_of, label_th

NOT_PUBLIC = (
    "WARNING: NHSO's 13-file SUBMIT endpoint is NOT PUBLIC. Outside the sandbox this sends "
    "to ndp.submit_path (empty: refused) a request whose shape is OURS, never run against "
    "real NDP. Sign-on and status tracks follow the public clients. / คำเตือน: ที่อยู่ส่งเคลม "
    "13 แฟ้มของ สปสช. ไม่มีเผยแพร่ รูปแบบคำขอเป็นของเราเอง ยังไม่เคยทดสอบกับระบบจริง"
)


def register(subparsers: Any) -> None:
    ndp = subparsers.add_parser(
        "ndp", help="13-file claims to NHSO's Digital Platform (NDP)", description=NOT_PUBLIC
    )
    sub = ndp.add_subparsers(dest="ndp_command", required=True)
    export = sub.add_parser(
        "export", help="write the 13 files of the closed-right visits of a date range"
    )
    export.add_argument("--from", dest="date_from", type=parse_day, required=True)
    export.add_argument("--to", dest="date_to", type=parse_day, required=True)
    export.add_argument(
        "--out", type=Path, help="folder for the batch (default <data_dir>/exports)"
    )
    export.add_argument(
        "--rules", type=Path, help="TOML rules (rights, clinics) replacing the defaults"
    )
    export.add_argument(
        "--resend", action="store_true",
        help="include visits whose last send has an unknown outcome, or that NHSO refused",
    )  # fmt: skip
    export.add_argument("--dry-run", action="store_true", help="report only; write no files")
    add_db_argument(export)
    add_json_argument(export)
    export.set_defaults(handler=export_command)
    send = sub.add_parser("send", help="send an exported batch to NDP (" + NOT_PUBLIC[:40] + "...)",
                          description=NOT_PUBLIC)  # fmt: skip
    send.add_argument("batch", type=Path, help="the batch folder `ndp export` wrote")
    send.add_argument(
        "--resend", action="store_true",
        help="send again on purpose visits whose outcome is unknown or that NHSO refused "
        "(check the NDP portal first); never those NHSO accepted",
    )  # fmt: skip
    send.add_argument("--chunk", type=int, help="visits per request (default ndp.chunk_visits)")
    add_db_argument(send)
    add_json_argument(send)
    send.set_defaults(handler=send_command)
    status = sub.add_parser("status", help="ask NDP how each sent claim is doing (status tracks)")
    status.add_argument("--all", action="store_true", help="ask about paid and closed claims too")
    add_db_argument(status)
    add_json_argument(status)
    status.set_defaults(handler=status_command)
    claims = sub.add_parser("claims", help="the 13-file claims in our ledger, newest first")
    claims.add_argument("--limit", type=int, default=50)
    add_db_argument(claims)
    add_json_argument(claims)
    claims.set_defaults(handler=claims_command)
    check = sub.add_parser("check", help="check a 13-file batch (the independent checker)")
    check.add_argument("path", type=Path, help="the batch's folder or .zip")
    check.add_argument("--lang", choices=("th", "en", "both"), default="both")
    add_json_argument(check)
    check.set_defaults(handler=check_command)


@contextmanager
def _engine(args: argparse.Namespace, settings: Settings) -> Iterator[tuple[Engine, str]]:
    engine = open_engine(
        db_url(args, settings), connect_timeout_s=settings.database.connect_timeout_s
    )
    try:
        with engine.connect() as conn:
            hcode = settings.clinic.hcode or unit_code_from_office(conn)
        yield engine, hcode
    finally:
        engine.dispose()


@contextmanager
def _client(settings: Settings, hcode: str) -> Iterator[NdpClient]:
    client = client_from_settings(settings, load_secrets(settings.secrets_file), hcode=hcode)
    try:
        yield client
    finally:
        client.close()


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    out = args.out or Path(settings.data_dir) / "exports"
    try:
        with wrap_export_errors(), _engine(args, settings) as (engine, hcode):
            batch = export_ndp(
                ClaimSource(engine), args.date_from, args.date_to, out,
                rules=rules_for(settings, args.rules), hcode=hcode, resend=args.resend,
                dry_run=args.dry_run,
            )  # fmt: skip
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json(batch.as_dict())
        return 0
    summary = batch.summary
    print(f"batch: {batch.name}{' (dry run: no files written)' if batch.dry_run else ''}")
    if batch.folder is not None:
        print(f"folder: {batch.folder}")
    print(f"visits written {len(batch.visits)}, left out {summary['excluded_visits']}")
    for code, count in dict(summary["problems"]).items():  # type: ignore[call-overload]
        print(f"  {code}: {count}")
    print("files 6, 9-13: layout not public, not written (manifest.json)")
    return 0


def send_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with (
            wrap_export_errors(),
            _engine(args, settings) as (engine, hcode),
            _client(settings, hcode) as client,
        ):
            sender = NdpSender(
                engine, client, hcode=hcode, chunk=args.chunk or settings.ndp.chunk_visits,
                sent_by="cli",
            )  # fmt: skip
            report = sender.send(args.batch, resend=args.resend)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json(report.as_dict())
    else:
        where = " (SANDBOX)" if report.sandbox else ""
        print(f"NDP{where}: {report.base_url}  batch {report.batch}")
        for request in report.requests:
            print(f"  request {request.request_id}: {len(request.seqs)} visits, {request.status}")
            if request.error is not None:
                print(f"    {request.error.code}\n    {request.error.th}\n    {request.error.en}")
        for skipped in report.skipped:
            print(f"  SEQ {skipped['seq']}: not sent ({skipped['reason']})")
        if not report.requests:
            print("  nothing sent / ไม่ได้ส่งข้อมูล")
    return 0 if report.ok else 1


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with (
            wrap_export_errors(),
            _engine(args, settings) as (engine, hcode),
            _client(settings, hcode) as client,
        ):
            report = poll(engine, client, hcode=hcode, include_final=args.all)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json(report.as_dict())
        return 0
    print(f"asked {report.asked}{' (SANDBOX)' if report.sandbox else ''}")
    for item in report.updated:
        print(f"  SEQ {item['seq']}: [{item['code']}] {item['message']} ({item['kind']})")
    for seq in report.not_found:
        print(f"  SEQ {seq}: NDP said nothing / สปสช. ไม่ตอบรายการนี้")
    return 0


def claims_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with wrap_export_errors(), _engine(args, settings) as (engine, _hcode):
            rows = recent_claims(engine, args.limit)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    shown = [
        {
            "pcucode": r["pcucode"], "visitno": r["visitno"], "status": r["status"],
            "batch": r["batch"], "uid": r["uid"], "nhso_code": r["nhso_code"],
            "nhso_message": r["nhso_message"], "allow_claim": r["allow_claim"],
            "label_th": label_th(r["nhso_code"]) if r["nhso_code"] else "",
            "kind": kind_of(r["nhso_code"]) if r["nhso_code"] else "",
            "error_code": r["error_code"], "updated_at": r["updated_at"],
        }
        for r in rows
    ]  # fmt: skip
    if args.json:
        print_json({"claims": shown})
        return 0
    for c in shown:
        print(f"{c['visitno']}: {c['status']} {c['nhso_code'] or ''} {c['nhso_message'] or ''}")
    return 0
