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
import secrets
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from backoffice.calling import line
from backoffice.calling.arrivals import take_in_arrivals
from backoffice.calling.hub import BoardHub
from backoffice.calling.places import where_en, where_th
from backoffice.calling.screens import Screen, screen_for
from backoffice.calling.streams import RETRY_AFTER_S, Slot, StreamSlots
from backoffice.calling.voice import assemble, clip_dirs, clip_order
from backoffice.web.errors import BadInput, NotFound
from backoffice.web.framework import (
    Page,
    add_template_folder,
    env,
    error_page,
    guard,
    texts,
    threaded,
)
from common.config import CallingSettings
from common.errors import BilingualError

_T = TypeVar("_T")
TEMPLATES = Path(__file__).resolve().parent / "templates"
add_template_folder(TEMPLATES)

#: A stream ends after this long and the browser reconnects at once: a server shutting
#: down never waits longer than this for its open boards.
STREAM_S = 30.0
#: A named ``ping`` event this often: the board's page sees it (an SSE comment it would
#: not) and declares the connection lost after SILENCE_FACTOR times as long without one.
KEEPALIVE_S = 10.0
SILENCE_FACTOR = 2.5
RETRY_MS = 1000
CALL_ROLE = "staff"
#: How many *call next* form tokens this server remembers (a double tap sends one twice).
ONCE_KEPT = 2000
#: The board gives up on one announcement's clip after this long (a stalled download
#: never ends, and the next call must still be said).
CLIP_LIMIT_S = 15.0
#: A call not yet said this long after the board learnt of it is not said any more
#: (sound turned on late must not replay the morning).
STALE_CALL_S = 60.0

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
    "monk": ("พระภิกษุ/สามเณร", "Monk or novice"),
    "set": ("บันทึก", "Set"),
    "manage": ("จัดการ", "Manage"),
    "now_serving": ("เรียกมาที่", "Called to"),
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
    "confirm_done": (
        "ยืนยันว่าหมายเลข {n} รับบริการเสร็จสิ้นแล้ว (ออกจากทุกคิวของวันนี้)",
        "Finish number {n}'s visit? (off every line today)",
    ),
}

#: What the page says after an action: what happened, to whom.
DONE_TEXT: dict[str, tuple[str, str]] = {
    "called": ("เรียกหมายเลข {n} แล้ว", "Called number {n}."),
    "recall": ("เรียกหมายเลข {n} อีกครั้งแล้ว", "Called number {n} again."),
    "skip": ("หมายเลข {n} ไม่อยู่ ย้ายไปท้ายคิวแล้ว", "Number {n} was not here: back of the line."),
    "absent": (
        "หมายเลข {n} ไม่มาตามเรียก ย้ายไปรายการไม่มาตามเรียกแล้ว",
        "Number {n} did not come: moved to the absent list.",
    ),
    "back": ("หมายเลข {n} กลับเข้าคิวแล้ว", "Number {n} is back in the line."),
    "send": ("ส่งหมายเลข {n} ไปที่{to} แล้ว", "Sent number {n} to {to}."),
    "done": ("หมายเลข {n} รับบริการเสร็จสิ้นแล้ว", "Number {n}'s visit is done."),
    "lane": ("เปลี่ยนช่องทางของหมายเลข {n} แล้ว", "Changed number {n}'s lane."),
    "empty": ("ไม่มีผู้รอคิว", "Nobody is waiting."),
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
        "here": _here(calling, point, counter, page.lang),
    }


def _here(calling: CallingSettings, point: str, counter: int, lang: str) -> str:
    spec = calling.point(point)
    assert spec is not None  # checked by _place
    return where_th(calling, spec, counter) if lang == "th" else where_en(spec, counter)


def _notice(page: Page, done: str) -> str:
    """The sentence after an action, from the redirect's query (what, which number)."""
    words = DONE_TEXT.get(done)
    if words is None:
        return ""
    number = page.query("no", limit=6) or "-"
    to_code = page.query("to", limit=20)
    spec = _calling(page).point(to_code) if to_code else None
    to = (spec.th if page.lang == "th" else spec.en) if spec else ""
    return words[0 if page.lang == "th" else 1].format(n=number, to=to)


@guard(CALL_ROLE)
async def caller_page(page: Page) -> Response:
    point, counter = _place(page)
    context = await threaded(_line_context, page, point, counter)
    message = page.query("done", limit=20)
    return page.render(
        "calling.html", message=message, notice=_notice(page, message),
        once=secrets.token_urlsafe(12), **context,
    )  # fmt: skip


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


def _back(
    point: str, counter: int, done: str, number: int | None = None, to: str = ""
) -> RedirectResponse:
    fields: dict[str, Any] = {"point": point, "counter": counter, "done": done}
    if number is not None:
        fields["no"] = number
    if to:
        fields["to"] = to
    return RedirectResponse(f"/calling?{urlencode(fields)}", status_code=303)


class _OnceTokens:
    """*Call next* form tokens already used, with the call each one made: a second post
    of the same form (a double tap, a resent form) shows that call rather than making
    another. One backoffice process (README), so memory is enough."""

    def __init__(self) -> None:
        self.used: OrderedDict[str, int | None] = OrderedDict()
        self.lock = threading.Lock()
        self.pending: dict[str, threading.Event] = {}


def _kept(deps: Any, key: str, kind: type[_T]) -> _T:
    """This server's one `kind` (made on first use), kept in the app's state."""
    with deps.state_lock:
        found = deps.state.get(key)
        if not isinstance(found, kind):
            found = deps.state[key] = kind()
        return found


def _once_tokens(deps: Any) -> _OnceTokens:
    return _kept(deps, "calling.once", _OnceTokens)


@guard(CALL_ROLE)
async def call_next(page: Page) -> Response:
    point, counter = _place(page, form=True)
    once = page.field("once", limit=30)
    if not once:
        raise BadInput("once")
    tokens = _once_tokens(page.deps)
    with tokens.lock:
        seen = once in tokens.used
        first = not seen and once not in tokens.pending
        if first:
            tokens.pending[once] = threading.Event()
        waiting_for = tokens.pending.get(once)
    if not first:
        # The same form again: wait for the first post's call, show it, call nobody new.
        if waiting_for is not None:
            await asyncio.to_thread(waiting_for.wait, 10)
        before = tokens.used.get(once)
        return _back(point, counter, "called" if before is not None else "empty", before)
    number: int | None = None
    try:
        response, number = await _call_next(page, point, counter)
        return response
    finally:
        with tokens.lock:
            tokens.used[once] = number
            while len(tokens.used) > ONCE_KEPT:
                tokens.used.popitem(last=False)
            tokens.pending.pop(once).set()


async def _call_next(page: Page, point: str, counter: int) -> tuple[Response, int | None]:
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
        return error_page(page, exc, 409), None
    board_hub(deps).poke()
    if got is None:
        await threaded(page.audit, "call_next", target=point, outcome="empty")
        return _back(point, counter, "empty"), None
    await threaded(
        page.audit, "call_next", target=got.key,
        detail={"point": point, "counter": counter, "queue_no": got.queue_no},
    )  # fmt: skip
    return _back(point, counter, "called", got.queue_no), got.queue_no


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
    said = "absent" if action == "skip" and got.status == line.ABSENT else action
    return _back(point, counter, said, got.queue_no, to if action == "send" else "")


def _sse(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


#: What a board shows before the database ever answered: nothing, and why.
NO_BOARD: dict[str, Any] = {"points": [], "calls": []}


async def _board_stream(
    request: Request, hub: BoardHub, with_board: bool, slot: Slot
) -> AsyncIterator[str]:
    try:
        yield f"retry: {RETRY_MS}\n\n"
        loop = asyncio.get_running_loop()
        ends = loop.time() + STREAM_S
        version = 0  # the hub's before its first board
        while loop.time() < ends:
            if await request.is_disconnected():
                return
            newer = await hub.wait_newer(version, min(KEEPALIVE_S, max(0.1, ends - loop.time())))
            # A board, or news that the database cannot be read even before the first one.
            if newer != version and (hub.board is not None or not hub.online):
                version = newer
                data = {"online": hub.online, **((hub.board or NO_BOARD) if with_board else {})}
                yield _sse("board" if with_board else "changed", data, version)
            else:
                yield _sse("ping", {})
    finally:
        slot.release()


def _stream(request: Request, hub: BoardHub, with_board: bool, slot: Slot | None) -> Response:
    if slot is None:
        return Response(
            "too many open streams", status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)}, media_type="text/plain",
        )  # fmt: skip
    body = _board_stream(request, hub, with_board, slot)
    # A stream whose client left before it began never runs its `finally`: give its
    # place back when the generator is collected.
    weakref.finalize(body, slot.release)
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )


def stream_slots(deps: Any) -> StreamSlots:
    return _kept(deps, "calling.streams", StreamSlots)


@guard(CALL_ROLE)
async def caller_events(page: Page) -> Response:
    who = page.session.username if page.session else "-"
    slot = stream_slots(page.deps).take("user", who)
    return _stream(page.request, board_hub(page.deps), False, slot)


async def _screen(page: Page) -> Screen:
    token = page.query("s", limit=100)
    screen: Screen | None = await threaded(screen_for, page.deps.clinic.engine, token)
    if screen is None:
        raise NotFound("no such screen")
    return screen


@guard(None)
async def display(page: Page) -> Response:
    await _screen(page)
    lang = "en" if page.query("lang", limit=2) == "en" else "th"
    return page.render(
        "display.html", L=texts(TEXT, lang), board_lang=lang, token=page.query("s", limit=100),
        silence_ms=int(KEEPALIVE_S * SILENCE_FACTOR * 1000), clip_ms=int(CLIP_LIMIT_S * 1000),
        stale_ms=int(STALE_CALL_S * 1000),
    )  # fmt: skip


@guard(None)
async def display_events(page: Page) -> Response:
    screen = await _screen(page)
    slot = stream_slots(page.deps).take("screen", str(screen.id))
    return _stream(page.request, board_hub(page.deps), True, slot)


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
