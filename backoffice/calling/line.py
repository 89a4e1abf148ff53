"""The lines at the service points and what staff do with them, claimed in the database.

*Call next* is a claim: the chosen entry moves from ``waiting`` to ``called`` by one
conditional ``UPDATE ... WHERE id = ? AND status = 'waiting' AND point = ?``. InnoDB
evaluates an UPDATE's WHERE on the newest committed row, after the lock of a concurrent
claimer is released, and SQLite has one writer at a time: of two staff pressing *call
next* together exactly one gets the row (one row changed); the other finds none changed
and tries the next candidate. No lock is held while a person thinks; plain SQL on MySQL
5.6, MariaDB and SQLite. Every other action is conditional the same way on what the page
showed (:class:`Shown`: the status, the point and, for a called patient, the counter): a
press on a line that changed meanwhile (a colleague called, sent on or finished the
patient) changes nothing and says so.

The priority rule: after ``regular_per_priority`` regular calls at a point, the next call
goes to the priority lane when someone waits in it (0: the priority lane always first);
each lane falls back to the other when empty. The rule's memory is the point's own calls
of the day (``kiosk_call_event.lane``), so it holds across restarts and callers. It is
read before the claim, not inside it: two callers pressing at the same moment may both
take the priority lane (or both the regular one). Nobody is called twice or lost; only
the ratio drifts by one call, and the next call reads the history again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, func, select, update

from backoffice.calling.tables import call_entry, call_event
from common.config import CallingSettings
from common.errors import BilingualError

#: Candidates tried per round of a claim before the line is read again.
CLAIM_BATCH = 5
CLAIM_ROUNDS = 50
#: What the board shows of each line.
BOARD_WAITING = 8

WAITING, CALLED, ABSENT, DONE = "waiting", "called", "absent", "done"


class LineChanged(BilingualError):
    code = "calling.changed"
    message_th = "คิวนี้มีการเปลี่ยนแปลงโดยเจ้าหน้าที่อีกคนแล้ว กรุณาดูรายการล่าสุดแล้วลองอีกครั้ง"
    message_en = "Someone else changed this queue entry just now. Look at the line again and retry."


class UnknownPoint(BilingualError):
    code = "calling.point"
    message_th = "ไม่มีจุดบริการหรือช่องนี้ในการตั้งค่าของหน่วยบริการ"
    message_en = "There is no such service point or counter in this clinic's settings."


@dataclass(frozen=True)
class Entry:
    id: int
    queue_no: int | None
    masked_name: str
    priority: str | None
    point: str
    status: str
    counter: int | None
    calls: int
    enqueued_at: dt.datetime
    pcucode: str
    visitno: int

    @property
    def key(self) -> str:
        return f"{self.pcucode}/{self.visitno}"

    @property
    def number(self) -> str:
        return str(self.queue_no) if self.queue_no is not None else "-"


@dataclass(frozen=True)
class Shown:
    """An entry as the caller's page showed it: an action applies only if it still is."""

    status: str
    point: str
    counter: int | None = None  # for a called patient: the counter that called them

    @classmethod
    def of(cls, e: Entry) -> Shown:
        return cls(e.status, e.point, e.counter if e.status == CALLED else None)


def _entry(m: RowMapping | Mapping[str, Any]) -> Entry:
    return Entry(
        id=int(m["id"]),
        queue_no=m["queue_no"],
        masked_name=m["masked_name"] or "",
        priority=m["priority"],
        point=m["point"],
        status=m["status"],
        counter=m["counter"],
        calls=int(m["calls"] or 0),
        enqueued_at=m["enqueued_at"],
        pcucode=m["pcucode"],
        visitno=int(m["visitno"]),
    )


def check_place(calling: CallingSettings, point: str, counter: int | None = None) -> None:
    spec = calling.point(point)
    if spec is None or (counter is not None and not 1 <= counter <= spec.counters):
        raise UnknownPoint(f"{point[:20]}/{counter}")


def entries(engine: Engine, day: dt.date, point: str | None = None) -> list[Entry]:
    """The day's entries (of one point), in line order: earliest in the line first."""
    query = select(call_entry).where(call_entry.c.visitdate == day)
    if point is not None:
        query = query.where(call_entry.c.point == point)
    query = query.order_by(call_entry.c.enqueued_at, call_entry.c.id)
    with engine.connect() as conn:
        return [_entry(m) for m in conn.execute(query).mappings()]


def entry(engine: Engine, entry_id: int) -> Entry | None:
    with engine.connect() as conn:
        m = conn.execute(select(call_entry).where(call_entry.c.id == entry_id)).mappings().first()
    return _entry(m) if m is not None else None


def _regular_since_priority(conn: Connection, day: dt.date, point: str, upto: int) -> int:
    lanes: list[str | None] = list(
        conn.execute(
            select(call_event.c.lane)
            .where(
                call_event.c.visitdate == day,
                call_event.c.point == point,
                call_event.c.action == "call",
            )
            .order_by(call_event.c.id.desc())
            .limit(upto)
        ).scalars()
    )
    count = 0
    for lane in lanes:
        if lane == "p":
            break
        count += 1
    return count


def call_order(
    waiting: Sequence[Entry], regular_since_priority: int, calling: CallingSettings
) -> list[Entry]:
    """The waiting entries in the order the clinic's rule calls them next."""
    lanes = set(calling.priority_kinds)
    priority = [e for e in waiting if e.priority in lanes]
    regular = [e for e in waiting if e.priority not in lanes]
    priority_turn = regular_since_priority >= calling.regular_per_priority
    return priority + regular if priority_turn else regular + priority


def _lane(e: Entry, calling: CallingSettings) -> str:
    return "p" if e.priority in calling.priority_kinds else "r"


def _event(
    conn: Connection, e: Entry, action: str, now: dt.datetime, username: str | None, **more: Any
) -> None:
    values = {
        "entry_id": e.id,
        "at": now,
        "username": username,
        "action": action,
        "point": e.point,
        "counter": e.counter,
        "queue_no": e.queue_no,
        "visitdate": now.date(),
    }
    values.update(more)
    conn.execute(call_event.insert().values(**values))


def call_next(
    engine: Engine,
    calling: CallingSettings,
    *,
    day: dt.date,
    point: str,
    counter: int,
    username: str | None,
    now: dt.datetime,
) -> Entry | None:
    """Claim the next patient of `point` for `counter`; None when nobody waits."""
    check_place(calling, point, counter)
    for _ in range(CLAIM_ROUNDS):
        with engine.connect() as conn:
            since = _regular_since_priority(conn, day, point, calling.regular_per_priority + 1)
            rows = conn.execute(
                select(call_entry)
                .where(
                    call_entry.c.visitdate == day,
                    call_entry.c.point == point,
                    call_entry.c.status == WAITING,
                )
                .order_by(call_entry.c.enqueued_at, call_entry.c.id)
            ).mappings()
            waiting = [_entry(m) for m in rows]
        if not waiting:
            return None
        for candidate in call_order(waiting, since, calling)[:CLAIM_BATCH]:
            got = _claim(
                engine, calling, entry_id=candidate.id, point=point, counter=counter,
                username=username, now=now,
            )  # fmt: skip
            if got is not None:
                return got
    raise LineChanged("no claim after many rounds")


def _claim(
    engine: Engine,
    calling: CallingSettings,
    *,
    entry_id: int,
    point: str,
    counter: int,
    username: str | None,
    now: dt.datetime,
) -> Entry | None:
    """The claim itself: this entry, if it still waits at `point`; None if someone was quicker."""
    with engine.begin() as conn:
        claimed = conn.execute(
            update(call_entry)
            .where(
                call_entry.c.id == entry_id,
                call_entry.c.status == WAITING,
                call_entry.c.point == point,
            )
            .values(
                status=CALLED,
                counter=counter,
                calls=call_entry.c.calls + 1,
                called_at=now,
                called_by=username,
                updated_at=now,
            )
        ).rowcount
        if claimed != 1:
            return None
        got = _entry(
            conn.execute(select(call_entry).where(call_entry.c.id == entry_id)).mappings().one()
        )
        _event(conn, got, "call", now, username, lane=_lane(got, calling))
        return got


def call_this(
    engine: Engine,
    calling: CallingSettings,
    entry_id: int,
    *,
    counter: int,
    username: str | None,
    now: dt.datetime,
) -> Entry:
    """Call one waiting patient out of turn (staff chose them); LineChanged if taken."""
    current = entry(engine, entry_id)
    if current is None:
        raise LineChanged(f"entry {entry_id} gone")
    check_place(calling, current.point, counter)
    got = _claim(
        engine, calling, entry_id=entry_id, point=current.point, counter=counter,
        username=username, now=now,
    )  # fmt: skip
    if got is None:
        raise LineChanged(f"entry {entry_id} not waiting")
    return got


def _change(
    engine: Engine,
    entry_id: int,
    expect: Sequence[str],
    shown: Shown,
    *,
    action: str,
    now: dt.datetime,
    username: str | None,
    **values: Any,
) -> Entry:
    """Move one entry that is still as `shown` (one of the `expect` states, at the same
    point, and called at the same counter); LineChanged otherwise."""
    if shown.status not in expect:
        raise LineChanged(f"entry {entry_id} shown {shown.status[:10]}")
    where = [
        call_entry.c.id == entry_id,
        call_entry.c.status == shown.status,
        call_entry.c.point == shown.point,
    ]
    if shown.status == CALLED:
        where.append(call_entry.c.counter == shown.counter)
    with engine.begin() as conn:
        changed = conn.execute(
            update(call_entry).where(*where).values(updated_at=now, **values)
        ).rowcount
        if changed != 1:
            raise LineChanged(f"entry {entry_id} no longer {shown.status[:10]}")
        got = _entry(
            conn.execute(select(call_entry).where(call_entry.c.id == entry_id)).mappings().one()
        )
        _event(conn, got, action, now, username)
        return got


def recall(
    engine: Engine, entry_id: int, shown: Shown, *, username: str | None, now: dt.datetime
) -> Entry:
    """Call the same patient again (the board says it again)."""
    return _change(
        engine, entry_id, [CALLED], shown, action="recall", now=now, username=username,
        calls=call_entry.c.calls + 1,
    )  # fmt: skip


def skip(
    engine: Engine,
    calling: CallingSettings,
    entry_id: int,
    shown: Shown,
    *,
    username: str | None,
    now: dt.datetime,
) -> Entry:
    """Not there: back of the line, or absent once called `recalls_before_absent` times."""
    current = entry(engine, entry_id)
    if current is None or current.status != CALLED:
        raise LineChanged(f"entry {entry_id} not called")
    if current.calls >= calling.recalls_before_absent:
        return _change(
            engine, entry_id, [CALLED], shown, action=ABSENT, now=now, username=username,
            status=ABSENT, counter=None,
        )  # fmt: skip
    return _change(
        engine, entry_id, [CALLED], shown, action="skip", now=now, username=username,
        status=WAITING, counter=None, enqueued_at=now,
    )  # fmt: skip


def back_in_line(
    engine: Engine, entry_id: int, shown: Shown, *, username: str | None, now: dt.datetime
) -> Entry:
    """An absent patient turned up: back of the same point's line, calls counted anew."""
    return _change(
        engine, entry_id, [ABSENT], shown, action="back", now=now, username=username,
        status=WAITING, calls=0, enqueued_at=now,
    )  # fmt: skip


def send_to(
    engine: Engine,
    calling: CallingSettings,
    entry_id: int,
    point: str,
    shown: Shown,
    *,
    username: str | None,
    now: dt.datetime,
) -> Entry:
    """On to another point's line (its back), waiting there."""
    check_place(calling, point)
    return _change(
        engine, entry_id, [CALLED, WAITING, ABSENT], shown, action="send", now=now,
        username=username, point=point, status=WAITING, counter=None, calls=0, enqueued_at=now,
    )  # fmt: skip


def finish(
    engine: Engine, entry_id: int, shown: Shown, *, username: str | None, now: dt.datetime
) -> Entry:
    """The visit is done at the clinic: off every line."""
    return _change(
        engine, entry_id, [CALLED, WAITING, ABSENT], shown, action=DONE, now=now,
        username=username, status=DONE,
    )  # fmt: skip


def set_priority(
    engine: Engine,
    calling: CallingSettings,
    entry_id: int,
    kind: str | None,
    shown: Shown,
    *,
    username: str | None,
    now: dt.datetime,
) -> Entry:
    """Staff put a patient in a lane the clinic uses (or back in the regular one)."""
    if kind is not None and kind not in calling.priority_kinds:
        raise UnknownPoint(f"lane {kind[:10]}")
    return _change(
        engine, entry_id, [WAITING, CALLED, ABSENT], shown, action="priority", now=now,
        username=username, priority=kind,
    )  # fmt: skip


def revision(engine: Engine, day: dt.date) -> tuple[int, int, int]:
    """Changes whenever anything the board shows may have: the last event, the entries."""
    with engine.connect() as conn:
        last_event: int | None = conn.execute(select(func.max(call_event.c.id))).scalar()
        row = conn.execute(
            select(func.count(), func.max(call_entry.c.id)).where(call_entry.c.visitdate == day)
        ).one()
    return int(last_event or 0), int(row[0] or 0), int(row[1] or 0)


def announcement(engine: Engine, event_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        m = (
            conn.execute(
                select(call_event).where(
                    call_event.c.id == event_id, call_event.c.action.in_(("call", "recall"))
                )
            )
            .mappings()
            .first()
        )
    return dict(m) if m is not None else None
