"""``python -m hardware.printer``: sample tickets, status, the loopback printer, decoding."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from common.config import ConfigError, load_settings
from common.errors import BilingualError
from hardware.printer import escpos_stream
from hardware.printer.loopback import LoopbackPrinter, LoopbackState
from hardware.printer.output import TicketPrinter, printer_from_settings, printer_from_uri
from hardware.printer.render import raqm_available
from hardware.printer.ticket import sample_ticket


def _printer(args: argparse.Namespace) -> TicketPrinter:
    settings = load_settings(args.config)
    if args.printer:
        preview_dir = settings.printer.preview_dir or settings.data_dir / "tickets"
        width = args.width or settings.printer.width_dots
        return printer_from_uri(args.printer, width_dots=width, preview_dir=preview_dir)
    printer = printer_from_settings(settings)
    if args.width:
        printer.width_dots = args.width
    return printer


def _fail(error: BilingualError) -> int:
    print(f"{error.th}\n{error.en}", file=sys.stderr)
    return 1


def cmd_test_ticket(args: argparse.Namespace) -> int:
    data = sample_ticket(claim_code=None if args.no_claim_code else "PP1234567890")
    try:
        printer = _printer(args)
        if args.png:
            Path(args.png).write_bytes(printer.png(data))
            print(f"png: {args.png}")
        result = printer.print_ticket(data)
    except BilingualError as error:
        return _fail(error)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    summary = {
        "printer": result.printer,
        "bytes_sent": result.bytes_sent,
        "confirmed": result.confirmed,
        "paper_near_end": result.paper_near_end,
        "preview_path": str(result.preview_path) if result.preview_path else None,
        "raqm": raqm_available(),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    try:
        status = _printer(args).status()
    except BilingualError as error:
        return _fail(error)
    print(json.dumps(status.as_dict()))
    return 0 if status.ready else 1


def cmd_decode(args: argparse.Namespace) -> int:
    try:
        image = escpos_stream.decode(Path(args.job).read_bytes(), args.width)
    except OSError as exc:
        print(f"cannot read {args.job}: {exc.strerror}", file=sys.stderr)
        return 2
    except BilingualError as error:
        return _fail(error)
    if image is None:
        print("the job contains no raster image", file=sys.stderr)
        return 1
    image.save(args.png, format="PNG")
    print(f"{args.png}: {image.width}x{image.height}")
    return 0


def _read_states(printer: LoopbackPrinter) -> None:
    """Each line typed on stdin (ready, near_end, paper_out...) changes the state."""
    for line in sys.stdin:
        word = line.strip()
        if not word:
            continue
        try:
            printer.state = LoopbackState(word)
        except ValueError:
            print(f"unknown state {word!r}; one of {', '.join(s.value for s in LoopbackState)}")
            continue
        print(f"state: {printer.state.value}", flush=True)


def cmd_simulate(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    printer = LoopbackPrinter(
        args.host, args.port, args.state, out_dir=args.out, width_dots=args.width
    )
    try:
        printer.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"loopback printer on {printer.uri} state={printer.state.value} out={args.out}")
    print("type a state on stdin to change it: " + " ".join(s.value for s in LoopbackState))
    sys.stdout.flush()
    threading.Thread(target=_read_states, args=(printer,), daemon=True).start()
    seen = 0
    try:
        while not stop.wait(0.2):
            for job in printer.jobs[seen:]:
                print(
                    f"job {job.number}: {len(job.data)} bytes printed={job.printed} "
                    f"state={job.state.value} png={job.png_path}",
                    flush=True,
                )
            seen = len(printer.jobs)
    finally:
        printer.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hardware.printer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def printer_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="configuration file (TOML)")
        p.add_argument("--printer", metavar="URI", help="printer URI; default [printer] uri")
        p.add_argument("--width", type=int, help="dots per line; default [printer] width_dots")

    test = sub.add_parser("test-ticket", help="print a sample ticket")
    printer_options(test)
    test.add_argument("--png", help="also write the ticket as PNG")
    test.add_argument("--no-claim-code", action="store_true", help="the NHSO-down wording")
    test.set_defaults(handler=cmd_test_ticket)

    status = sub.add_parser("status", help="ask the printer for its status (exit 1: not ready)")
    printer_options(status)
    status.set_defaults(handler=cmd_status)

    simulate = sub.add_parser("simulate", help="run the loopback ESC/POS printer")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=9100)
    simulate.add_argument(
        "--state", default="ready", choices=[state.value for state in LoopbackState]
    )
    simulate.add_argument("--out", default="printer-jobs", help="where jobs (.bin, .png) go")
    simulate.add_argument("--width", type=int, help="paper width in dots for the decoded PNGs")
    simulate.set_defaults(handler=cmd_simulate)

    decode = sub.add_parser("decode", help="turn recorded ESC/POS bytes into a PNG")
    decode.add_argument("job", metavar="JOB.bin")
    decode.add_argument("--png", required=True, metavar="OUT.png")
    decode.add_argument("--width", type=int, help="paper width in dots (pads the picture)")
    decode.set_defaults(handler=cmd_decode)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
