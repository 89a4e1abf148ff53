"""What the waiting-room board shows, as one JSON-able snapshot for every screen.

Queue numbers and the point and counter only; when the clinic turns names on
(``[calling] names_on_display``) a name masked harder than on staff pages: a TV is read
by the whole waiting room, so no title and no whole first name ("ส••• ใ•••", not
"นาย สมชาย ใ•••"). Both languages go out; the page picks one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from backoffice.calling.line import BOARD_WAITING, CALLED, WAITING, entries
from backoffice.calling.places import where_en, where_th
from backoffice.calling.tables import call_event
from common.cid import mask_name
from common.config import CallingSettings

RECENT_CALLS = 5
MASK = "•••"


def board_name(masked: str) -> str:
    """The staff pages' masked name ("นาย สมชาย ใ•••") as the board shows it: the first
    letters of the first name and of the surname only ("ส••• ใ•••")."""
    words = masked.split()
    if not words:
        return ""
    surname = words[-1] if len(words) > 1 and words[-1].endswith(MASK) else ""
    names = words[:-1] if surname else words
    first = names[-1] if names else ""
    return " ".join(w for w in (mask_name("", first.replace(MASK, "")), surname) if w)


def snapshot(engine: Engine, calling: CallingSettings, day: dt.date) -> dict[str, Any]:
    """Per point: who is called at which counter (latest first), who waits next."""
    names = calling.names_on_display
    lanes = set(calling.priority_kinds)
    all_entries = entries(engine, day)
    points = []
    for spec in calling.points:
        mine = [e for e in all_entries if e.point == spec.code]
        called = sorted((e for e in mine if e.status == CALLED), key=lambda e: e.id, reverse=False)
        # One number per counter: the latest called there.
        latest: dict[int, Any] = {}
        for e in called:
            latest[e.counter or 0] = e
        waiting = [e for e in mine if e.status == WAITING]
        points.append(
            {
                "code": spec.code,
                "th": spec.th,
                "en": spec.en,
                "called": [
                    {
                        "no": e.number,
                        "counter": counter,
                        "counter_th": where_th(calling, spec, counter),
                        "counter_en": where_en(spec, counter),
                        "priority": e.priority in lanes,
                        **({"name": board_name(e.masked_name)} if names else {}),
                    }
                    for counter, e in sorted(latest.items())
                ],
                "waiting": [
                    {
                        "no": e.number,
                        "priority": e.priority in lanes,
                        **({"name": board_name(e.masked_name)} if names else {}),
                    }
                    for e in waiting[:BOARD_WAITING]
                ],
                "waiting_count": len(waiting),
            }
        )
    return {"day": day.isoformat(), "points": points, "calls": recent_calls(engine, calling, day)}


def recent_calls(engine: Engine, calling: CallingSettings, day: dt.date) -> list[dict[str, Any]]:
    """The last calls and recalls, oldest first: each one is said once by the board."""
    with engine.connect() as conn:
        rows = list(
            conn.execute(
                select(call_event)
                .where(call_event.c.visitdate == day, call_event.c.action.in_(("call", "recall")))
                .order_by(call_event.c.id.desc())
                .limit(RECENT_CALLS)
            ).mappings()
        )
    out = []
    for m in reversed(rows):
        spec = calling.point(m["point"])
        if spec is None:
            continue
        number = str(m["queue_no"]) if m["queue_no"] is not None else "-"
        out.append(
            {
                "id": int(m["id"]),
                "no": number,
                "th": announcement_text(number, where_th(calling, spec, m["counter"])),
                "en": f"Number {number}, please go to {where_en(spec, m['counter'])}.",
            }
        )
    return out


def announcement_text(number: str, where: str) -> str:
    """What the voice says, in writing. Arabic digits, as everywhere else on the board
    (the voice says the number in Thai words)."""
    return f"ขอเชิญหมายเลข {number} ที่{where}"
