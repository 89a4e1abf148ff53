"""Options every data-printing backoffice command shares."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from common.config import Settings
from common.errors import BilingualError


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy URL overriding the clinic database")


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")


def db_url(args: argparse.Namespace, settings: Settings) -> str:
    """--db as given, else the configured database with the secrets file's password.

    The configuration names the account only; without the password a provisioned
    appliance would be refused by MySQL. The result is handed to engines (and to
    export worker processes), never printed.
    """
    from backoffice.jhcis.engine import configured_url

    url: str | None = getattr(args, "db", None)
    return url or configured_url(settings).render_as_string(hide_password=False)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(error: BilingualError, *, as_json: bool, exit_code: int = 1) -> int:
    """Report a failure the same way everywhere: JSON on stdout, or two lines on stderr."""
    if as_json:
        print_json(error.as_dict())
    else:
        print(f"{error.th}\n{error.en}", file=sys.stderr)
    return exit_code
