"""What retention removes, and nothing else.

Claim batches hold citizen IDs and names, ticket images masked names and queue numbers;
neither is needed once the claim went in, so they go after
``backoffice.export_retention_days``; so do the calling room's lines and call events
(masked names, queue numbers, who called whom: :mod:`backoffice.calling.tables`).
Only what our exporters name (batch folders and zips, tickets ``ticket-*.png``, a
build a crash left behind) is ever touched: the folders may hold the clinic's own files.
Audit entries go after ``backoffice.audit_retention_days``, with the chain re-anchored
(:meth:`backoffice.web.audit.AuditLog.purge_before`), and the purge itself is audited.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from backoffice.calling.tables import purge_lines_before
from backoffice.web.audit import AuditLog
from common.config import Settings

#: e-Claim/FDH/NDP batches (kind_hcode_from-to_stamp[-n]) and SSOP's (hcode_SSOPBIL_...).
BATCH = re.compile(
    r"(?:(?:ECLAIM|FDH|NDP)_\d{5}_\d{8}-\d{8}_\d{8}-\d{6}(?:-\d+)?"
    r"|\d{5}_SSOPBIL_\d{4}_01_\d{8}-\d{6})(?:\.zip)?"
)
#: What an interrupted export leaves: a hidden build, its parts, a half-written zip.
LEFTOVER = re.compile(r"\.building-.+|\..+\.parts|\..+\.zip\.part")
TICKET = re.compile(r"ticket-[A-Za-z0-9_.-]+\.png")


@dataclass
class PurgeReport:
    dry_run: bool
    batches: list[str] = field(default_factory=list)
    tickets: int = 0
    audit_entries: int = 0
    call_rows: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "batches": self.batches,
            "tickets": self.tickets,
            "audit_entries": self.audit_entries,
            "call_rows": self.call_rows,
        }


def exports_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "exports"


def tickets_dir(settings: Settings) -> Path:
    return Path(settings.printer.preview_dir or Path(settings.data_dir) / "tickets")


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.lstat().st_mtime < cutoff
    except OSError:
        return False


def old_batches(folder: Path, cutoff: dt.datetime) -> list[Path]:
    """Batches (and leftovers of failed builds) in `folder` last changed before `cutoff`."""
    return _old(
        folder, cutoff, lambda p: bool(BATCH.fullmatch(p.name) or LEFTOVER.fullmatch(p.name))
    )


def old_tickets(folder: Path, cutoff: dt.datetime) -> list[Path]:
    return _old(folder, cutoff, lambda p: bool(TICKET.fullmatch(p.name)) and p.is_file())


def _old(folder: Path, cutoff: dt.datetime, ours: Callable[[Path], bool]) -> list[Path]:
    """What in `folder` is ours (never through a symlink) and older than `cutoff`."""
    if not folder.is_dir():
        return []
    stamp = cutoff.timestamp()
    return sorted(
        entry
        for entry in folder.iterdir()
        if not entry.is_symlink() and ours(entry) and _older(entry, stamp)
    )


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def purge(
    settings: Settings,
    audit: AuditLog | None,
    *,
    now: dt.datetime,
    dry_run: bool = False,
    extra_export_dirs: Iterable[Path] = (),
    calling_engine: Engine | None = None,
) -> PurgeReport:
    """Remove what is past its retention (`dry_run`: only say what)."""
    office = settings.backoffice
    files_cutoff = now - dt.timedelta(days=office.export_retention_days)
    report = PurgeReport(dry_run=dry_run)
    batches = [
        path
        for folder in (exports_dir(settings), *extra_export_dirs)
        for path in old_batches(folder, files_cutoff)
    ]
    tickets = old_tickets(tickets_dir(settings), files_cutoff)
    report.batches = [str(p) for p in batches]
    report.tickets = len(tickets)
    if not dry_run:
        _remove(batches)
        _remove(tickets)
    if calling_engine is not None:
        report.call_rows = purge_lines_before(calling_engine, files_cutoff.date(), dry_run=dry_run)
    if audit is not None:
        audit_cutoff = now - dt.timedelta(days=office.audit_retention_days)
        if dry_run:
            report.audit_entries = audit.count_before(audit_cutoff)
        else:
            report.audit_entries = audit.purge_before(audit_cutoff)
            audit.record(
                "retention_purge",
                username="(system)",
                role=None,
                detail={
                    "batches": len(batches),
                    "tickets": len(tickets),
                    "audit_entries": report.audit_entries,
                    "call_rows": report.call_rows,
                },
            )
    return report
