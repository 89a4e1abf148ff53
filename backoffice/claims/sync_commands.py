"""`backoffice claims sync --date D [--to D] [--dry-run] [--json]` (run by a systemd timer)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from backoffice.claims.errors import SyncRangeInvalid
from backoffice.exports.commands import parse_day
from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from integrations.jhcis.engine import db_url

EXIT_STOPPED = 3  # NHSO stopped the run (token, outage); the next run resumes it
MAX_RANGE_DAYS = 366


def parse_run_date(text: str, *, today: dt.date | None = None) -> dt.date:
    """YYYY-MM-DD (a year above 2400 is read as Buddhist era), "today" or "yesterday"."""
    base = today or dt.date.today()
    word = text.strip().lower()
    if word == "today":
        return base
    if word == "yesterday":
        return base - dt.timedelta(days=1)
    return parse_day(word)  # YYYY-MM-DD within the years our dates may have


def register(subparsers: Any) -> None:
    claims = subparsers.choices.get("claims") or subparsers.add_parser(
        "claims", help="claim codes and claims"
    )
    groups = [a for a in claims._actions if isinstance(a, argparse._SubParsersAction)]
    sub = groups[0] if groups else claims.add_subparsers(dest="claims_command", required=True)
    sync = sub.add_parser("sync", help="fill missing NHSO claim codes from check-authen-status")
    sync.add_argument("--date", type=parse_run_date, required=True, help="first day (or the day)")
    sync.add_argument("--to", dest="date_to", type=parse_run_date, help="last day (inclusive)")
    sync.add_argument("--dry-run", action="store_true", help="ask NHSO, write nothing")
    add_db_argument(sync)
    add_json_argument(sync)
    sync.set_defaults(handler=sync_command)


def sync_command(args: argparse.Namespace, settings: Settings) -> int:
    from backoffice.claims.sync import ClaimSync, SyncStopped
    from common.secrets import load_secrets
    from integrations.jhcis.clinic import ClinicDatabase
    from integrations.nhso.providers import web_client_from_settings

    start: dt.date = args.date
    end: dt.date = args.date_to or start
    if end < start or (end - start).days >= MAX_RANGE_DAYS:
        return fail(SyncRangeInvalid(f"{start}..{end}"), as_json=args.json, exit_code=2)
    try:
        clinic = ClinicDatabase.from_url(
            db_url(args, settings),
            hcode=settings.clinic.hcode,
            connect_timeout_s=settings.database.connect_timeout_s,
            lock_timeout_s=settings.database.lock_timeout_s,
        )
    except BilingualError as exc:
        return fail(exc, as_json=args.json)
    client = web_client_from_settings(settings, load_secrets(settings.secrets_file))
    try:
        report = ClaimSync(clinic, client).run(start, end, dry_run=args.dry_run, by="(timer)")
    except BilingualError as exc:
        return fail(exc, as_json=args.json)
    finally:
        client.close()
        clinic.dispose()
    if args.json:
        print_json(report.as_dict())
    else:
        counts = report.counts()
        print(
            f"{start.isoformat()}..{end.isoformat()}: "
            + ", ".join(f"{name} {n}" for name, n in counts.items() if n)
            + (f" (resumed, {report.already_done} done before)" if report.resumed else "")
        )
    if report.stopped is not None:
        if not args.json:
            stopped = SyncStopped(report.stopped.code)
            print(
                f"{report.stopped.th}\n{report.stopped.en}\n{stopped.th}\n{stopped.en}",
                file=sys.stderr,
            )
        return EXIT_STOPPED
    return 0
