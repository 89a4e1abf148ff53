"""`backoffice reminders due|missed|duplicates|pdf|send|log|optout|release|ic-...|sandbox`.

``send`` is what the systemd timer runs (``backoffice reminders send --days 1``): it
reminds open appointments dated after ``--date`` (today) up to ``--days`` days ahead,
once per appointment and channel, outside quiet hours; with ``--check-ic`` it first asks
MOPH IC about the children due, and an appointment whose dose MOPH IC shows given at
another unit after booking is not reminded (``ic-refresh`` does the asking alone,
``ic-push`` sends the clinic's doses to MOPH IC). Dates print as ISO (CE);
``--json`` gives the same data as JSON on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from backoffice.exports.commands import parse_day
from backoffice.reminders import given_elsewhere
from backoffice.reminders.channels import (
    Channel,
    MophPushChannel,
    SlipChannel,
    SmsGatewayChannel,
)
from backoffice.reminders.contacts import contacts_of
from backoffice.reminders.errors import BadReminderOption
from backoffice.reminders.ic_push import IcPusher
from backoffice.reminders.ic_service import RefreshReport, ic_client, refresh
from backoffice.reminders.ledger import ANY_CHANNEL, ReminderLedger
from backoffice.reminders.pdf import COPIES, appointments_pdf, write_pdf
from backoffice.reminders.sender import send_reminders
from common.cli import add_db_argument, add_json_argument, bounded_int, fail, print_json
from common.config import Settings
from common.errors import BilingualError
from common.quiet_hours import QuietHours
from common.secrets import load_secrets
from common.thaidate import format_date_th
from integrations.jhcis import appointments as q
from integrations.jhcis import tables as t
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.errors import JhcisUnavailable
from integrations.jhcis.profile import detect_profile
from integrations.moph.commands import add_sandbox_arguments, print_settings, sandbox_state

CHANNELS = ("sms", "mophpush", "slip")
DAYS = bounded_int(1, 366)
LOOKBACK = bounded_int(1, 3650)
KIND_CHOICES = {"all": ("epi", "diag"), "epi": ("epi",), "diag": ("diag",)}


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("reminders", help="vaccine and other appointments, reminders")
    sub = group.add_subparsers(dest="reminders_command", required=True)

    due = sub.add_parser("due", help="open appointments from --date over --days days")
    _dated(due, days=1)
    due.set_defaults(handler=due_command)

    missed = sub.add_parser("missed", help="appointments in the last --lookback days not kept")
    _dated(missed, days=None)
    missed.add_argument(
        "--lookback", type=LOOKBACK, default=90, help="days back, 1-3650 (default 90)"
    )
    missed.set_defaults(handler=missed_command)

    dup = sub.add_parser(
        "duplicates", help="a vaccine booked on two dates; a vaccine given while booked"
    )
    _dated(dup, days=None, kinds=False)
    dup.set_defaults(handler=duplicates_command)

    pdf = sub.add_parser("pdf", help="A4 PDF list in Thai, by village")
    _dated(pdf, days=1)
    pdf.add_argument("--missed", action="store_true", help="missed instead of due")
    pdf.add_argument("--lookback", type=LOOKBACK, default=90)
    pdf.add_argument("--out", type=Path, required=True, help="PDF file to write")
    pdf.add_argument(
        "--copy",
        choices=COPIES,
        default="staff",
        help="volunteer: the อสม. copy, contact details masked ([reminders] mask_contact_details)",
    )
    pdf.set_defaults(handler=pdf_command)

    send = sub.add_parser("send", help="remind appointments in the next --days days")
    _dated(send, days=1)
    send.add_argument(
        "--channel", action="append", choices=CHANNELS, help="repeatable; default sms and mophpush"
    )
    send.add_argument("--sms-url", default="", help="SMS gateway endpoint (POST JSON)")
    send.add_argument("--quiet-hours", default="20:00-08:00", help='HH:MM-HH:MM or "off"')
    send.add_argument("--dry-run", action="store_true", help="show what would be sent; log nothing")
    send.add_argument(
        "--check-ic", action="store_true",
        help="first ask MOPH IC about the children due (a dose given elsewhere stops its reminder)",
    )  # fmt: skip
    send.set_defaults(handler=send_command)

    refresh = sub.add_parser(
        "ic-refresh", help="ask MOPH IC what the children with a vaccine appointment due received"
    )
    _dated(refresh, days=7, kinds=False)
    refresh.set_defaults(handler=ic_refresh_command)

    push = sub.add_parser("ic-push", help="push the clinic's doses of --date..--days to MOPH IC")
    _dated(push, days=1, kinds=False)
    push.add_argument(
        "--resend", action="store_true",
        help="send on purpose what has an unknown outcome or was refused (never what MOPH took)",
    )  # fmt: skip
    push.add_argument("--dry-run", action="store_true")
    push.set_defaults(handler=ic_push_command)

    log = sub.add_parser("log", help="the reminder log (sent, failed, skipped, uncertain)")
    log.add_argument("--since", type=parse_day, help="appointments dated from (YYYY-MM-DD)")
    add_db_argument(log)
    add_json_argument(log)
    log.set_defaults(handler=log_command)

    for name, helptext in (("optout", "stop reminders to a person"), ("optin", "undo optout")):
        one = sub.add_parser(name, help=helptext)
        one.add_argument("--person", required=True, help="PCUCODEPERSON:PID from JHCIS")
        one.add_argument("--channel", default=ANY_CHANNEL, choices=(*CHANNELS, ANY_CHANNEL))
        add_db_argument(one)
        add_json_argument(one)
        one.set_defaults(handler=optout_command, optout=name == "optout")

    release = sub.add_parser("release", help="allow an uncertain/failed reminder to go again")
    release.add_argument("--key", required=True, help="appointment key from the log")
    release.add_argument("--channel", required=True, choices=CHANNELS)
    add_db_argument(release)
    add_json_argument(release)
    release.set_defaults(handler=release_command)

    box = sub.add_parser(
        "sandbox", help="run the local SMS gateway + every MOPH endpoint (demo; see moph sandbox)"
    )
    add_sandbox_arguments(box)
    box.add_argument("--sms-key", default="demo-sms-key", help="API key the sandbox accepts")
    box.set_defaults(handler=sandbox_command)


def _dated(parser: argparse.ArgumentParser, *, days: int | None, kinds: bool = True) -> None:
    parser.add_argument("--date", type=parse_day, help="YYYY-MM-DD (default today)")
    if days is not None:
        parser.add_argument("--days", type=DAYS, default=days, help=f"1-366, default {days}")
    if kinds:
        parser.add_argument("--kind", choices=tuple(KIND_CHOICES), default="all")
    add_db_argument(parser)
    add_json_argument(parser)


@contextlib.contextmanager
def _clinic(args: argparse.Namespace, settings: Settings) -> Iterator[ClinicDatabase]:
    clinic = ClinicDatabase.from_settings(settings, url=getattr(args, "db", None) or None)
    try:
        yield clinic
    except DBAPIError as exc:
        raise JhcisUnavailable(f"reminders: {type(exc).__name__}") from None
    finally:
        clinic.dispose()


def _today(args: argparse.Namespace) -> dt.date:
    day: dt.date | None = getattr(args, "date", None)
    return day or dt.date.today()


def _kinds(args: argparse.Namespace) -> tuple[q.Kind, ...]:
    return KIND_CHOICES[getattr(args, "kind", "all")]  # type: ignore[return-value]


def _print_list(items: Sequence[q.Appointment], header: str) -> None:
    print(header)
    for village, rows in q.by_village(items).items():
        print(f"  [{village or '-'}] {len(rows)}")
        for a in rows:
            print(f"    {a.date.isoformat()}  {a.pcucodeperson}:{a.pid}  {a.what}  ({a.key})")


def _due(clinic: ClinicDatabase, start: dt.date, days: int, args: argparse.Namespace) -> Any:
    """Due appointments without those MOPH IC shows given elsewhere, and those."""
    return given_elsewhere.due(
        clinic.engine, start, days, kinds=_kinds(args), own_hcode=clinic.unit_code()
    )


def due_command(args: argparse.Namespace, settings: Settings) -> int:
    start = _today(args)
    try:
        with _clinic(args, settings) as clinic:
            items, elsewhere = _due(clinic, start, args.days, args)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    end = start + dt.timedelta(days=max(1, args.days) - 1)
    if args.json:
        print_json(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "count": len(items),
                "appointments": [a.as_dict() for a in items],
                "by_vaccine": {k: len(v) for k, v in q.by_vaccine(items).items()},
                "given_elsewhere": [
                    {"key": e.appointment.key, "dropped": e.after_booking,
                     "dose": e.dose.as_dict()}
                    for e in elsewhere
                ],
            }
        )  # fmt: skip
    else:
        _print_list(items, f"due {start.isoformat()}..{end.isoformat()}: {len(items)}")
        for e in elsewhere:
            what = "given elsewhere" if e.after_booking else "check: same vaccine before booking"
            print(f"  {what}: {e.appointment.key} {e.dose.hospital_code} {e.dose.given_on}")
    return 0


def missed_command(args: argparse.Namespace, settings: Settings) -> int:
    today = _today(args)
    try:
        with _clinic(args, settings) as clinic:
            items = q.missed(clinic.engine, today, lookback_days=args.lookback, kinds=_kinds(args))
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json({"today": today.isoformat(), "appointments": [a.as_dict() for a in items]})
    else:
        _print_list(items, f"missed before {today.isoformat()}: {len(items)}")
    return 0


def duplicates_command(args: argparse.Namespace, settings: Settings) -> int:
    today = _today(args)
    try:
        with _clinic(args, settings) as clinic:
            doubles = q.double_bookings(clinic.engine, today)
            early = q.given_while_open(clinic.engine, today)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json(
            {
                "double_booked": [d.as_dict() for d in doubles],
                "given_while_open": [a.as_dict() for a in early],
            }
        )
        return 0
    print(f"same vaccine booked on several dates: {len(doubles)}")
    for d in doubles:
        dates = ", ".join(x.isoformat() for x in d.dates)
        print(f"  {d.pcucodeperson}:{d.pid}  {d.what}  {dates}")
    print(f"given while the appointment is still open: {len(early)}")
    for a in early:
        print(f"  {a.pcucodeperson}:{a.pid}  {a.what}  booked {a.date} given {a.kept_on}")
    return 0


def pdf_command(args: argparse.Namespace, settings: Settings) -> int:
    today = _today(args)
    try:
        with _clinic(args, settings) as clinic:
            if args.missed:
                items = q.missed(
                    clinic.engine, today, lookback_days=args.lookback, kinds=_kinds(args)
                )
                title = f"รายชื่อผู้ขาดนัด ก่อนวันที่ {format_date_th(today)}"
            else:
                items = _due(clinic, today, args.days, args)[0]
                end = today + dt.timedelta(days=max(1, args.days) - 1)
                title = f"รายชื่อผู้มีนัด {format_date_th(today)} ถึง {format_date_th(end)}"
            contacts = contacts_of(clinic.engine, items)
        data = appointments_pdf(
            items,
            title=title,
            clinic_name=settings.clinic.name,
            printed_at=dt.datetime.now(),
            contacts=contacts,
            copy=args.copy,
            mask_contact_details=settings.reminders.mask_contact_details,
        )
        path = write_pdf(args.out, data)
    except (BilingualError, OSError) as error:
        if isinstance(error, OSError):
            error = BadReminderOption(f"cannot write the PDF: {type(error).__name__}")
        return fail(error, as_json=args.json)
    if args.json:
        print_json({"path": str(path), "count": len(items)})
    else:
        print(f"{path}: {len(items)} appointments")
    return 0


def clinic_phone(engine: Engine, unit: str) -> str:
    """The unit's phone from ``office.tel``; empty where this JHCIS has no such column."""
    with engine.connect() as conn:
        if not detect_profile(conn, ["office"]).has_column("office", "tel"):
            return ""
        value = conn.execute(select(t.office.c.tel).where(t.office.c.offid == unit)).scalar()
    return str(value or "").strip()


def build_channels(
    names: Sequence[str], settings: Settings, hcode: str, *, sms_url: str, phone: str
) -> list[Channel]:
    """The channels by name, from the settings and the secrets file."""
    secrets = load_secrets(settings.secrets_file)
    out: list[Channel] = []
    for name in names:
        if name == "sms":
            key = secrets.sms_api_key.get_secret_value() if secrets.sms_api_key else ""
            out.append(SmsGatewayChannel(sms_url, key))
        elif name == "mophpush":
            out.append(MophPushChannel(ic_client(settings, secrets, hcode), settings.clinic.name))
        elif name == "slip":
            from hardware.printer import printer_from_settings

            out.append(SlipChannel(printer_from_settings(settings), settings.clinic.name, phone))
    return out


def send_command(args: argparse.Namespace, settings: Settings) -> int:
    today = _today(args)
    names = args.channel or ["sms", "mophpush"]
    channels: list[Channel] = []
    try:
        quiet = _quiet_hours(args.quiet_hours)
        with _clinic(args, settings) as clinic:
            hcode = clinic.unit_code()
            phone = clinic_phone(clinic.engine, hcode)
            start = today + dt.timedelta(days=1)
            if args.check_ic:
                _refresh_ic(clinic, settings, q.due(clinic.engine, start, max(1, args.days)))
            items = _due(clinic, start, max(1, args.days), args)[0]
            channels = build_channels(names, settings, hcode, sms_url=args.sms_url, phone=phone)
            report = send_reminders(
                items, channels, ReminderLedger(clinic.engine), now=dt.datetime.now(),
                clinic_name=settings.clinic.name, clinic_phone=phone, dry_run=args.dry_run,
                quiet_hours=quiet,
            )  # fmt: skip
    except BilingualError as error:
        return fail(error, as_json=args.json)
    finally:
        for channel in channels:
            channel.close()
    if args.json:
        print_json(report.as_dict())
    else:
        print(("dry run: " if report.dry_run else "") + str(report.counts()))
        for o in report.outcomes:
            print(f"  {o.channel:9} {o.result:11} {o.appointment_key} {o.note}")
    bad = any(o.result in {"failed", "uncertain"} for o in report.outcomes)
    return 1 if bad else 0


def _refresh_ic(
    clinic: ClinicDatabase, settings: Settings, items: Sequence[q.Appointment]
) -> RefreshReport:
    """Best effort: MOPH IC down or unconfigured leaves the last answers in place."""
    hcode = clinic.unit_code()
    client = ic_client(settings, load_secrets(settings.secrets_file), hcode)
    try:
        return refresh(clinic.engine, client, items, dt.datetime.now())
    finally:
        client.close()


def ic_refresh_command(args: argparse.Namespace, settings: Settings) -> int:
    start = _today(args)
    try:
        with _clinic(args, settings) as clinic:
            due = q.due(clinic.engine, start, max(1, args.days), kinds=("epi",))
            report = _refresh_ic(clinic, settings, due)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json(report.as_dict())
    else:
        print(f"MOPH IC: {report.as_dict()}")
    return 0 if report.stopped is None and not report.errors else 1


def ic_push_command(args: argparse.Namespace, settings: Settings) -> int:
    start = _today(args)
    end = start + dt.timedelta(days=max(1, args.days) - 1)
    try:
        with _clinic(args, settings) as clinic:
            hcode = clinic.unit_code()
            client = None
            if not args.dry_run:
                client = ic_client(settings, load_secrets(settings.secrets_file), hcode)
            try:
                pusher = IcPusher(clinic.engine, client, hcode=hcode,
                                  hospital_name=settings.clinic.name, sent_by="cli")  # fmt: skip
                report = pusher.push(start, end, resend=args.resend, dry_run=args.dry_run)
            finally:
                if client is not None:
                    client.close()
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json(report.as_dict())
    else:
        print(f"MOPH IC UpdateImmunization {start}..{end}: {report.counts()}")
        for o in report.outcomes:
            print(f"  {o.visitdate} visit {o.visitno:>7} {o.status:11} {o.reason}")
    return 0 if report.ok else 1


def log_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with _clinic(args, settings) as clinic:
            entries = ReminderLedger(clinic.engine).entries(since=args.since)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json([e.as_dict() for e in entries])
    else:
        for e in entries:
            d = e.as_dict()
            print(f"{d['appointment_date']} {d['channel']:9} {d['state']:9} {e.appointment_key}")
    return 0


def _person(text: str) -> tuple[str, int]:
    unit, _, pid = text.partition(":")
    if len(unit) != 5 or not pid.isdigit():
        raise BadReminderOption("--person must be PCUCODEPERSON:PID")
    return unit, int(pid)


def optout_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        person = _person(args.person)
        with _clinic(args, settings) as clinic:
            ledger = ReminderLedger(clinic.engine)
            if args.optout:
                changed = ledger.opt_out(person, args.channel, dt.datetime.now(), by="cli")
            else:
                changed = ledger.opt_in(person, args.channel)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json({"changed": changed})
    else:
        print("changed" if changed else "no change", file=sys.stdout)
    return 0


def release_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with _clinic(args, settings) as clinic:
            released = ReminderLedger(clinic.engine).release(args.key, args.channel)
    except BilingualError as error:
        return fail(error, as_json=args.json)
    if args.json:
        print_json({"released": released})
    else:
        print("released" if released else "nothing to release (sent reminders stay sent)")
    return 0 if released else 1


def sandbox_command(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until interrupted; prints the URLs to put in the configuration."""
    from backoffice.reminders.sandbox import ReminderSandbox, ReminderSandboxState

    box = ReminderSandbox(ReminderSandboxState(args.sms_key, sandbox_state(args)), port=args.port)
    print(f"SMS gateway (--sms-url): {box.sms_url}", flush=True)
    print_settings(box.url)
    box.serve_until_interrupted()
    return 0


def _quiet_hours(text: str) -> QuietHours | None:
    try:
        return QuietHours.parse(text)
    except ValueError:
        raise BadReminderOption("quiet hours: expected HH:MM-HH:MM") from None
