"""Claim-code catch-up pages (seed §9) and the authen report (seed §7.2)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.responses import RedirectResponse, Response

from backoffice.claims.report_charts import CHART_HEADER, chart_rows, report_charts
from backoffice.claims.sync import (
    ClaimSync,
    Outcome,
    SyncItem,
    SyncReport,
    confirm_code,
    last_items,
)
from backoffice.exports.jobs import BOARD, Job
from backoffice.reports.authen import OUTCOME_LABELS, build_report, table_csv, to_csv, to_xlsx
from backoffice.reports.visits import VisitRow, visits_between
from backoffice.web.deps import WebDeps
from backoffice.web.errors import BadInput
from backoffice.web.framework import Page, error_page, guard, parse_date, threaded
from common.errors import BilingualError
from integrations.jhcis.records import PendingAuthen

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 92


#: Outcomes that need no one (the result box is green when these are all there is).
SUCCESS = frozenset({Outcome.filled})
#: What to do about each other outcome, in the order the result box lists them.
NEXT_STEPS = (
    (Outcome.not_found, "next_not_found"),
    (Outcome.conflict, "next_conflict"),
    (Outcome.ambiguous, "next_ambiguous"),
    (Outcome.failed, "next_failed"),
    (Outcome.would_fill, "next_would_fill"),
)


@dataclass
class SyncJob:
    """The one claim sync this process runs at a time (started from the claims page);
    its progress, cancel and result live in `track`, a job of the shared job board."""

    date_from: dt.date
    date_to: dt.date
    dry_run: bool
    track: Job

    @property
    def report(self) -> SyncReport | None:
        result = self.track.result
        return result if isinstance(result, SyncReport) else None

    @property
    def running(self) -> bool:
        return not self.track.finished

    def next_steps(self) -> list[tuple[str, int, str]]:
        """(outcome, how many, what to do) for every outcome that is not a success."""
        counts = self.report.counts() if self.report else {}
        return [(str(o), counts.get(str(o), 0), key) for o, key in NEXT_STEPS
                if counts.get(str(o), 0)]  # fmt: skip

    @property
    def all_good(self) -> bool:
        report = self.report
        return report is not None and report.stopped is None and not self.next_steps()


@dataclass
class SyncJobs:
    current: SyncJob | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def sync_jobs(deps: WebDeps) -> SyncJobs:
    """This app's claim-sync slot, kept in the app's feature state."""
    with deps.state_lock:
        return cast(SyncJobs, deps.state.setdefault("claims.sync", SyncJobs()))


def _range(page: Page, *, from_form: bool = False) -> tuple[dt.date, dt.date]:
    today = page.deps.clock().date()
    read = page.field if from_form else page.query
    start = parse_date(read("date"), today)
    end = parse_date(read("to"), start)
    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_RANGE_DAYS:
        raise BadInput("range too long")
    return start, end


def _sync_work(deps: WebDeps, start: dt.date, end: dt.date, dry_run: bool, by: str) -> Any:
    def work(track: Job) -> SyncReport:
        client = deps.nhso_client()
        try:
            sync = ClaimSync(deps.clinic, client, clock=deps.clock, ensure_tables=False)
            return sync.run(
                start, end, dry_run=dry_run, by=by, progress=track.update,
                cancelled=lambda: track.cancel_requested,
            )  # fmt: skip
        finally:
            client.close()
            deps.fragments.clear()  # codes written: the queue shows them at once

    return work


@guard("staff")
async def claims_page(page: Page) -> Response:
    deps = page.deps
    start, end = _range(page)
    job = sync_jobs(deps).current
    same = job is not None and (job.date_from, job.date_to) == (start, end)
    running = same and job is not None and job.running
    items: list[SyncItem]
    if same and job is not None and not job.running and job.report is not None:
        items = job.report.items
    else:
        items = await threaded(last_items, deps.clinic.engine, start, end)
    pending: list[PendingAuthen] = await threaded(deps.clinic.list_pending_authens)
    return page.render(
        "claims.html",
        start=start,
        end=end,
        job=job if same else None,
        running=running,
        items=items,
        pending=pending,
        needs_staff={Outcome.conflict, Outcome.ambiguous},
    )


@guard("staff")
async def claims_sync(page: Page) -> Response:
    deps = page.deps
    assert page.session is not None
    start, end = _range(page, from_form=True)
    dry_run = page.field("dry_run", limit=5) == "1"
    jobs = sync_jobs(deps)
    with jobs.lock:
        if jobs.current is not None and jobs.current.running:
            raise BadInput("a check is already running")
        by = page.session.username
        track = BOARD.start("claims-sync", by, _sync_work(deps, start, end, dry_run, by))
        jobs.current = SyncJob(start, end, dry_run, track)
    await threaded(
        page.audit,
        "claims_sync",
        target=f"{start.isoformat()}..{end.isoformat()}",
        detail={"dry_run": dry_run},
    )
    return RedirectResponse(
        f"/claims?date={start.isoformat()}&to={end.isoformat()}", status_code=303
    )


@guard("staff")
async def claims_confirm(page: Page) -> Response:
    deps = page.deps
    pcucode = page.field("pcucode", limit=5)
    visitno = page.field("visitno", limit=10)
    code = page.field("claim_code", limit=50)
    start, end = _range(page, from_form=True)
    if not (pcucode.isalnum() and visitno.isdigit() and code.isalnum()):
        raise BadInput("confirm")
    clinic = deps.clinic

    def confirm() -> str | None:
        before = clinic.visit_claim(clinic.get_visit(pcucode, int(visitno))).claim_code
        confirm_code(clinic, pcucode, int(visitno), code, at=deps.clock())
        return before

    try:
        replaced = await threaded(confirm)
    except BilingualError as exc:
        await threaded(
            page.audit, "claim_confirm", target=f"{pcucode}/{visitno}", outcome=exc.code[:16]
        )
        return error_page(page, exc, 409)
    deps.fragments.clear()
    await threaded(
        page.audit,
        "claim_confirm",
        target=f"{pcucode}/{visitno}",
        detail={"new": code, "replaced": replaced},
    )
    return RedirectResponse(
        f"/claims?date={start.isoformat()}&to={end.isoformat()}", status_code=303
    )


async def _report_rows(page: Page) -> tuple[dt.date, dt.date, list[VisitRow]]:
    start, end = _range(page)
    rows: list[VisitRow] = await threaded(visits_between, page.deps.clinic, start, end)
    return start, end, rows


@guard("staff")
async def report_page(page: Page) -> Response:
    start, end, rows = await _report_rows(page)
    report = build_report(rows, start, end)
    charts = await threaded(report_charts, page.deps.clinic.engine, report, page.lang)
    return page.render(
        "report.html", report=report, start=start, end=end, labels=OUTCOME_LABELS, charts=charts
    )


def _filename(start: dt.date, end: dt.date, ext: str) -> str:
    return f"authen-{start.isoformat()}_{end.isoformat()}.{ext}"


@guard("staff")
async def report_csv(page: Page) -> Response:
    start, end, rows = await _report_rows(page)
    part = page.query("part")
    part = part if part in ("missing", "charts") else "summary"
    report = build_report(rows, start, end)
    if part == "charts":
        charts = await threaded(report_charts, page.deps.clinic.engine, report, page.lang)
        body = table_csv(CHART_HEADER, chart_rows(charts))
    else:
        body = to_csv(report, part)
    await threaded(page.audit, "report_download", target=f"csv:{part}")
    name = _filename(start, end, "csv").replace(".csv", f"-{part}.csv")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@guard("staff")
async def report_xlsx(page: Page) -> Response:
    start, end, rows = await _report_rows(page)
    report = build_report(rows, start, end)
    charts = await threaded(report_charts, page.deps.clinic.engine, report, page.lang)
    body = await threaded(to_xlsx, report, {"charts": (CHART_HEADER, chart_rows(charts))})
    await threaded(page.audit, "report_download", target="xlsx")
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(start, end, "xlsx")}"'},
    )


ROUTES = (
    ("/claims", "GET", claims_page),
    ("/claims/sync", "POST", claims_sync),
    ("/claims/confirm", "POST", claims_confirm),
    ("/reports/authen", "GET", report_page),
    ("/reports/authen.csv", "GET", report_csv),
    ("/reports/authen.xlsx", "GET", report_xlsx),
)
