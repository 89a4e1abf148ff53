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
    url: str | None = getattr(args, "db", None)
    return url or settings.effective_db_url


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(error: BilingualError, *, as_json: bool, exit_code: int = 1) -> int:
    """Report a failure the same way everywhere: JSON on stdout, or two lines on stderr."""
    if as_json:
        print_json(error.as_dict())
    else:
        print(f"{error.th}\n{error.en}", file=sys.stderr)
    return exit_code
