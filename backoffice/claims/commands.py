"""`backoffice claims close-right|close-right-cancel|close-right-rollback|moph|moph-status`."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backoffice.claims.close_right import CloseRightService, rollback_from_settings
from backoffice.claims.moph import MophClaimService, service_from_settings
from backoffice.claims.moph_rules import KINDS, load_moph_rules
from backoffice.exports.commands import parse_day
from backoffice.exports.errors import wrap_export_errors
from backoffice.exports.rules import rules_for
from backoffice.exports.source import ClaimSource
from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from common.secrets import load_secrets
from integrations.jhcis.engine import db_url, open_engine


def _claims_subparsers(subparsers: Any) -> Any:
    """The `claims` group, shared with the claim-code sync's commands."""
    claims = subparsers.choices.get("claims") or subparsers.add_parser(
        "claims", help="claim codes and claims"
    )
    groups = [a for a in claims._actions if isinstance(a, argparse._SubParsersAction)]
    return groups[0] if groups else claims.add_subparsers(dest="claims_command", required=True)


def _common(parser: argparse.ArgumentParser, *, dated: bool = True) -> None:
    if dated:
        parser.add_argument("--from", dest="date_from", type=parse_day, required=True)
        parser.add_argument("--to", dest="date_to", type=parse_day, required=True)
    parser.add_argument("--visit", dest="visits", type=int, action="append", help="visitno")
    parser.add_argument("--dry-run", action="store_true", help="show what would be sent")
    add_db_argument(parser)
    add_json_argument(parser)


def register(subparsers: Any) -> None:
    sub = _claims_subparsers(subparsers)
    close = sub.add_parser("close-right", help="close right (nhso-claim-detail) for visits")
    _common(close)
    close.add_argument("--recorder-cid", default="", help="CID of the close-right token's owner")
    close.add_argument("--rules", help="TOML rules (right mapping) replacing the defaults")
    close.set_defaults(handler=close_right_command)
    for name, helptext in (
        ("close-right-cancel", "cancel a close right (paymentStatus CANCEL)"),
        ("close-right-rollback", "undo the cancel of a close right"),
    ):
        one = sub.add_parser(name, help=helptext)
        one.add_argument("--visit", dest="visit", type=int, required=True)
        one.add_argument("--unit", default="", help="pcucode (default: this unit)")
        one.add_argument("--dry-run", action="store_true")
        add_db_argument(one)
        add_json_argument(one)
        one.set_defaults(handler=close_right_change_command, action=name.rsplit("-", 1)[1])
    moph = sub.add_parser("moph", help="MOPH Claim: DM, HT, adult dT, child EPI")
    _common(moph)
    moph.add_argument("--kind", dest="kinds", action="append", choices=KINDS)
    moph.add_argument("--resend", action="store_true", help="send again the claims that failed")
    moph.add_argument("--rules", help="TOML MOPH rules replacing the defaults")
    moph.set_defaults(handler=moph_command)
    status = sub.add_parser("moph-status", help="ask MOPH how the sent claims are doing")
    status.add_argument("--dry-run", action="store_true")
    add_db_argument(status)
    add_json_argument(status)
    status.set_defaults(handler=moph_status_command)


@contextmanager
def _source(args: argparse.Namespace, settings: Settings) -> Iterator[tuple[ClaimSource, str]]:
    engine = open_engine(
        db_url(args, settings), connect_timeout_s=settings.database.connect_timeout_s
    )
    try:
        source = ClaimSource(engine)
        yield source, source.own_hcode(settings.clinic.hcode)
    finally:
        engine.dispose()


def _close_right_service(
    source: ClaimSource, hcode: str, settings: Settings, *, recorder: str, rules: str | None
) -> CloseRightService:
    from integrations.nhso.providers import web_client_from_settings

    secrets = load_secrets(settings.secrets_file)
    return CloseRightService(
        source, web_client_from_settings(settings, secrets), hcode=hcode, recorder_pid=recorder,
        rules=rules_for(settings, rules), rollback=rollback_from_settings(settings, secrets),
    )  # fmt: skip


def _emit(data: dict[str, Any], lines: list[str], as_json: bool) -> None:
    if as_json:
        print_json(data)
    else:
        print("\n".join(lines))


def close_right_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with wrap_export_errors(), _source(args, settings) as (source, hcode):
            service = _close_right_service(
                source, hcode, settings, recorder=args.recorder_cid, rules=args.rules
            )
            try:
                plan = service.plan(args.date_from, args.date_to, visitnos=args.visits)
                outcomes = service.submit(plan, dry_run=args.dry_run)
            finally:
                service.close()
    except BilingualError as error:
        return fail(error, as_json=args.json)
    skipped = [s.__dict__ for s in plan.skipped]
    lines = [f"{o.visitno}: {o.status} {o.seq} {o.authen_code} {o.error_code}" for o in outcomes]
    lines += [f"{s['visitno']}: not sent ({s['code']}) {s['message_en']}" for s in skipped]
    _emit({"outcomes": [o.as_dict() for o in outcomes], "skipped": skipped}, lines, args.json)
    return 1 if any(o.status in ("failed", "unknown") for o in outcomes) else 0


def close_right_change_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with wrap_export_errors(), _source(args, settings) as (source, hcode):
            service = _close_right_service(source, hcode, settings, recorder="", rules=None)
            change = service.cancel if args.action == "cancel" else service.rollback
            try:
                outcome = change(args.unit or hcode, args.visit, dry_run=args.dry_run)
            finally:
                service.close()
    except BilingualError as error:
        return fail(error, as_json=args.json)
    _emit(outcome.as_dict(), [f"{outcome.visitno}: {outcome.status} {outcome.seq}"], args.json)
    return 0


def _moph_service(
    source: ClaimSource, hcode: str, settings: Settings, rules: str | None
) -> MophClaimService:
    return service_from_settings(
        source, hcode, settings, secrets=load_secrets(settings.secrets_file),
        rules=load_moph_rules(rules),
    )  # fmt: skip


def moph_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with wrap_export_errors(), _source(args, settings) as (source, hcode):
            service = _moph_service(source, hcode, settings, args.rules)
            plan = service.plan(
                args.date_from, args.date_to, visitnos=args.visits, kinds=args.kinds,
                resend=args.resend,
            )  # fmt: skip
            outcomes = service.submit(plan, dry_run=args.dry_run)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    ineligible = [i.as_dict() for i in plan.ineligible]
    cautions = [c.as_dict() for c in plan.cautions]
    already = [
        {"visitno": item.bundle.visit.visitno, "kind": item.kind, "status": status}
        for item, status in plan.already
    ]
    lines = [
        f"{o.visitno} {o.kind}: {o.status} {o.transaction_uid} {o.error_code}" for o in outcomes
    ]
    lines += [f"{a['visitno']} {a['kind']}: already {a['status']}" for a in already]
    lines += [f"{i['visitno']} {i['kind'] or '-'}: not eligible ({i['code']})" for i in ineligible]
    lines += [
        f"{c['visitno'] or 'all'} {c['kind'] or '-'}: caution ({c['code']}) {c['message_en']}"
        for c in cautions
    ]
    data = {
        "outcomes": [o.as_dict() for o in outcomes],
        "already": already,
        "ineligible": ineligible,
        "cautions": cautions,
    }
    _emit(data, lines, args.json)
    return 1 if any(o.status in ("failed", "unknown") for o in outcomes) else 0


def moph_status_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with wrap_export_errors(), _source(args, settings) as (source, hcode):
            outcomes = _moph_service(source, hcode, settings, None).refresh_statuses(
                dry_run=args.dry_run
            )
    except BilingualError as error:
        return fail(error, as_json=args.json)
    lines = [
        f"{o.visitno} {o.kind} {o.transaction_uid}: {o.status} {o.moph_status_th}" for o in outcomes
    ]
    _emit({"statuses": [o.as_dict() for o in outcomes]}, lines, args.json)
    return 0
