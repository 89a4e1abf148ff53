"""Backoffice subcommands of the clinic database layer.

* ``backoffice doctor --db URL [--json]``: is this JHCIS database usable? (read-only)
* ``backoffice jhcis create-demo --db URL [--persons N] [--visits N] [--seed S]``:
  a synthetic demo/test database. It refuses any database that already holds JHCIS
  tables unless ``create-demo`` made it (a ``kiosk_demo`` marker row) *and*
  ``--force`` is given, so a clinic's database can never be overwritten by accident.
* ``backoffice jhcis grants --role kiosk|backoffice --database NAME --user NAME``
* ``backoffice jhcis ensure-tables --db URL``: create the kiosk_ tables (idempotent).
* ``backoffice jhcis ddl --dialect mysql|sqlite [--charset tis620|utf8]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from common.cli import add_db_argument, add_json_argument, fail, print_json
from common.config import Settings
from integrations.jhcis.demo_marker import is_demo, mark_demo
from integrations.jhcis.doctor import format_report, run_doctor
from integrations.jhcis.engine import configured_url, db_url, open_engine
from integrations.jhcis.errors import JhcisUnavailable, NotADemoDatabase
from integrations.jhcis.grants import grants_script
from integrations.jhcis.own_tables import ensure_own_tables, own_metadata
from integrations.jhcis.schema import (
    Charset,
    create_jhcis_schema,
    reconstruction_metadata,
    render_ddl,
)
from integrations.jhcis.synth import SynthSummary, generate

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    doctor = subparsers.add_parser("doctor", help="check a JHCIS database (read-only)")
    add_db_argument(doctor)
    add_json_argument(doctor)
    doctor.set_defaults(handler=doctor_command)

    jhcis = subparsers.add_parser("jhcis", help="clinic database tools")
    sub = jhcis.add_subparsers(dest="jhcis_command", required=True)

    demo = sub.add_parser("create-demo", help="create a synthetic JHCIS database (demo, tests)")
    add_db_argument(demo)
    add_json_argument(demo)
    demo.add_argument("--persons", type=int, default=5000)
    demo.add_argument("--visits", type=int, default=None, help="default: a year for --persons")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--charset", choices=("utf8", "tis620"), default="utf8")
    demo.add_argument("--end", type=dt.date.fromisoformat, default=None, help="last visit day")
    demo.add_argument("--force", action="store_true", help="rebuild a database create-demo made")
    demo.set_defaults(handler=create_demo_command)

    grants = sub.add_parser("grants", help="print least-privilege GRANT statements")
    grants.add_argument("--role", choices=("kiosk", "backoffice"), required=True)
    grants.add_argument("--database", default="jhcisdb")
    grants.add_argument("--user", required=True)
    grants.add_argument("--host", default="%")
    grants.set_defaults(handler=grants_command)

    ensure = sub.add_parser("ensure-tables", help="create the kiosk_ tables if missing")
    add_db_argument(ensure)
    ensure.set_defaults(handler=ensure_tables_command)

    ddl = sub.add_parser("ddl", help="print the reconstructed JHCIS schema (dev/test only)")
    ddl.add_argument("--dialect", choices=("mysql", "sqlite"), default="mysql")
    ddl.add_argument("--charset", choices=("utf8", "tis620"), default="utf8")
    ddl.set_defaults(handler=ddl_command)


def _clinic_url(args: argparse.Namespace, settings: Settings) -> str | URL:
    """--db as given, else the configured database with the secrets file's password."""
    explicit: str | None = getattr(args, "db", None)
    return explicit or configured_url(settings)


def doctor_command(args: argparse.Namespace, settings: Settings) -> int:
    report = run_doctor(
        _clinic_url(args, settings),
        hcode=settings.clinic.hcode,
        connect_timeout_s=settings.database.connect_timeout_s,
        provider=settings.kiosk.provider,
        cup_hcode=settings.clinic.cup_hcode,
    )
    if args.json:
        print_json(report.as_dict())
    else:
        print(format_report(report))
    return 0 if report.usable else 1


def create_demo_command(args: argparse.Namespace, settings: Settings) -> int:
    url = db_url(args, settings)
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    try:
        # Decide on a read-only connection first: a refused database is left byte-identical.
        if not is_sqlite or (parsed.database and Path(parsed.database).exists()):
            probe = open_engine(url, read_only=True)
            try:
                check_demo_target(probe, force=args.force)
            finally:
                probe.dispose()
    except (NotADemoDatabase, JhcisUnavailable) as error:
        return fail(error, as_json=args.json)
    except DBAPIError as exc:
        return fail(JhcisUnavailable(type(exc.orig).__name__), as_json=args.json)
    if is_sqlite and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = open_engine(url)
    try:
        summary = create_demo(
            engine,
            persons=args.persons,
            visits=args.visits,
            seed=args.seed,
            charset=cast(Charset, args.charset),
            end=args.end,
            force=args.force,
        )
    except (NotADemoDatabase, JhcisUnavailable) as error:
        return fail(error, as_json=args.json)
    except DBAPIError as exc:
        return fail(JhcisUnavailable(type(exc.orig).__name__), as_json=args.json)
    finally:
        engine.dispose()
    if args.json:
        print_json({"unit_code": summary.unit_code, "seed": summary.seed, "counts": summary.counts})
    else:
        total = ", ".join(f"{k} {v}" for k, v in summary.counts.items())
        print(f"สร้างฐานข้อมูลสาธิตแล้ว / Demo database created: unit {summary.unit_code}; {total}")
    return 0


def create_demo(
    engine: Engine,
    *,
    persons: int,
    visits: int | None,
    seed: int,
    charset: Charset = "utf8",
    end: dt.date | None = None,
    force: bool = False,
) -> SynthSummary:
    """Create the reconstructed schema and synthetic data; refuse a clinic's database."""
    if check_demo_target(engine, force=force):
        log.info("rebuilding a database create-demo made earlier")
        reconstruction_metadata(charset).drop_all(engine)
        own_metadata.drop_all(engine)
    create_jhcis_schema(engine, charset)
    ensure_own_tables(engine, include_demo_marker=True)
    # Marked before it is filled: an interrupted run leaves a database create-demo may
    # rebuild, not one full of made-up people that looks like a clinic's.
    mark_demo(engine, seed)
    return generate(engine, persons=persons, visits=visits, seed=seed, end=end)


def check_demo_target(engine: Engine, *, force: bool) -> bool:
    """Raise unless create-demo may write here; True when an old demo will be rebuilt."""
    existing = set(inspect(engine).get_table_names())
    jhcis_names = {t.name for t in reconstruction_metadata().sorted_tables}
    if not existing & jhcis_names:
        return False
    if not is_demo(engine):
        raise NotADemoDatabase(f"{len(existing & jhcis_names)} JHCIS tables present")
    if not force:
        raise NotADemoDatabase(
            "demo database exists",
            th="มีฐานข้อมูลสาธิตอยู่แล้ว ใช้ --force หากต้องการสร้างใหม่",
            en="A demo database already exists here; add --force to rebuild it.",
        )
    return True


def grants_command(args: argparse.Namespace, settings: Settings) -> int:
    print(grants_script(args.role, database=args.database, user=args.user, host=args.host), end="")
    return 0


def ensure_tables_command(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(_clinic_url(args, settings))
    try:
        created = ensure_own_tables(engine)
    except DBAPIError as exc:
        return fail(JhcisUnavailable(type(exc.orig).__name__), as_json=False)
    finally:
        engine.dispose()
    print("สร้างตาราง / created: " + (", ".join(created) if created else "-"))
    return 0


def ddl_command(args: argparse.Namespace, settings: Settings) -> int:
    print(render_ddl(args.dialect, args.charset), end="")
    return 0
