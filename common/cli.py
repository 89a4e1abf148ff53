"""Pieces every command line shares: loading settings, `config check`, --db/--json, failures."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from common.cid import mask_cid
from common.config import ConfigError, Settings, config_path_from, load_settings
from common.errors import BilingualError
from common.logs import setup_logging
from common.secrets import load_secrets


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", help="configuration file (TOML); default $KIOSK_CONFIG or /etc/jhcis-kiosk"
    )


def settings_or_exit(args: argparse.Namespace, identifier: str) -> Settings:
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None
    setup_logging(settings.logging.level, settings.logging.journal, identifier)
    return settings


def effective_config(settings: Settings, config_arg: str | None) -> dict[str, Any]:
    """What `config check` prints: every setting, secrets shown only as set or not."""
    secrets = load_secrets(settings.secrets_file)
    data = settings.model_dump(mode="json")
    # A clinic may keep the database password in the URL itself: never print it.
    if data["database"]["url"]:
        data["database"]["url"] = _redact_url(data["database"]["url"])
    if data["nhso"]["recorder_pid"]:  # a citizen ID: shown masked, like everywhere else
        data["nhso"]["recorder_pid"] = mask_cid(data["nhso"]["recorder_pid"])
    path = config_path_from(config_arg)
    return {
        "config_file": str(path) if path else "(none: embedded defaults)",
        "settings": data,
        "effective_database": _redact_url(settings.effective_db_url),
        "secrets": secrets.redacted(),
    }


def _redact_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def config_check(args: argparse.Namespace, settings: Settings) -> int:
    try:
        report = effective_config(settings, getattr(args, "config", None))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy URL overriding the clinic database")


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(error: BilingualError, *, as_json: bool, exit_code: int = 1) -> int:
    """Report a failure the same way everywhere: JSON on stdout, or two lines on stderr."""
    if as_json:
        print_json(error.as_dict())
    else:
        print(f"{error.th}\n{error.en}", file=sys.stderr)
    return exit_code
