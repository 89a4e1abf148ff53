"""The `backoffice` command.

Each room registers its own subcommands (a ``register(subparsers)`` function in its
``commands`` module), so that this file only lists them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backoffice import serve
from backoffice.claims import commands as claims_commands
from backoffice.claims import sync_commands
from backoffice.exports import commands as exports_commands
from backoffice.reminders import commands as reminders_commands
from common.cli import add_config_argument, config_check, settings_or_exit
from integrations.jhcis import commands as jhcis_commands
from integrations.nhso import commands as nhso_commands

# Rooms that contribute subcommands; each module has register(subparsers).
COMMAND_MODULES = (
    exports_commands,
    nhso_commands,
    jhcis_commands,
    serve,
    sync_commands,
    claims_commands,
    reminders_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backoffice", description="JHCIS kiosk backoffice")
    add_config_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="print the effective configuration")
    check.set_defaults(handler=config_check)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_or_exit(args, "backoffice")
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
