"""The authen report (seed §7.2): claim codes per day, claim type and outcome.

Two parts: the counts, and the visits still without a claim code (for staff to
follow up). Patients appear only by HN, visit number and a masked name. Downloads
are CSV (UTF-8 with BOM, so Excel shows Thai) and XLSX (one sheet per part); cells
that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook

from backoffice.reports.visits import VisitRow

OUTCOMES = ("with_code", "pending", "no_code")
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "with_code": ("ได้รหัสยืนยันสิทธิ", "Authen Code"),
    "pending": ("รอ Authen จากตู้", "Authen pending (kiosk)"),
    "no_code": ("ไม่มีรหัสยืนยันสิทธิ", "No Authen Code"),
}
NO_TYPE = "-"


def outcome_of(row: VisitRow) -> str:
    if row.claim_code:
        return "with_code"
    return "pending" if row.pending_authen else "no_code"


@dataclass(frozen=True)
class CountLine:
    day: dt.date
    claim_type: str
    outcome: str
    count: int


@dataclass(frozen=True)
class AuthenReport:
    date_from: dt.date
    date_to: dt.date
    counts: list[CountLine]
    missing: list[VisitRow]
    total: int

    def totals_by_outcome(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for line in self.counts:
            out[line.outcome] += line.count
        return out

    @property
    def without_code(self) -> int:
        """Visits with no claim code yet (the kiosk's pending ones included)."""
        return self.total - self.totals_by_outcome()["with_code"]

    @property
    def without_code_percent(self) -> int | None:
        """The share of visits without a claim code, rounded to a whole percent."""
        return round(100 * self.without_code / self.total) if self.total else None


def build_report(rows: Sequence[VisitRow], date_from: dt.date, date_to: dt.date) -> AuthenReport:
    counter: Counter[tuple[dt.date, str, str]] = Counter(
        (r.visitdate, r.claim_type or NO_TYPE, outcome_of(r)) for r in rows
    )
    counts = [
        CountLine(day, claim_type, outcome, n)
        for (day, claim_type, outcome), n in sorted(
            counter.items(), key=lambda kv: (kv[0][0], kv[0][1], OUTCOMES.index(kv[0][2]))
        )
    ]
    missing = [r for r in rows if not r.claim_code]
    return AuthenReport(date_from, date_to, counts, missing, len(rows))


# -- files ------------------------------------------------------------------------

SUMMARY_HEADER = ("date", "claim_type", "outcome", "outcome_th", "count")
MISSING_HEADER = (
    "date", "visitno", "hn", "queue_no", "time", "masked_name", "claim_type", "pending_authen",
)  # fmt: skip


def defuse(value: object) -> object:
    """Text a spreadsheet would treat as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def summary_rows(report: AuthenReport) -> list[tuple[object, ...]]:
    return [
        (
            line.day.isoformat(),
            line.claim_type,
            line.outcome,
            OUTCOME_LABELS[line.outcome][0],
            line.count,
        )
        for line in report.counts
    ]


def missing_rows(report: AuthenReport) -> list[tuple[object, ...]]:
    return [
        (
            r.visitdate.isoformat(),
            r.visitno,
            r.pid,
            r.queue_no if r.queue_no is not None else "",
            r.timestart.strftime("%H:%M") if r.timestart else "",
            r.masked_name,
            r.claim_type or "",
            "yes" if r.pending_authen else "",
        )
        for r in report.missing
    ]


def to_csv(report: AuthenReport, part: str = "summary") -> bytes:
    """One part as CSV: "summary" (counts) or "missing" (visits without a code)."""
    header, rows = (
        (MISSING_HEADER, missing_rows(report))
        if part == "missing"
        else (SUMMARY_HEADER, summary_rows(report))
    )
    return table_csv(header, rows)


def table_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """Rows as CSV that Excel opens in Thai, formula-looking text defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([defuse(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    report: AuthenReport,
    extra: dict[str, tuple[Sequence[str], Sequence[Sequence[object]]]] | None = None,
) -> bytes:
    """Both parts as sheets, and each of `extra` (sheet name -> header, rows)."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "summary"
    summary.append(SUMMARY_HEADER)
    for row in summary_rows(report):
        summary.append([defuse(v) for v in row])
    missing = workbook.create_sheet("missing")
    missing.append(MISSING_HEADER)
    for row in missing_rows(report):
        missing.append([defuse(v) for v in row])
    for name, (header, lines) in (extra or {}).items():
        sheet = workbook.create_sheet(name)
        sheet.append(list(header))
        for line in lines:
            sheet.append([defuse(v) for v in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
