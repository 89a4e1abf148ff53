"""What the screens show about updates: the running version and slot, the last outcome.

A small JSON file beside the kiosk's health file (named in ``common.update_status``),
written by the agent (root) and readable by the kiosk's staff screen and the
backoffice's device page, which both only read it (``backoffice/devices/report.py``
reads the same fields)::

    {"running_version": "1.4.0", "slot": "B",
     "last": {"result": "failure", "version": "1.5.0", "reason": "...", "at": "..."}}

``result`` is success, failure (rolled back or not installed) or refused (RAUC refused
the bundle: signature, compatible). Never a token or anything personal.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.atomic_files import write_atomic

RESULTS = ("success", "failure", "refused")


def read_status(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_running(path: Path, running_version: str, slot: str | None) -> None:
    """At the agent's start: what this boot runs (the last outcome is kept)."""
    current = read_status(path)
    _write(path, {**current, "running_version": running_version, "slot": slot})


def write_outcome(path: Path, result: str, version: str, reason: str = "") -> None:
    if result not in RESULTS:
        raise ValueError(f"unknown update result {result}")
    last = {
        "result": result,
        "version": version,
        "reason": reason[-1000:],
        "at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    _write(path, {**read_status(path), "last": last})


def _write(path: Path, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(body, ensure_ascii=False).encode("utf-8"), mode=0o644)


@dataclass(frozen=True)
class UpdateFacts:
    """What the kiosk's staff menu shows beside its version and address."""

    slot: str
    result: str  # success | failure | refused | "" (no update yet)
    result_version: str


def update_facts(path: Path) -> UpdateFacts | None:
    """None on a kiosk without the agent (no update server configured)."""
    data = read_status(path)
    if not data:
        return None
    last = data.get("last")
    if not isinstance(last, dict):
        last = {}
    result = str(last.get("result") or "")
    return UpdateFacts(
        slot=str(data.get("slot") or "?"),
        result=result if result in RESULTS else "",
        result_version=str(last.get("version") or ""),
    )
