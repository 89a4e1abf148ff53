"""``backoffice phr send|check``: MOPH-PHR uploads of finished visits, by hand or by timer.

``send --date D [--days N] [--resend] [--visit N ...] [--dry-run] [--json]`` sends the
finished visits of D (and the N-1 days before it) that the ledger lets go; the
``jhcis-phr`` timer runs it every 10 minutes with ``--days 2`` so that a visit finished
after midnight is not missed. ``check --date D`` asks PHR which of D's encounters it
holds and settles the unknown outcomes it lists. The exit status is 1 when a visit was
refused, failed, or has an unknown outcome (the timer's journal shows it), 0 otherwise.
The PHR host is ``moph.phr_base_url`` (empty: production), the token host
``moph.ic_base_url``; the account is the secrets file's ``moph_username`` /
``moph_password`` (and optionally ``moph_phr_token``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

from backoffice.exports.commands import parse_day
from backoffice.phr.sender import PhrReport, PhrSender
from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from common.secrets import Secrets, load_secrets
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.errors import JhcisUnavailable
from integrations.moph.phr import PhrClient

T = TypeVar("T")


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("phr", help="MOPH-PHR: send finished visits, check outcomes")
    sub = group.add_subparsers(dest="phr_command", required=True)
    send = sub.add_parser("send", help="send the finished visits of --date (and --days back)")
    send.add_argument("--date", type=parse_day, help="YYYY-MM-DD (default today)")
    send.add_argument("--days", type=int, default=1, help="days ending at --date (default 1)")
    send.add_argument("--visit", type=int, action="append", help="only this visitno (repeatable)")
    send.add_argument(
        "--resend", action="store_true",
        help="send on purpose what has an unknown outcome or was refused (never what MOPH took)",
    )  # fmt: skip
    send.add_argument("--dry-run", action="store_true", help="show what would go; send nothing")
    add_db_argument(send)
    add_json_argument(send)
    send.set_defaults(handler=send_command)
    check = sub.add_parser("check", help="ask PHR which encounters of --date it holds")
    check.add_argument("--date", type=parse_day, help="YYYY-MM-DD (default today)")
    add_db_argument(check)
    add_json_argument(check)
    check.set_defaults(handler=check_command)


def phr_client(settings: Settings, secrets: Secrets, hcode: str) -> PhrClient:
    return PhrClient(
        phr_base=settings.moph.phr_base_url,
        phr_token=secrets.moph_phr_token,
        token_base=settings.moph.ic_base_url,
        username=secrets.moph_username,
        password=secrets.moph_password,
        hospital_code=hcode,
    )


def sender_from_settings(
    clinic: ClinicDatabase, settings: Settings, *, send: bool = True, sent_by: str = ""
) -> PhrSender:
    """The configured sender; with `send` False one that only plans (no secrets read)."""
    hcode = clinic.unit_code()
    client = phr_client(settings, load_secrets(settings.secrets_file), hcode) if send else None
    return PhrSender(
        clinic.engine, client, hcode=hcode, hospital_name=settings.clinic.name,
        finished_flags=settings.moph.phr_finished_flags, sent_by=sent_by,
    )  # fmt: skip


def _day(args: argparse.Namespace) -> dt.date:
    day: dt.date | None = args.date
    return day or dt.date.today()


def _run(args: argparse.Namespace, settings: Settings, work: Callable[[PhrSender], T]) -> T | int:
    """`work` with the configured sender; a failure is reported and becomes exit code 1."""
    clinic = ClinicDatabase.from_settings(settings, url=args.db or None)
    try:
        sender = sender_from_settings(
            clinic, settings, send=not getattr(args, "dry_run", False), sent_by="cli"
        )
        try:
            return work(sender)
        finally:
            if sender.client is not None:
                sender.client.close()
    except DBAPIError as exc:
        return fail(JhcisUnavailable(f"phr: {type(exc).__name__}"), as_json=args.json)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    finally:
        clinic.dispose()


def send_command(args: argparse.Namespace, settings: Settings) -> int:
    end = _day(args)
    start = end - dt.timedelta(days=max(1, args.days) - 1)
    only = set(args.visit) if args.visit else None
    report = _run(
        args, settings,
        lambda s: s.send(start, end, resend=args.resend, dry_run=args.dry_run, only=only),
    )  # fmt: skip
    if isinstance(report, int):
        return report
    _print_report(report, as_json=args.json)
    return 0 if report.ok else 1


def _print_report(report: PhrReport, *, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    head = "dry run: " if report.dry_run else ""
    print(f"{head}MOPH-PHR {report.start}..{report.end} {report.base_url}: {report.counts()}")
    for o in report.outcomes:
        extra = f" {o.error.code}" if o.error else ""
        print(f"  {o.visitdate} visit {o.visitno:>7} {o.status:11} {o.reason}{extra}")
    if report.stopped is not None:
        print(f"{report.stopped.th}\n{report.stopped.en}")


def check_command(args: argparse.Namespace, settings: Settings) -> int:
    day = _day(args)
    checked = _run(args, settings, lambda s: s.check(day))
    if isinstance(checked, int):
        return checked
    if args.json:
        print_json({"date": day.isoformat(), "checked": [c.as_dict() for c in checked]})
    else:
        print(f"MOPH-PHR check {day}: {len(checked)} unsettled")
        for c in checked:
            print(f"  visit {c.visitno:>7} {c.before} -> {c.after}")
    return 0 if all(c.after == "sent" for c in checked) else 1
