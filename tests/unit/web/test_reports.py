"""The authen report's counting and its files."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from backoffice.reports.authen import build_report, defuse, outcome_of, to_csv, to_xlsx
from backoffice.reports.visits import VisitRow

DAY = dt.date(2026, 1, 15)


def row(
    visitno: int,
    *,
    code: str | None = None,
    ctype: str | None = "PG0060001",
    pending: bool = False,
    day: dt.date = DAY,
    name: str = "นาย สมชาย ใ•••",
) -> VisitRow:
    return VisitRow(
        pcucode="99901", visitno=visitno, visitdate=day, pcucodeperson="99901", pid=visitno,
        timestart=dt.time(9, visitno % 60), flagservice="01", queue_no=visitno, by_kiosk=True,
        masked_name=name, claim_type=ctype, claim_code=code, datetime_claim=None,
        new_out_of_area=False, pending_authen=pending, rightcode="89",
    )  # fmt: skip


def test_counts_per_day_type_and_outcome() -> None:
    rows = [
        row(1, code="PP1"),
        row(2, code="PP2"),
        row(3, pending=True),
        row(4),
        row(5, ctype=None),
        row(6, code="PP6", day=DAY + dt.timedelta(days=1)),
    ]
    assert [outcome_of(r) for r in rows[:4]] == ["with_code", "with_code", "pending", "no_code"]
    report = build_report(rows, DAY, DAY + dt.timedelta(days=1))
    lines = [(c.day.day, c.claim_type, c.outcome, c.count) for c in report.counts]
    assert lines == [
        (15, "-", "no_code", 1),
        (15, "PG0060001", "with_code", 2),
        (15, "PG0060001", "pending", 1),
        (15, "PG0060001", "no_code", 1),
        (16, "PG0060001", "with_code", 1),
    ]
    assert report.totals_by_outcome() == {"with_code": 3, "pending": 1, "no_code": 2}
    assert [r.visitno for r in report.missing] == [3, 4, 5]


def test_csv_and_xlsx_defuse_formulas() -> None:
    assert defuse("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert defuse("+1") == "'+1" and defuse("@x") == "'@x" and defuse("ok") == "ok"
    assert defuse(5) == 5
    report = build_report([row(1, name="=2+3")], DAY, DAY)
    parsed = list(csv.reader(io.StringIO(to_csv(report, "missing").decode("utf-8-sig"))))
    assert parsed[1][5] == "'=2+3"
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    assert book["missing"]["F2"].value == "'=2+3"
    assert book["summary"]["E2"].value == 1
