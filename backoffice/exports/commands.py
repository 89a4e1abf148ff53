"""`backoffice export eclaim|ssop`: claim files for a date range, with their report."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from backoffice.exports.eclaim import BatchResult, export_eclaim
from backoffice.exports.errors import BadDateRange, BadWorkers, BatchNotFound, wrap_export_errors
from backoffice.exports.parallel import export_eclaim_parallel
from backoffice.exports.rules import rules_for
from backoffice.exports.source import ClaimSource
from backoffice.exports.ssop import export_ssop
from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from integrations.jhcis.engine import db_url, open_engine
from integrations.nhso.eclaim_upload import PROD_BASE as ECLAIM_PROD
from integrations.nhso.eclaim_upload import TEST_BASE as ECLAIM_TEST

FDH_PROD = "https://fdh.moph.go.th"
MAX_WORKERS = 16


#: Christian-era years a date argument may have: date arithmetic near year 1 overflows,
#: and no JHCIS holds a visit outside these.
YEARS = range(1900, 2201)


def parse_day(text: str) -> dt.date:
    """YYYY-MM-DD; a year above 2400 is taken as Buddhist era (what staff often type)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("ไม่ใช่วันที่ (ปปปป-ดด-วว) / not a date (YYYY-MM-DD)") from None
    if day.year > 2400:
        day = day.replace(year=day.year - 543)
    if day.year not in YEARS:
        raise argparse.ArgumentTypeError(
            "ปีต้องอยู่ระหว่าง ค.ศ. 1900-2200 (พ.ศ. 2443-2743) / the year must be 1900-2200 "
            "(Buddhist era 2443-2743)"
        )
    return day


def add_range_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", type=parse_day, required=True)
    parser.add_argument("--to", dest="date_to", type=parse_day, required=True)
    parser.add_argument("--dry-run", action="store_true", help="check and report; write no files")
    add_db_argument(parser)
    add_json_argument(parser)


def register(subparsers: Any) -> None:
    export = subparsers.add_parser("export", help="claim files: e-Claim 16+1, SSOP")
    sub = export.add_subparsers(dest="export_command", required=True)
    eclaim = sub.add_parser("eclaim", help="NHSO e-Claim 16+1 files (one folder + zip)")
    add_range_arguments(eclaim)
    eclaim.add_argument("--out", type=Path, required=True, help="folder for the batch")
    eclaim.add_argument("--rules", type=Path, help="TOML rules replacing the defaults")
    eclaim.add_argument("--fdh", action="store_true", help="UTF-8 files for the FDH upload")
    eclaim.add_argument(
        "--upload-fdh",
        action="store_true",
        help="send the batch to the FDH 16-file API (implies --fdh)",
    )
    eclaim.add_argument("--fdh-url", default=FDH_PROD, help="FDH base URL (its UAT for tests)")
    eclaim.add_argument(
        "--upload-nhso",
        action="store_true",
        help="send the batch to the NHSO e-Claim API (DCenter account from the secrets file)",
    )
    eclaim.add_argument(
        "--nhso-eclaim-url",
        default=None,
        help=(
            "e-Claim API base URL (default: our NHSO sandbox when nhso.mode is sandbox, "
            f"else production {ECLAIM_PROD}; NHSO's test zone: {ECLAIM_TEST})"
        ),
    )
    eclaim.add_argument(
        "--resend",
        action="store_true",
        help=(
            "send again, with importDup, content whose outcome is unknown or that NHSO called "
            "a duplicate; content NHSO acknowledged (sent) never goes again"
        ),
    )
    eclaim.add_argument(
        "--workers", type=int, default=1, help="processes for large ranges (same files)"
    )
    eclaim.set_defaults(handler=eclaim_command)
    check = sub.add_parser(
        "check",
        help="check a claim batch (folder or zip; e-Claim or SSOP; ours or any producer's) "
        "against the published layouts and code lists; exit 1 when it has errors",
    )
    check.add_argument("path", type=Path, help="the batch's folder or .zip")
    check.add_argument(
        "--lang", choices=("th", "en", "both"), default="both", help="language of the messages"
    )
    add_json_argument(check)
    check.set_defaults(handler=check_command)
    history = sub.add_parser(
        "eclaim-uploads", help="what was sent to the NHSO e-Claim API (kiosk_eclaim_upload)"
    )
    history.add_argument("--limit", type=int, default=50)
    add_db_argument(history)
    add_json_argument(history)
    history.set_defaults(handler=eclaim_uploads_command)
    ssop = sub.add_parser("ssop", help="Social Security SSOP (BILLTRAN, BILLDISP, OPServices)")
    add_range_arguments(ssop)
    ssop.add_argument("--out", type=Path, required=True, help="folder for the batch")
    ssop.add_argument("--rules", type=Path, help="TOML rules replacing the defaults")
    ssop.add_argument(
        "--session", type=int, choices=range(1, 10000), metavar="N",
        help="session number (SESSNO) to write as given; by default each batch takes the "
        "unit's next one, recorded in kiosk_ssop_session",
    )  # fmt: skip
    ssop.set_defaults(handler=ssop_command)


def _source(args: argparse.Namespace, settings: Settings) -> tuple[ClaimSource, str]:
    engine = open_engine(
        db_url(args, settings),
        connect_timeout_s=settings.database.connect_timeout_s,
        read_only=True,
    )
    source = ClaimSource(engine)
    return source, source.own_hcode(settings.clinic.hcode)


def _print(result: BatchResult, as_json: bool, nhso: dict[str, Any] | None = None) -> None:
    if as_json:
        print_json({**result.as_dict(), **({"nhso_upload": nhso} if nhso else {})})
        return
    summary = result.summary
    print(f"batch: {result.name}{' (dry run: no files written)' if result.dry_run else ''}")
    if result.zip_path:
        print(f"zip:    {result.zip_path}")
    if result.report_csv:
        print(f"report: {result.report_csv}")
    print(
        f"included {summary['included_visits']}, excluded {summary['excluded_visits']}, "
        f"with warnings {summary['visits_with_warnings']}"
    )
    for code, count in dict(summary["problems"]).items():  # type: ignore[call-overload]
        print(f"  {code}: {count}")
    if nhso:
        _print_nhso(nhso)


def _print_nhso(nhso: dict[str, Any]) -> None:
    if nhso.get("dry_run"):
        print("NHSO e-Claim: dry run, nothing sent / ทดลอง ไม่ได้ส่ง")
        return
    where = " (sandbox)" if nhso.get("sandbox") else ""
    print(f"NHSO e-Claim{where}: {nhso.get('base_url')}")
    if not nhso.get("parts"):
        print("  nothing to send / ไม่มีข้อมูลที่ต้องส่ง")
    for part in nhso.get("parts", []):
        line = f"  {part['maininscl']}: {part['visits']} visits, {part['request_bytes']} bytes"
        print(f"{line}, {part['status']} (attempt {part['attempt']})")
        if "error_code" in part:
            print(f"    {part['error_code']}\n    {part['message_th']}\n    {part['message_en']}")


def check_range(args: argparse.Namespace) -> None:
    """--from must not be after --to (a reversed range would silently export nothing)."""
    if args.date_from > args.date_to:
        raise BadDateRange(f"{args.date_from} > {args.date_to}")


def eclaim_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        check_range(args)
        if args.workers < 1 or args.workers > MAX_WORKERS:
            raise BadWorkers(f"--workers {args.workers}")
        with wrap_export_errors():
            rules = rules_for(settings, args.rules)
            source, hcode = _source(args, settings)
            if args.workers > 1:
                result = export_eclaim_parallel(
                    db_url(args, settings), args.date_from, args.date_to, args.out,
                    rules=rules, hcode=hcode, workers=args.workers,
                    fdh=args.fdh or args.upload_fdh, dry_run=args.dry_run,
                )  # fmt: skip
            else:
                result = export_eclaim(
                    source, args.date_from, args.date_to, args.out, rules=rules, hcode=hcode,
                    fdh=args.fdh or args.upload_fdh, dry_run=args.dry_run,
                )  # fmt: skip
            if args.upload_fdh and not args.dry_run and result.folder is not None:
                result.upload = upload_fdh(result.folder, args.fdh_url, hcode, settings)
            nhso = None
            if args.upload_nhso:
                nhso = upload_nhso(result, args, hcode, settings)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    _print(result, args.json, nhso)
    return 0 if nhso is None or nhso.get("dry_run") or nhso["ok"] else 1


def upload_nhso(
    result: BatchResult, args: argparse.Namespace, hcode: str, settings: Settings
) -> dict[str, Any]:
    """Send the batch to the NHSO e-Claim API, recorded in kiosk_eclaim_upload (never twice).

    ``--dry-run`` never sends: the batch was not even written.
    """
    if args.dry_run or result.folder is None:
        return {"dry_run": True, "sent": False}
    import getpass

    from backoffice.exports.eclaim_ledger import EclaimUploader
    from common.secrets import load_secrets
    from integrations.nhso.eclaim_upload import batch_encoding, client_from_settings

    client = client_from_settings(
        settings, load_secrets(settings.secrets_file), hcode=hcode, base_url=args.nhso_eclaim_url
    )
    # The ledger is ours (kiosk_ table): a writable connection, unlike the export's.
    engine = open_engine(
        db_url(args, settings), connect_timeout_s=settings.database.connect_timeout_s
    )
    try:
        uploader = EclaimUploader(engine, client, sent_by=f"cli:{getpass.getuser()}")
        report = uploader.upload(
            result.folder, encoding=batch_encoding(result.folder), resend=args.resend
        )
        return report.as_dict()
    finally:
        client.close()
        engine.dispose()


def upload_fdh(folder: Path, base_url: str, hcode: str, settings: Settings) -> dict[str, Any]:
    """Send one batch's 17 files to FDH with the unit's MOPH account."""
    from common.secrets import load_secrets
    from integrations.claim_files import ECLAIM_FILES
    from integrations.moph.client import FdhClient

    secrets = load_secrets(settings.secrets_file)
    client = FdhClient(
        token_base=base_url, claim_base=base_url, username=secrets.moph_username,
        password=secrets.moph_password, hospital_code=hcode,
    )  # fmt: skip
    try:
        return client.upload_16_files([folder / f"{name}.txt" for name in ECLAIM_FILES])
    finally:
        client.close()


def eclaim_uploads_command(args: argparse.Namespace, settings: Settings) -> int:
    """The upload attempts, newest first: what an operator checks before a --resend."""
    from sqlalchemy.exc import SQLAlchemyError

    from backoffice.exports.eclaim_ledger import recent_uploads
    from integrations.nhso.eclaim_errors import EclaimLedgerUnavailable

    engine = open_engine(
        db_url(args, settings), connect_timeout_s=settings.database.connect_timeout_s,
        read_only=True,
    )  # fmt: skip
    try:
        rows = recent_uploads(engine, max(1, args.limit))
    except SQLAlchemyError as exc:
        return fail(EclaimLedgerUnavailable(type(exc).__name__), as_json=args.json)
    finally:
        engine.dispose()
    if args.json:
        print_json({"uploads": rows})
        return 0
    for row in rows:
        print(
            f"{row['updated_at']:%Y-%m-%d %H:%M}  {row['batch']}  {row['maininscl']:<3}  "
            f"attempt {row['attempts']}  {row['status']}"
            f"{'  importDup' if row['import_dup'] else ''}  {row['error_code'] or ''}"
        )
    return 0


def ssop_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        check_range(args)
        with wrap_export_errors():
            rules = rules_for(settings, args.rules)
            source, hcode = _source(args, settings)
            session = args.session or _take_ssop_session(args, settings, hcode)
            result = export_ssop(
                source, args.date_from, args.date_to, args.out,
                rules=rules, hcode=hcode, hname=settings.clinic.name, session=session,
                dry_run=args.dry_run,
            )  # fmt: skip
    except BilingualError as error:
        return fail(error, as_json=args.json)
    _print(result, args.json)
    return 0


def _take_ssop_session(args: argparse.Namespace, settings: Settings, hcode: str) -> int:
    """The batch's SESSNO from kiosk_ssop_session (ours: a writable connection)."""
    import getpass

    from backoffice.exports.ssop_sessions import session_for_batch

    engine = open_engine(
        db_url(args, settings), connect_timeout_s=settings.database.connect_timeout_s,
        read_only=args.dry_run,
    )  # fmt: skip
    try:
        period = f"{args.date_from:%Y%m%d}-{args.date_to:%Y%m%d}"
        return session_for_batch(
            engine, hcode, period, dry_run=args.dry_run, created_by=f"cli:{getpass.getuser()}"
        )
    finally:
        engine.dispose()


def check_command(args: argparse.Namespace, settings: Settings) -> int:
    """`backoffice export check PATH`: the independent checker (integrations.claim_check)."""
    from integrations.claim_check import check_batch, format_report

    if not args.path.exists():
        return fail(BatchNotFound(type(args.path).__name__), as_json=args.json)
    report = check_batch(args.path)
    if args.json:
        print_json(report.as_dict())
    else:
        print(format_report(report, args.lang))  # "both": Thai, then English, per line
    return 0 if report.ok else 1
