"""The numbers behind the authen report's charts, and the charts themselves.

Four pictures (issue 22 item 3): visits per day with and without a claim code and the
share with one; what claim-code catch-up found (each visit's latest check); e-Claim
uploads by month and outcome; MOPH Claim outcomes. The queries read only our
``kiosk_`` ledgers (plain GROUP BY, no window functions: MySQL 5.6, MariaDB, SQLite);
a ledger never created yet gives an empty chart. The same numbers are downloadable
(:func:`chart_rows`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import Engine, and_, func, inspect, select

from backoffice.claims.sync import Outcome, sync_item
from backoffice.claims.tables import kiosk_moph_claim
from backoffice.exports.eclaim_ledger import kiosk_eclaim_upload
from backoffice.reports.authen import OUTCOME_LABELS, AuthenReport
from backoffice.reports.charts import Series, bar_list, percent, stacked_bars
from common.thaidate import MONTHS_EN_ABBR, MONTHS_TH_ABBR, ce_to_be

MONTHS_BACK = 12

#: Words of the charts (Thai, English).
WORDS: dict[str, tuple[str, str]] = {
    "daily": ("ผู้รับบริการรายวัน และร้อยละที่มีรหัสยืนยันสิทธิ", "Visits per day, share with an Authen Code"),
    "share": ("% มีรหัส", "% with code"),
    "catch_up": ("ผลการตามรหัสยืนยันสิทธิ (Authen Code)", "Authen Code catch-up results"),
    "uploads": ("ส่งเข้า e-Claim รายเดือน (จำนวนครั้งบริการ)", "Sent to e-Claim by month (visits)"),
    "moph": ("ผลการส่งเคลม MOPH Claim", "MOPH Claim outcomes"),
}

CATCH_UP: tuple[tuple[str, str, tuple[str, str]], ...] = (
    (Outcome.filled, "ok", ("บันทึกรหัสแล้ว", "Code recorded")),
    (Outcome.not_found, "bad", ("ไม่พบที่ สปสช.", "Not found at NHSO")),
    (Outcome.conflict, "warn", ("รหัสไม่ตรงกับที่มีอยู่", "Differs from the existing code")),
    (Outcome.ambiguous, "warn", ("พบหลายรหัส", "Several codes")),
    (Outcome.failed, "muted", ("ตรวจสอบไม่สำเร็จ", "Check failed")),
)
UPLOAD: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("sent", "ok", ("ส่งแล้ว", "Sent")),
    ("duplicate", "info", ("สปสช. มีแล้ว", "Already at NHSO")),
    ("failed", "bad", ("ส่งไม่สำเร็จ", "Failed")),
    ("unknown", "warn", ("ไม่ทราบผล", "Unknown")),
    ("sending", "muted", ("กำลังส่ง/ขัดจังหวะ", "Sending/interrupted")),
)
MOPH: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("sent", "ok", ("ส่งแล้ว", "Sent")),
    ("failed", "bad", ("ส่งไม่สำเร็จ", "Failed")),
    ("unknown", "warn", ("ไม่ทราบผล", "Unknown")),
    ("sending", "muted", ("กำลังส่ง/ขัดจังหวะ", "Sending/interrupted")),
)
OUTCOME_CSS = {"with_code": "ok", "pending": "warn", "no_code": "bad"}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: Markup
    rows: list[tuple[str, str, int]]  # (category, series, value): the downloadable numbers


def _has(engine: Engine, table: str) -> bool:
    with engine.connect() as conn:
        return inspect(conn).has_table(table)


def catch_up_counts(engine: Engine, start: dt.date, end: dt.date) -> Counter[str]:
    """Each visit of the range counted once, by the outcome of its latest check."""
    if not _has(engine, sync_item.name):
        return Counter()
    i = sync_item
    latest = (
        select(i.c.pcucode, i.c.visitno, func.max(i.c.run_id).label("run_id"))
        .where(i.c.visitdate >= start, i.c.visitdate <= end)
        .group_by(i.c.pcucode, i.c.visitno)
        .subquery("latest")
    )
    query = (
        select(i.c.outcome.label("key"), func.count().label("n"))
        .select_from(
            i.join(
                latest,
                and_(
                    i.c.pcucode == latest.c.pcucode,
                    i.c.visitno == latest.c.visitno,
                    i.c.run_id == latest.c.run_id,
                ),
            )
        )
        .group_by(i.c.outcome)
    )
    with engine.connect() as conn:
        return Counter({str(r["key"]): int(r["n"]) for r in conn.execute(query).mappings()})


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def upload_visits_by_month(engine: Engine, end: dt.date) -> dict[dt.date, Counter[str]]:
    """Visits sent to e-Claim per month (the last :data:`MONTHS_BACK`) and outcome."""
    if not _has(engine, kiosk_eclaim_upload.name):
        return {}
    u = kiosk_eclaim_upload
    since = dt.datetime.combine(month_start(end, MONTHS_BACK - 1), dt.time())
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    query = select(u.c.created_at, u.c.status, u.c.visits).where(
        u.c.created_at >= since, u.c.created_at < until
    )
    out: dict[dt.date, Counter[str]] = defaultdict(Counter)
    with engine.connect() as conn:
        for r in conn.execute(query).mappings():
            out[month_start(r["created_at"].date())][str(r["status"])] += int(r["visits"] or 0)
    return out


def moph_counts(engine: Engine, start: dt.date, end: dt.date) -> Counter[str]:
    """MOPH Claim submissions of visits of the range, by our ledger's status."""
    if not _has(engine, kiosk_moph_claim.name):
        return Counter()
    m = kiosk_moph_claim
    since = dt.datetime.combine(start, dt.time())
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    query = (
        select(m.c.status.label("key"), func.count().label("n"))
        .where(m.c.created_at >= since, m.c.created_at < until)
        .group_by(m.c.status)
    )
    with engine.connect() as conn:
        return Counter({str(r["key"]): int(r["n"]) for r in conn.execute(query).mappings()})


def _word(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "th" else pair[1]


def month_label(month: dt.date, lang: str) -> str:
    if lang == "th":
        return f"{MONTHS_TH_ABBR[month.month - 1]}{ce_to_be(month.year) % 100:02d}"
    return f"{MONTHS_EN_ABBR[month.month - 1]} {month.year % 100:02d}"


def daily_chart(report: AuthenReport, lang: str) -> Chart:
    days = [
        report.date_from + dt.timedelta(days=n)
        for n in range((report.date_to - report.date_from).days + 1)
    ]
    by_day: dict[dt.date, Counter[str]] = defaultdict(Counter)
    for line in report.counts:
        by_day[line.day][line.outcome] += line.count
    series = [
        Series(
            name,
            _word(OUTCOME_LABELS[name], lang),
            OUTCOME_CSS[name],
            [by_day[d][name] for d in days],
        )
        for name in ("with_code", "pending", "no_code")
    ]
    share = [percent(by_day[d]["with_code"], sum(by_day[d].values())) for d in days]
    labels = [f"{d.day}/{d.month}" for d in days]
    title = _word(WORDS["daily"], lang)
    svg = stacked_bars("daily", title, labels, series, line=share,
                       line_label=_word(WORDS["share"], lang))  # fmt: skip
    rows = [(d.isoformat(), s.key, s.values[i]) for i, d in enumerate(days) for s in series]
    return Chart("daily", title, svg, rows)


def _list_chart(
    key: str, counts: Counter[str], kinds: tuple[tuple[str, str, tuple[str, str]], ...], lang: str
) -> Chart:
    title = _word(WORDS[key], lang)
    items = [(str(k), _word(words, lang), css, counts.get(str(k), 0)) for k, css, words in kinds]
    known = {str(k) for k, _c, _w in kinds}
    items += [(k, k, "muted", n) for k, n in sorted(counts.items()) if k not in known]
    rows = [("", k, n) for k, _label, _css, n in items]
    return Chart(key, title, bar_list(key, title, items), rows)


def upload_chart(months: dict[dt.date, Counter[str]], end: dt.date, lang: str) -> Chart:
    axis = [month_start(end, back) for back in range(MONTHS_BACK - 1, -1, -1)]
    series = [
        Series(k, _word(words, lang), css, [months.get(m, Counter())[k] for m in axis])
        for k, css, words in UPLOAD
    ]
    title = _word(WORDS["uploads"], lang)
    svg = stacked_bars("uploads", title, [month_label(m, lang) for m in axis], series)
    rows = [(m.strftime("%Y-%m"), s.key, s.values[i]) for i, m in enumerate(axis) for s in series]
    return Chart("uploads", title, svg, rows)


def report_charts(engine: Engine, report: AuthenReport, lang: str) -> list[Chart]:
    """Every chart of the report page, in the order shown. Reads the database: call it
    in a worker thread."""
    start, end = report.date_from, report.date_to
    return [
        daily_chart(report, lang),
        _list_chart("catch_up", catch_up_counts(engine, start, end), CATCH_UP, lang),
        upload_chart(upload_visits_by_month(engine, end), end, lang),
        _list_chart("moph", moph_counts(engine, start, end), MOPH, lang),
    ]


CHART_HEADER = ("chart", "category", "series", "value")


def chart_rows(charts: list[Chart]) -> list[tuple[object, ...]]:
    """Every chart's numbers, one line per bar part, for the CSV and XLSX downloads."""
    return [(c.key, category, series, value) for c in charts for category, series, value in c.rows]
