"""The `backoffice` command.

Each room registers its own subcommands (a ``register(subparsers)`` function in its
``commands`` module), so that this file only lists them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from backoffice import serve
from backoffice.calling import commands as calling_commands
from backoffice.claims import commands as claims_commands
from backoffice.claims import sync_commands
from backoffice.exports import commands as exports_commands
from backoffice.ndp import commands as ndp_commands
from backoffice.phr import commands as phr_commands
from backoffice.reminders import commands as reminders_commands
from backoffice.retention import commands as retention_commands
from common.cli import (
    BilingualArgumentParser,
    UnexpectedFailure,
    add_config_argument,
    config_check,
    fail,
    fail_config,
    settings_or_exit,
)
from common.config import ConfigError
from common.errors import BilingualError
from integrations.jhcis import commands as jhcis_commands
from integrations.jhcis.errors import JhcisQueryFailed
from integrations.moph import commands as moph_commands
from integrations.nhso import commands as nhso_commands

# Rooms that contribute subcommands; each module has register(subparsers).
COMMAND_MODULES = (
    exports_commands,
    nhso_commands,
    jhcis_commands,
    serve,
    sync_commands,
    claims_commands,
    ndp_commands,
    reminders_commands,
    phr_commands,
    moph_commands,
    retention_commands,
    calling_commands,
)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = BilingualArgumentParser(prog="backoffice", description="JHCIS kiosk backoffice")
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
    as_json = bool(getattr(args, "json", False))
    # Each command reports its own failures; this is the net under them, so that no
    # input ends in a traceback (whose text may quote a citizen ID or a password).
    try:
        result: int = args.handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except BilingualError as error:
        return fail(error, as_json=as_json)
    except ConfigError as error:
        return fail_config(error, as_json=as_json)
    except SQLAlchemyError as error:
        return fail(JhcisQueryFailed(type(error).__name__), as_json=as_json)
    except Exception as error:  # the last net: a message, never a traceback
        log.error("backoffice %s failed: %s", args.command, type(error).__name__)
        return fail(UnexpectedFailure(type(error).__name__), as_json=as_json, exit_code=70)
    return result


if __name__ == "__main__":
    sys.exit(main())
