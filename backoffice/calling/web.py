"""The caller page (staff, at the desk) and the waiting-room board (a screen's token URL).

Staff pages: ``/calling`` shows the line of one point for one counter, with *call next*,
*call again*, *not here*, *send to…*, *done*; every action is a CSRF-checked form post,
audited, and changes the line only if it is still as the page showed it (line.py). The
line refreshes itself when anything changes (``/calling/events``, server-sent events).

The board: ``/display?s=TOKEN`` (no sign-in: the token is the screen's), its live feed
``/display/events`` and each call's audio ``/display/announce.wav``. The paths carry no
parameters of their own so that the route table's security walk covers them as they are.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from backoffice.calling import line
from backoffice.calling.arrivals import take_in_arrivals
from backoffice.calling.hub import BoardHub
from backoffice.calling.screens import screen_for
from backoffice.calling.voice import assemble, clip_dirs, clip_order
from backoffice.exports.web import add_template_folder, texts
from backoffice.web.errors import BadInput, NotFound
from backoffice.web.framework import Page, env, error_page, guard, threaded
from common.config import CallingSettings
from common.errors import BilingualError

TEMPLATES = Path(__file__).resolve().parent / "templates"
add_template_folder(TEMPLATES)

#: A stream ends after this long and the browser reconnects at once: a server shutting
#: down never waits longer than this for its open boards.
STREAM_S = 30.0
KEEPALIVE_S = 10.0
RETRY_MS = 1000
CALL_ROLE = "staff"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("เรียกคิว", "Call the queue"),
    "point": ("จุดบริการ", "Service point"),
    "counter": ("ช่อง/ห้อง", "Counter/room"),
    "choose": ("เลือก", "Choose"),
    "call_next": ("เรียกคิวถัดไป", "Call next"),
    "recall": ("เรียกซ้ำ", "Call again"),
    "skip": ("ไม่มา / ข้าม", "Not here / skip"),
    "send": ("ส่งต่อไป", "Send to"),
    "done": ("เสร็จสิ้น", "Done"),
    "back": ("กลับเข้าคิว", "Back in line"),
    "lane": ("ช่องทางพิเศษ", "Priority lane"),
    "regular": ("ทั่วไป", "Regular"),
    "elderly": ("ผู้สูงอายุ", "Elderly"),
    "disabled": ("ผู้พิการ", "Disabled"),
    "pregnant": ("หญิงตั้งครรภ์", "Pregnant"),
    "monk": ("พระภิกษุสามเณร", "Monk"),
    "set": ("บันทึก", "Set"),
    "manage": ("จัดการ", "Manage"),
    "now_serving": ("กำลังเรียกที่ช่องนี้", "Called to this counter"),
    "line": ("คิวที่รอ", "Waiting"),
    "called_elsewhere": ("เรียกแล้ว (ช่องอื่น)", "Called (other counters)"),
    "absent": ("ไม่มาตามเรียก", "Did not come"),
    "nobody": ("ไม่มีผู้รอคิว", "Nobody is waiting"),
    "no": ("คิว", "No."),
    "calls": ("เรียกแล้ว (ครั้ง)", "Times called"),
    "called": ("เรียกหมายเลข", "Called number"),
    "empty": ("ไม่มีผู้รอที่จุดนี้", "Nobody waits at this point"),
    "live": ("รายการนี้อัปเดตเองเมื่อมีการเปลี่ยนแปลง", "This list updates itself"),
    "board_title": ("เรียกคิว", "Now calling"),
    "board_waiting": ("คิวถัดไป", "Next"),
    "offline": ("ขาดการเชื่อมต่อ", "Disconnected"),
    "db_offline": ("ไม่สามารถอ่านคิวจากฐานข้อมูลได้", "Cannot read the queue from the database"),
    "sound": ("เปิดเสียงเรียกคิว", "Turn on call sound"),
    "more": ("และอีก", "and"),
    "people": ("คน", "more"),
}


def _calling(page: Page) -> CallingSettings:
    return page.deps.settings.calling


def board_hub(deps: Any) -> BoardHub:
    """This server's hub, made on first use in the running event loop."""
    loop = asyncio.get_running_loop()
    with deps.state_lock:
        found = deps.state.get("calling.hub")
        if isinstance(found, BoardHub) and found.loop is loop:
            return found
        hub = BoardHub(deps.clinic, deps.settings.calling, deps.clock)
        deps.state["calling.hub"] = hub
        return hub


def _place(page: Page, *, form: bool = False) -> tuple[str, int]:
    calling = _calling(page)
    read = page.field if form else page.query
    point = read("point", limit=20) or calling.points[0].code
    counter_text = read("counter", limit=3) or "1"
    if not counter_text.isdigit():
        raise BadInput("counter")
    counter = int(counter_text)
    try:
        line.check_place(calling, point, counter)
    except line.UnknownPoint:
        raise BadInput("point") from None
    return point, counter


def _line_context(page: Page, point: str, counter: int) -> dict[str, Any]:
    calling = _calling(page)
    now = page.deps.clock()
    take_in_arrivals(page.deps.clinic, calling, now.date(), now)
    mine = line.entries(page.deps.clinic.engine, now.date(), point)
    return {
        "L": texts(TEXT, page.lang),
        "calling": calling,
        "point": point,
        "counter": counter,
        "serving": [e for e in mine if e.status == line.CALLED and e.counter == counter],
        "elsewhere": [e for e in mine if e.status == line.CALLED and e.counter != counter],
        "waiting": [e for e in mine if e.status == line.WAITING],
        "absent": [e for e in mine if e.status == line.ABSENT],
        "lanes": calling.priority_kinds,
    }


@guard(CALL_ROLE)
async def caller_page(page: Page) -> Response:
    point, counter = _place(page)
    context = await threaded(_line_context, page, point, counter)
    message = page.query("done", limit=20)
    return page.render("calling.html", message=message, **context)


@guard(CALL_ROLE)
async def caller_line(page: Page) -> Response:
    """The line alone, swapped in by the page when its feed says something changed."""
    point, counter = _place(page)
    context = await threaded(_line_context, page, point, counter)
    csrf = page.session.csrf_token if page.session else ""
    html = env.get_template("calling_line.html").render(
        t=page.t, lang=page.lang, csrf=csrf, **context
    )
    return HTMLResponse(html)


def _back(point: str, counter: int, done: str) -> RedirectResponse:
    query = urlencode({"point": point, "counter": counter, "done": done})
    return RedirectResponse(f"/calling?{query}", status_code=303)


@guard(CALL_ROLE)
async def call_next(page: Page) -> Response:
    point, counter = _place(page, form=True)
    deps = page.deps
    username = page.session.username if page.session else None
    now = deps.clock()
    try:
        got = await threaded(
            line.call_next, deps.clinic.engine, _calling(page),
            day=now.date(), point=point, counter=counter, username=username, now=now,
        )  # fmt: skip
    except BilingualError as exc:
        await threaded(page.audit, "call_next", target=point, outcome=exc.code[:16])
        return error_page(page, exc, 409)
    board_hub(deps).poke()
    if got is None:
        await threaded(page.audit, "call_next", target=point, outcome="empty")
        return _back(point, counter, "empty")
    await threaded(
        page.audit, "call_next", target=got.key,
        detail={"point": point, "counter": counter, "queue_no": got.queue_no},
    )  # fmt: skip
    return _back(point, counter, "called")


ACTIONS = ("recall", "skip", "back", "send", "done", "lane")
STATUSES = (line.WAITING, line.CALLED, line.ABSENT)


def _shown(page: Page) -> line.Shown:
    """The entry as the page showed it (the action applies only if it still is)."""
    status = page.field("was", limit=10)
    point = page.field("at", limit=20)
    by = page.field("by", limit=3)
    if status not in STATUSES or _calling(page).point(point) is None:
        raise BadInput("was")
    if by and not by.isdigit():
        raise BadInput("by")
    return line.Shown(status, point, int(by) if by else None)


@guard(CALL_ROLE)
async def act(page: Page) -> Response:
    """One action on one entry of the line (see ACTIONS)."""
    point, counter = _place(page, form=True)
    action = page.field("action", limit=10)
    entry_text = page.field("entry", limit=10)
    if action not in ACTIONS or not entry_text.isdigit():
        raise BadInput("action")
    entry_id = int(entry_text)
    shown = _shown(page)
    deps = page.deps
    engine, calling = deps.clinic.engine, _calling(page)
    who = {"username": page.session.username if page.session else None, "now": deps.clock()}
    to = page.field("to", limit=20)
    kind = page.field("kind", limit=10) or None
    try:
        if action == "recall":
            got = await threaded(line.recall, engine, entry_id, shown, **who)
        elif action == "skip":
            got = await threaded(line.skip, engine, calling, entry_id, shown, **who)
        elif action == "back":
            got = await threaded(line.back_in_line, engine, entry_id, shown, **who)
        elif action == "send":
            got = await threaded(line.send_to, engine, calling, entry_id, to, shown, **who)
        elif action == "done":
            got = await threaded(line.finish, engine, entry_id, shown, **who)
        else:
            got = await threaded(line.set_priority, engine, calling, entry_id, kind, shown, **who)
    except BilingualError as exc:
        await threaded(page.audit, f"call_{action}", target=str(entry_id), outcome=exc.code[:16])
        return error_page(page, exc, 409)
    board_hub(deps).poke()
    await threaded(
        page.audit, f"call_{action}", target=got.key,
        detail={"point": got.point, "counter": counter, "queue_no": got.queue_no, "to": to,
                "lane": kind},
    )  # fmt: skip
    return _back(point, counter, action)


def _sse(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _board_stream(request: Request, hub: BoardHub, with_board: bool) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_S
    version = 0  # the hub's before its first board
    while loop.time() < ends:
        if await request.is_disconnected():
            return
        newer = await hub.wait_newer(version, min(KEEPALIVE_S, max(0.1, ends - loop.time())))
        if newer != version and hub.board is not None:
            version = newer
            data = {"online": hub.online, **(hub.board if with_board else {})}
            yield _sse("board" if with_board else "changed", data, version)
        else:
            yield ": still here\n\n"


def _stream(request: Request, hub: BoardHub, with_board: bool) -> StreamingResponse:
    return StreamingResponse(
        _board_stream(request, hub, with_board),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


@guard(CALL_ROLE)
async def caller_events(page: Page) -> Response:
    return _stream(page.request, board_hub(page.deps), with_board=False)


async def _screen(page: Page) -> None:
    token = page.query("s", limit=100)
    screen = await threaded(screen_for, page.deps.clinic.engine, token)
    if screen is None:
        raise NotFound("no such screen")


@guard(None)
async def display(page: Page) -> Response:
    await _screen(page)
    lang = "en" if page.query("lang", limit=2) == "en" else "th"
    return page.render(
        "display.html", L=texts(TEXT, lang), board_lang=lang, token=page.query("s", limit=100)
    )


@guard(None)
async def display_events(page: Page) -> Response:
    await _screen(page)
    return _stream(page.request, board_hub(page.deps), with_board=True)


@guard(None)
async def display_audio(page: Page) -> Response:
    await _screen(page)
    call_text = page.query("call", limit=10)
    if not call_text.isdigit():
        raise NotFound("no such call")
    event = await threaded(line.announcement, page.deps.clinic.engine, int(call_text))
    if event is None:
        raise NotFound("no such call")
    calling = _calling(page)
    names = clip_order(calling, event["queue_no"], event["point"], event["counter"])
    spoken = await threaded(assemble, names, clip_dirs(page.deps.settings))
    return Response(
        spoken.wav_bytes,
        media_type="audio/wav",
        headers={"Cache-Control": "private, max-age=3600"},
    )


ROUTES = (
    ("/calling", "GET", caller_page),
    ("/calling/line", "GET", caller_line),
    ("/calling/events", "GET", caller_events),
    ("/calling/next", "POST", call_next),
    ("/calling/act", "POST", act),
    ("/display", "GET", display),
    ("/display/events", "GET", display_events),
    ("/display/announce.wav", "GET", display_audio),
)
