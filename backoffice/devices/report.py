"""The kiosk's health file (``kiosk/health.py`` writes it), read into plain values.

The file comes from another process and may be old, half-known or from an older
kiosk: every field is checked for its type and cut to a sane length, and what is
missing or wrong reads as "not known" rather than failing the page.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.config import Settings
from common.update_status import STATUS_FILE  # the update agent's: version, slot, outcome

HEALTH_FILE = "kiosk-health.json"
COMPONENTS = ("reader", "printer", "nhso", "database")


def health_path(settings: Settings) -> Path:
    configured = settings.kiosk.health_file
    return Path(configured) if configured else settings.data_dir / HEALTH_FILE


def read_kiosk_health(settings: Settings) -> dict[str, Any] | None:
    """What the kiosk last wrote about itself; None when it never did (or it is unreadable)."""
    try:
        data = json.loads(health_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Component:
    name: str  # reader | printer | nhso | database
    status: str  # ok | unknown | failed | down | missing | warning | ...
    code: str  # what kind of failure ("paper_out"), "" when none
    at: dt.datetime | None


@dataclass(frozen=True)
class PrintFailure:
    at: dt.datetime | None
    pcucode: str
    visitno: int
    queue: str
    kind: str  # paper_out | cover_open | offline | error
    local: bool  # in the kiosk's journal, not yet a JHCIS visit

    @property
    def key(self) -> str:
        """As the queue's visit rows and the audit log name a visit."""
        return f"{self.pcucode}/{self.visitno}"


@dataclass(frozen=True)
class KioskReport:
    state: str
    updated: dt.datetime | None
    last_checkin: dt.datetime | None
    version: str
    address: str
    journal_pending: int
    components: tuple[Component, ...]
    print_failures: tuple[PrintFailure, ...]

    def component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)


def stamp(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _failure(entry: object) -> PrintFailure | None:
    item = _dict(entry)
    visitno = item.get("visitno")
    pcucode = _text(item.get("pcucode"), 5)
    if not isinstance(visitno, int) or isinstance(visitno, bool) or not pcucode.isalnum():
        return None
    return PrintFailure(
        at=stamp(item.get("at")),
        pcucode=pcucode,
        visitno=visitno,
        queue=_text(item.get("queue"), 10),
        kind=_text(item.get("kind"), 20) or "error",
        local=item.get("local") is True,
    )


def parse_report(data: dict[str, Any]) -> KioskReport:
    reported = _dict(data.get("components"))
    components = []
    for name in COMPONENTS:
        entry = _dict(reported.get(name))
        components.append(
            Component(
                name=name,
                status=_text(entry.get("status"), 20) or "unknown",
                code=_text(entry.get("code"), 40),
                at=stamp(entry.get("at")),
            )
        )
    failures = data.get("print_failures")
    parsed = [_failure(e) for e in failures] if isinstance(failures, list) else []
    about = _dict(data.get("kiosk"))
    return KioskReport(
        state=_text(data.get("state"), 20),
        updated=stamp(data.get("updated_at")),
        last_checkin=stamp(data.get("last_checkin_at")),
        version=_text(about.get("version"), 40),
        address=_text(about.get("address"), 45),
        journal_pending=_count(data.get("journal_pending")),
        components=tuple(components),
        print_failures=tuple(f for f in parsed if f is not None),
    )


def load_report(settings: Settings) -> KioskReport | None:
    data = read_kiosk_health(settings)
    return parse_report(data) if data is not None else None


@dataclass(frozen=True)
class UpdateReport:
    slot: str  # the A/B slot running now
    running_version: str
    result: str  # success | failure | refused | "" before any update
    version: str  # of the last update tried
    reason: str
    at: dt.datetime | None


def load_update_report(settings: Settings) -> UpdateReport | None:
    """The update agent's file; None on a kiosk that never ran it (no update server)."""
    try:
        data = json.loads((settings.data_dir / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data = _dict(data)
    last = _dict(data.get("last"))
    return UpdateReport(
        slot=_text(data.get("slot"), 4),
        running_version=_text(data.get("running_version"), 40),
        result=_text(last.get("result"), 10),
        version=_text(last.get("version"), 40),
        reason=_text(last.get("reason"), 1000),
        at=stamp(last.get("at")),
    )
