"""`kiosk run`, `kiosk health` and `kiosk journal`: the app and what staff check on it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from common.config import ConfigError, Settings
from common.errors import BilingualError
from kiosk.health import health_path, read_health
from kiosk.journal import JOURNAL_FILE, Journal
from kiosk.ports import KioskServices

if TYPE_CHECKING:
    from kiosk.testing import FakeWorld


def real_services(settings: Settings) -> KioskServices:
    """The adapters to the card reader, JHCIS, NHSO and the printer (kiosk.wiring)."""
    from kiosk.wiring import build_services  # the device libraries load for `run` only

    return build_services(settings)


def fake_world() -> FakeWorld:
    """In-memory fakes: for working on the screens without any device (never in service)."""
    from kiosk.testing import FakeWorld

    world = FakeWorld()
    world.clinic.add_person(world.card.identity)
    return world


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.app import run

    try:
        if args.fakes:
            # i / r insert and remove the fake card from the keyboard.
            world = fake_world()
            keys = {"i": world.monitor.insert, "r": world.monitor.remove}
            return run(settings, world.services(), smoke=args.smoke, key_actions=keys)
        return run(settings, real_services(settings), smoke=args.smoke)
    except BilingualError as exc:
        print(f"{exc.th}\n{exc.en}", file=sys.stderr)
        return 2
    except ConfigError as exc:  # e.g. a secrets file readable by others
        print(str(exc), file=sys.stderr)
        return 2


def health_command(args: argparse.Namespace, settings: Settings) -> int:
    health = read_health(health_path(settings))
    if health is None:
        print("ยังไม่มีข้อมูลสถานะของตู้\nThe kiosk has not written its health yet.", file=sys.stderr)
        return 1
    print(json.dumps(health, ensure_ascii=False, indent=2))
    return 0


def journal_command(args: argparse.Namespace, settings: Settings) -> int:
    path = settings.data_dir / "journal" / JOURNAL_FILE
    if not path.exists():
        print(json.dumps([]))
        return 0
    journal = Journal(path)
    try:
        rows = [
            {
                "seq": e.seq,
                "checkin_id": e.checkin_id,
                "local_queue": f"L{e.local_queue_no:03d}",
                "created_at": e.created_at.isoformat(timespec="seconds"),
                "status": e.status,
                "visitno": e.visit.visitno if e.visit else None,
                "error": e.last_error,
            }
            for e in journal.entries(args.status)
        ]
    finally:
        journal.close()
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run the touchscreen app")
    run.add_argument(
        "--fakes", action="store_true", help="use in-memory fakes instead of devices (UI work)"
    )
    run.add_argument("--smoke", action="store_true", help="exit once the ready screen is drawn")
    run.set_defaults(handler=run_command)
    sub.add_parser("health", help="print the kiosk's health file").set_defaults(
        handler=health_command
    )
    journal = sub.add_parser("journal", help="list check-ins kept while JHCIS was down")
    journal.add_argument("--status", choices=["pending", "replayed", "failed"])
    journal.set_defaults(handler=journal_command)
