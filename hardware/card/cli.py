"""``python -m hardware.card``: read a card, run the virtual card, watch a reader.

read      [--reader NAME] [--photo FILE] [--json] [--show-pii] [--nhso] [--trace FILE]
          exit 0 read, 3 no reader, 4 no card, 5 read failed
simulate  --profile FILE [--host H] [--port 35963 | --slot N] [--latency-ms N]
          [--fault KIND] [--removed]
          runs until SIGINT/SIGTERM; SIGUSR1 removes the card, SIGUSR2 inserts it
monitor   [--reader NAME] [--settle S]: one JSON line per inserted/removed event
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from common.cli import add_config_argument, settings_or_exit
from common.private_files import write_private

from .applet import Fault
from .errors import CardError
from .profile import DEMO_PROFILE, ProfileError
from .reader import ThaiIdCardReader
from .virtual import DEFAULT_HOST, DEFAULT_PORT, VirtualCard, VirtualCardError

EXIT_OK = 0
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hardware.card", description=__doc__)
    add_config_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)

    read = sub.add_parser("read", help="read the Thai ID card in a reader")
    read.add_argument("--reader", help="reader name or part of it (default: configuration)")
    read.add_argument("--photo", type=Path, metavar="FILE", help="also read the photo into FILE")
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument("--show-pii", action="store_true", help="do not mask CID and names")
    read.add_argument("--nhso", action="store_true", help="also read the NHSO rights applet")
    read.add_argument(
        "--trace",
        type=Path,
        metavar="FILE",
        help="save the APDU exchanges for replay tests (holds personal data: keep private)",
    )

    sim = sub.add_parser("simulate", help="serve a virtual card to pcscd's vpcd driver")
    sim.add_argument("--profile", type=Path, default=DEMO_PROFILE, help="card profile JSON")
    sim.add_argument("--host", default=DEFAULT_HOST)
    where = sim.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, default=None, help=f"vpcd port (default {DEFAULT_PORT})")
    where.add_argument("--slot", type=int, default=None, help="vpcd slot (port 35963 + slot)")
    sim.add_argument("--latency-ms", type=float, default=0.0, help="delay of every APDU answer")
    sim.add_argument("--fault", choices=[f.value for f in Fault], default=Fault.NONE.value)
    sim.add_argument("--removed", action="store_true", help="start with the card out")

    mon = sub.add_parser("monitor", help="print card inserted/removed events")
    mon.add_argument("--reader", help="reader name or part of it (default: configuration)")
    mon.add_argument("--settle", type=float, default=None, help="seconds a card must stay in")
    return parser


def _fail(error: CardError, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps(error.as_dict(), ensure_ascii=False))
    else:
        print(f"{error.th}\n{error.en}", file=sys.stderr)
    return error.exit_code


def cmd_read(args: argparse.Namespace, reader_setting: str) -> int:
    reader = ThaiIdCardReader(args.reader or reader_setting or None, record=bool(args.trace))
    try:
        data = reader.read(photo=args.photo is not None, nhso=args.nhso)
    except CardError as error:
        return _fail(error, as_json=args.json)
    finally:
        if args.trace and reader.last_trace is not None:
            reader.last_trace.save(args.trace)
    if args.photo is not None:
        if data.photo is None:
            print("บัตรนี้ไม่มีรูปถ่าย / The card holds no photo.", file=sys.stderr)
        else:
            write_private(args.photo, data.photo)
    if args.json:
        print(json.dumps(data.to_json_dict(), ensure_ascii=False))
    else:
        print(data.summary(show_pii=args.show_pii))
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    port = args.port if args.port is not None else DEFAULT_PORT + (args.slot or 0)
    try:
        card = VirtualCard(
            args.profile, args.host, port, latency_ms=args.latency_ms, fault=args.fault
        )
    except ProfileError as exc:
        print(f"profile: {exc}", file=sys.stderr)
        return EXIT_USAGE
    done = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGUSR1:
            threading.Thread(target=card.remove, daemon=True).start()
            print("card removed", file=sys.stderr, flush=True)
        elif signum == signal.SIGUSR2:
            threading.Thread(target=_insert_quietly, args=(card,), daemon=True).start()
            print("card inserted", file=sys.stderr, flush=True)
        else:
            done.set()

    for signum in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        card.start(inserted=not args.removed)
    except VirtualCardError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"virtual card on {args.host}:{port} ({'removed' if args.removed else 'inserted'}); "
        "SIGUSR1 removes, SIGUSR2 inserts, Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    while not done.wait(0.5):
        pass
    card.stop()
    return EXIT_OK


def _insert_quietly(card: VirtualCard) -> None:
    try:
        card.insert()
    except VirtualCardError as exc:
        print(str(exc), file=sys.stderr, flush=True)


def cmd_monitor(args: argparse.Namespace, reader_setting: str, settle_s: float) -> int:
    from .monitor import CardMonitor

    settle = args.settle if args.settle is not None else settle_s
    monitor = CardMonitor(args.reader or reader_setting or None, settle_s=settle)
    with monitor:
        try:
            while True:
                event = monitor.wait_event(timeout=1.0)
                if event is not None:
                    line = {
                        "event": event.kind.value,
                        "reader": event.reader,
                        "atr": event.atr.hex(),
                    }
                    print(json.dumps(line), flush=True)
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "simulate":
        return cmd_simulate(args)
    settings = settings_or_exit(args, "hardware-card")
    if args.command == "read":
        return cmd_read(args, settings.card.reader)
    return cmd_monitor(args, settings.card.reader, settings.card.settle_s)
