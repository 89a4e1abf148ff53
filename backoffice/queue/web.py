"""Today's queue (refreshing by itself), visit detail, ticket preview and reprint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backoffice.reports.visits import (
    VisitDetail,
    VisitRow,
    flag_label,
    visit_detail,
    visits_between,
)
from backoffice.web.errors import BadInput, NotFound
from backoffice.web.framework import Page, env, error_page, guard, parse_date, threaded
from common.errors import BilingualError
from hardware.printer import TicketData, ticket_png
from integrations.nhso.providers import GENERAL_VISIT

CLAIM_TYPE_NAMES = {GENERAL_VISIT.code: GENERAL_VISIT.name or GENERAL_VISIT.code}


def _day(page: Page) -> dt.date:
    return parse_date(page.query("date"), page.deps.clock().date())


def _queue_context(page: Page, day: dt.date, rows: list[VisitRow]) -> dict[str, Any]:
    return {
        "day": day,
        "rows": rows,
        "flag_label": lambda code: flag_label(code, page.lang),
        "pending_count": sum(1 for r in rows if r.pending_authen),
        "missing_count": sum(1 for r in rows if not r.claim_code),
        "new_count": sum(1 for r in rows if r.new_out_of_area),
    }


async def _table(page: Page, day: dt.date) -> Markup:
    """The queue table (the same for every user): from the short-lived cache."""

    def build() -> str:
        rows = visits_between(page.deps.clinic, day, day)
        return env.get_template("queue_rows.html").render(
            t=page.t, lang=page.lang, **_queue_context(page, day, rows)
        )

    html: str = await threaded(page.deps.fragments.get, ("queue", day, page.lang), build)
    return Markup(html)  # noqa: S704 - rendered by our autoescaping template


@guard("viewer")
async def queue(page: Page) -> Response:
    day = _day(page)
    table = await _table(page, day)
    return page.render("queue.html", day=day, table=table, refresh_ms=page.deps.queue_refresh_ms)


@guard("viewer")
async def queue_rows(page: Page) -> Response:
    """The table alone, for the page's periodic refresh."""
    return HTMLResponse(await _table(page, _day(page)))


def _visit_key(page: Page) -> tuple[str, int]:
    pcucode = page.request.path_params.get("pcucode", "")
    visitno = page.request.path_params.get("visitno", "")
    if not (len(pcucode) == 5 and pcucode.isalnum() and visitno.isdigit() and len(visitno) < 10):
        raise NotFound("bad visit key")
    return pcucode, int(visitno)


async def _detail(page: Page) -> VisitDetail:
    pcucode, visitno = _visit_key(page)
    detail: VisitDetail | None = await threaded(visit_detail, page.deps.clinic, pcucode, visitno)
    if detail is None:
        raise NotFound("no such visit")
    return detail


def ticket_for(page: Page, row: VisitRow) -> TicketData:
    settings = page.deps.settings
    issued = dt.datetime.combine(row.visitdate, row.timestart or dt.time(0, 0))
    return TicketData(
        clinic_name=settings.clinic.name,
        queue_no=str(row.queue_no) if row.queue_no is not None else str(row.visitno),
        issued_at=issued,
        masked_name=row.masked_name,
        claim_type_name=CLAIM_TYPE_NAMES.get(row.claim_type or "", row.claim_type),
        claim_code=row.claim_code,
        hn=str(row.pid),
        visitno=row.visitno,
        footer=settings.printer.footer,
        sandbox=str(settings.nhso.mode) == "sandbox",
    )


@guard("viewer")
async def visit_page(page: Page) -> Response:
    detail = await _detail(page)
    message = page.query("done", limit=20)
    row = detail.row
    photo, note = await threaded(page.deps.clinic.staff_notes, row.pcucodeperson, row.pid)
    return page.render(
        "visit.html",
        detail=detail,
        has_photo=photo,
        card_note=note,
        row=detail.row,
        claim_type_name=CLAIM_TYPE_NAMES.get(detail.row.claim_type or "", ""),
        flag_label=lambda code: flag_label(code, page.lang),
        message=message,
    )


@guard("viewer")
async def ticket_preview(page: Page) -> Response:
    detail = await _detail(page)
    settings = page.deps.settings
    png: bytes = await threaded(
        ticket_png,
        ticket_for(page, detail.row),
        settings.printer.width_dots,
        settings.kiosk.font_path,
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@guard("staff")
async def reprint(page: Page) -> Response:
    detail = await _detail(page)
    row = detail.row
    data = ticket_for(page, row)

    def print_it() -> None:
        page.deps.printer().print_ticket(data)

    try:
        await threaded(print_it)
    except BilingualError as exc:
        await threaded(page.audit, "reprint", target=row.key, outcome=exc.code[:16])
        return error_page(page, exc, 502)
    except ValueError as exc:
        raise BadInput("ticket") from exc
    await threaded(page.audit, "reprint", target=row.key)
    return RedirectResponse(f"/visits/{row.pcucode}/{row.visitno}?done=printed", status_code=303)


ROUTES = (
    ("/queue", "GET", queue),
    ("/queue/rows", "GET", queue_rows),
    ("/visits/{pcucode}/{visitno}", "GET", visit_page),
    ("/visits/{pcucode}/{visitno}/ticket.png", "GET", ticket_preview),
    ("/visits/{pcucode}/{visitno}/reprint", "POST", reprint),
)
