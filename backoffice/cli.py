"""The `backoffice` command.

Each room registers its own subcommands (a ``register(subparsers)`` function in its
``commands`` module), so that this file only lists them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from common.cli import add_config_argument, config_check, settings_or_exit

# Rooms that contribute subcommands; each module has register(subparsers).
COMMAND_MODULES: tuple[str, ...] = (
    "backoffice.exports.commands",
    "integrations.nhso.commands",
    "integrations.jhcis.commands",
    "backoffice.web.commands",
    "backoffice.claims.sync_commands",
    "backoffice.claims.commands",
    "backoffice.reminders.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backoffice", description="JHCIS kiosk backoffice")
    add_config_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="print the effective configuration")
    check.set_defaults(handler=config_check)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_or_exit(args, "backoffice")
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
