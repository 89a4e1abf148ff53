"""The citizen ID and mobile number a command needs, kept out of argv.

Anything in argv shows in ``ps`` and in shell history, so the commands ask for them:
one prompt a value on stderr, answered on stdin (a person at a terminal, or a script's
pipe: ``printf '%s\\n%s\\n' "$CID" "$MOBILE" | backoffice nhso authen ...``), or
``--from-file PATH`` with ``cid=`` / ``mobile=`` lines, a file only its owner may read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from common.secrets import check_private
from integrations.nhso.errors import InvalidRequest

PROMPTS = {
    "cid": "เลขประจำตัวประชาชน / Citizen ID: ",
    "mobile": "เบอร์โทรศัพท์มือถือ / Mobile number: ",
}
_IN_ARGV = "argv_values"


def add_person_arguments(parser: argparse.ArgumentParser, fields: tuple[str, ...]) -> None:
    """--from-file, and the old argv options kept only to refuse them without echoing."""
    names = " and ".join(fields)
    parser.add_argument(
        "--from-file",
        type=Path,
        metavar="PATH",
        help=f"read {names} from a file of key=value lines (mode 600); "
        f"without it they are asked on stdin, never taken from argv",
    )
    # argparse's own errors quote unknown options and stray values: taken here, they
    # are refused by read_person without ever being printed.
    for field in fields:
        parser.add_argument(f"--{field}", dest=_IN_ARGV, action="append", help=argparse.SUPPRESS)
    parser.add_argument("_argv_value", nargs="*", help=argparse.SUPPRESS)


def read_person(
    args: argparse.Namespace,
    fields: tuple[str, ...],
    *,
    stdin: TextIO | None = None,
    prompt_to: TextIO | None = None,
) -> dict[str, str]:
    """The values of `fields` from --from-file or the prompts (never argv)."""
    if getattr(args, _IN_ARGV, None) or getattr(args, "_argv_value", None):
        raise InvalidRequest(
            "personal data in argv",
            th="อย่าใส่เลขประจำตัวประชาชนหรือเบอร์โทรในบรรทัดคำสั่ง (argv) ให้ตอบตามที่ถาม หรือใช้ --from-file",
            en="Do not put the citizen ID or mobile number in argv (visible in ps and "
            "shell history): answer the prompts or use --from-file.",
        )
    if args.from_file is not None:
        check_private(args.from_file)
        values = _key_values(args.from_file.read_text(encoding="utf-8"))
    else:
        values = _prompted(fields, stdin or sys.stdin, prompt_to or sys.stderr)
    missing = [f for f in fields if not values.get(f)]
    if missing:
        raise InvalidRequest(f"missing: {', '.join(missing)}")
    return {f: values[f] for f in fields}


def _key_values(text: str) -> dict[str, str]:
    values = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip().lower()] = value.strip()
    return values


def _prompted(fields: tuple[str, ...], stdin: TextIO, prompt_to: TextIO) -> dict[str, str]:
    values = {}
    for field in fields:
        prompt_to.write(PROMPTS[field])
        prompt_to.flush()
        values[field] = stdin.readline().strip()
    return values
