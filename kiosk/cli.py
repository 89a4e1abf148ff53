"""The `kiosk` command: run the touchscreen app, the headless demo, or check the config."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from common.cli import add_config_argument, config_check, settings_or_exit
from kiosk import commands, demo
from kiosk.voice import cli as voice_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="JHCIS self-service check-in kiosk")
    add_config_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    config_sub.add_parser("check", help="print the effective configuration").set_defaults(
        handler=config_check
    )
    commands.register(sub)
    demo.register(sub)
    voice_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_or_exit(args, "kiosk")
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
