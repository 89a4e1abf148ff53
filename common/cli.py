"""Pieces every command line shares: loading settings, `config check`, --db/--json, failures."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn

from common.cid import mask_cid
from common.config import ConfigError, Settings, config_path_from, load_settings
from common.errors import BilingualError
from common.logs import setup_logging
from common.secrets import load_secrets


class BilingualArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors start with a Thai line (its own text is English).

    Subcommand parsers are made of the same class, so every command gets it."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(
            2,
            f"{self.prog}: คำสั่งไม่ถูกต้อง ดูวิธีใช้ด้วย --help\n{self.prog}: error: {message}\n",
        )


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", help="configuration file (TOML); default $KIOSK_CONFIG or /etc/jhcis-kiosk"
    )


def settings_or_exit(args: argparse.Namespace, identifier: str) -> Settings:
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        raise SystemExit(fail_config(exc, as_json=bool(getattr(args, "json", False)))) from None
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
        return fail_config(exc, as_json=False)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


DB_URL_HELP = (
    "ที่อยู่ฐานข้อมูลต้องเป็น mysql+pymysql://USER@HOST:PORT/DB หรือ sqlite:///FILE / "
    "a database URL must be mysql+pymysql://USER@HOST:PORT/DB or sqlite:///FILE"
)


def database_url(text: str) -> str:
    """An argparse type: a MySQL/MariaDB or SQLite URL, else a bilingual usage error."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(text).get_backend_name()
    except (ArgumentError, ValueError):
        raise argparse.ArgumentTypeError(DB_URL_HELP) from None
    if backend not in {"mysql", "mariadb", "sqlite"}:
        raise argparse.ArgumentTypeError(DB_URL_HELP)
    return text


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        type=database_url,
        help="SQLAlchemy URL overriding the clinic database",
    )


def bounded_int(low: int, high: int) -> Any:
    """An argparse type: a whole number from `low` to `high`, else a bilingual usage error
    (date arithmetic on a day count of 10 million overflows)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"ต้องเป็นจำนวนเต็ม {low} ถึง {high} / must be a whole number from {low} to {high}"
            )
        return value

    parse.__name__ = f"number {low}-{high}"
    return parse


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class ConfigUnusable(BilingualError):
    code = "config.unusable"
    message_th = "ไฟล์ตั้งค่าหรือไฟล์ความลับใช้ไม่ได้ กรุณาแก้ไขตามรายละเอียดด้านล่างแล้วลองใหม่"
    message_en = "The configuration or secrets file cannot be used. Fix what is detailed below."


class UnexpectedFailure(BilingualError):
    code = "cli.unexpected"
    message_th = "เกิดข้อผิดพลาดที่ไม่คาดคิด กรุณาแจ้งผู้ดูแลระบบพร้อมคำสั่งที่ใช้"
    message_en = "Something unexpected failed. Tell the administrator which command you ran."


def fail_config(error: ConfigError, *, as_json: bool) -> int:
    """A configuration or secrets file problem: both languages, then what the file says
    (ConfigError messages name files and keys, never values); exit 2."""
    wrapped = ConfigUnusable(str(error))
    if as_json:
        print_json({**wrapped.as_dict(), "detail": str(error)})
    else:
        print(f"{wrapped.th}\n{wrapped.en}\n{error}", file=sys.stderr)
    return 2


def fail(error: BilingualError, *, as_json: bool, exit_code: int = 1) -> int:
    """Report a failure the same way everywhere: JSON on stdout, or two lines on stderr."""
    if as_json:
        print_json(error.as_dict())
    else:
        print(f"{error.th}\n{error.en}", file=sys.stderr)
    return exit_code
