"""Today's queue (refreshing by itself), visit detail, ticket preview and reprint."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backoffice.reports.visits import (
    VisitDetail,
    VisitRow,
    flag_label,
    search_day,
    visit_detail,
    visits_between,
)
from backoffice.web.auth import role_rank
from backoffice.web.errors import BadInput, NotFound
from backoffice.web.framework import (
    Page,
    env,
    error_page,
    guard,
    parse_date,
    safe_next,
    threaded,
)
from common.errors import BilingualError
from hardware.printer import TicketData, ticket_png
from integrations.jhcis.ticket_facts import ticket_facts
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


#: Stands for the session's CSRF token in the cached table (the same for every user of
#: a role), put in per request.
CSRF_SLOT = "csrf-slot-0f6c"


def _rows_html(page: Page, day: dt.date, rows: list[VisitRow], *, searched: bool) -> str:
    return env.get_template("queue_rows.html").render(
        t=page.t, lang=page.lang, can_print=may_print(page), csrf_slot=CSRF_SLOT,
        searched=searched, **_queue_context(page, day, rows),
    )  # fmt: skip


def _with_csrf(page: Page, html: str) -> Markup:
    token = page.session.csrf_token if page.session else ""
    return Markup(html.replace(CSRF_SLOT, token))  # noqa: S704 - our autoescaped template


async def _table(page: Page, day: dt.date) -> Markup:
    """The queue table (the same for every user of a role): from the short-lived cache."""

    def build() -> str:
        return _rows_html(page, day, visits_between(page.deps.clinic, day, day), searched=False)

    key = ("queue", day, page.lang, may_print(page))
    html: str = await threaded(page.deps.fragments.get, key, build)
    return _with_csrf(page, html)


def _queue_page(page: Page, day: dt.date, table: Markup, q: str | None = None) -> Response:
    return page.render(
        "queue.html", day=day, table=table, refresh_ms=page.deps.queue_refresh_ms, q=q,
        message=page.query("done", limit=20),
    )  # fmt: skip


@guard("viewer")
async def queue(page: Page) -> Response:
    day = _day(page)
    return _queue_page(page, day, await _table(page, day))


@guard("viewer")
async def queue_search(page: Page) -> Response:
    """The day's visits matching a name, HN, queue number or citizen ID (posted, so none
    of them is in a URL). Names only for the roles that see them; a snapshot, no refresh."""
    day = parse_date(page.field("date", limit=10), page.deps.clock().date())
    q = " ".join(page.field("q", limit=40).split())
    if not q:
        return RedirectResponse(f"/queue?date={day.isoformat()}", status_code=303)
    rows: list[VisitRow] = await threaded(
        search_day, page.deps.clinic, day, q, names=may_see_names(page)
    )
    await threaded(page.audit, "queue_search", target=day.isoformat(), outcome=str(len(rows)))
    return _queue_page(page, day, _with_csrf(page, _rows_html(page, day, rows, searched=True)), q)


@guard("viewer")
async def queue_rows(page: Page) -> Response:
    """The table alone, for the page's periodic refresh."""
    return HTMLResponse(await _table(page, _day(page)))


#: The lowest role that reads patients' full names; viewers see masked ones (PDPA).
NAMES_ROLE = "staff"


def may_see_names(page: Page) -> bool:
    return page.session is not None and role_rank(page.session.role) >= role_rank(NAMES_ROLE)


#: The lowest role that prints tickets (the reprint handler's guard).
PRINT_ROLE = "staff"


def may_print(page: Page) -> bool:
    return page.session is not None and role_rank(page.session.role) >= role_rank(PRINT_ROLE)


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


def service_name(page: Page, claim_type: str | None) -> str | None:
    """The claim type in the words the kiosk uses for it, else NHSO's, else its code."""
    if not claim_type:
        return None
    for offered in page.deps.settings.kiosk.claim_types:
        if offered.code == claim_type:
            return offered.th
    return CLAIM_TYPE_NAMES.get(claim_type, claim_type)


def ticket_for(page: Page, row: VisitRow) -> TicketData:
    """The visit's ticket as it stands now. Reads JHCIS (queue number, how many wait
    ahead, the right): call it in a worker thread."""
    settings = page.deps.settings
    issued = dt.datetime.combine(row.visitdate, row.timestart or dt.time(0, 0))
    facts = ticket_facts(page.deps.clinic, row.visit)
    # A visit opened in JHCIS has no kiosk number: its place in the day, or none at all
    # (never its visit number under "queue number").
    queue_no = facts.queue_no
    return TicketData(
        clinic_name=settings.clinic.name,
        queue_no=str(queue_no) if queue_no is not None else "",
        issued_at=issued,
        masked_name=row.masked_name,
        right_name=facts.right() or None,
        service_name=service_name(page, row.claim_type),
        waiting_ahead=facts.waiting_ahead,
        next_step=settings.ticket_next_step if facts.waiting else "",
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
    if not may_see_names(page):  # a viewer sees the queue's masked name, no card or photo
        detail, photo, note = replace(detail, full_name=row.masked_name), False, None
    await threaded(page.audit, "visit_view", target=row.key)
    guardian = await threaded(page.deps.clinic.visit_guardian, row.visit)
    return page.render(
        "visit.html",
        detail=detail,
        has_photo=photo,
        card_note=note,
        guardian=guardian,
        row=detail.row,
        claim_type_name=CLAIM_TYPE_NAMES.get(detail.row.claim_type or "", ""),
        flag_label=lambda code: flag_label(code, page.lang),
        message=message,
    )


@guard("viewer")
async def ticket_preview(page: Page) -> Response:
    detail = await _detail(page)
    settings = page.deps.settings
    data = await threaded(ticket_for, page, detail.row)
    png: bytes = await threaded(
        ticket_png, data, settings.printer.width_dots, settings.kiosk.font_path
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@guard("staff")
async def reprint(page: Page) -> Response:
    detail = await _detail(page)
    row = detail.row

    def print_it() -> None:
        page.deps.printer().print_ticket(ticket_for(page, row))

    try:
        await threaded(print_it)
    except BilingualError as exc:
        await threaded(page.audit, "reprint", target=row.key, outcome=exc.code[:16])
        return error_page(page, exc, 502)
    except ValueError as exc:
        raise BadInput("ticket") from exc
    await threaded(page.audit, "reprint", target=row.key)
    # From a list of tickets to reprint (the kiosk health page), back to that list.
    back = page.field("next", limit=100)
    target = safe_next(back).split("?")[0] if back else f"/visits/{row.pcucode}/{row.visitno}"
    return RedirectResponse(f"{target}?done=printed", status_code=303)


ROUTES = (
    ("/queue", "GET", queue),
    ("/queue/rows", "GET", queue_rows),
    ("/queue/search", "POST", queue_search),
    ("/visits/{pcucode}/{visitno}", "GET", visit_page),
    ("/visits/{pcucode}/{visitno}/ticket.png", "GET", ticket_preview),
    ("/visits/{pcucode}/{visitno}/reprint", "POST", reprint),
)
