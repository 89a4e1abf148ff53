"""Concurrent writers against one clinic database: the numbering test and the benchmark.

Each writer is a separate process (spawned, so nothing is shared but the database)
that opens visits and registers walk-ins through :class:`ClinicDatabase`, exactly as
kiosks do, and reports what it got back. Only synthetic citizen IDs are used.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from common.cid import cid_check_digit
from common.errors import error_label
from integrations.jhcis import tables as t
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.records import WalkinIdentity


@dataclass
class WriterResult:
    worker: int
    visits: list[tuple[str, int, int]] = field(default_factory=list)  # (key, visitno, queue_no)
    replays_matched: int = 0
    pids: list[int] = field(default_factory=list)
    collisions: int = 0
    open_visit_seconds: list[float] = field(default_factory=list)


_start_barrier: Any = None


def stress_cid(worker: int, index: int) -> str:
    first12 = f"19900{worker:02d}{index:05d}"  # province digits 99: never a real ID
    return first12 + str(cid_check_digit(first12))


def run_writer(
    url: str,
    worker: int,
    *,
    visits: int,
    persons: int,
    day: dt.date,
    key_prefix: str = "stress",
) -> WriterResult:
    """Open `visits` visits and register `persons` walk-ins, interleaved."""
    db = ClinicDatabase.from_url(url, lock_timeout_s=60)
    result = WriterResult(worker)
    try:
        with db.engine.connect() as conn:
            cids: list[str] = list(
                conn.execute(select(t.person.c.idcard).order_by(t.person.c.pid).limit(50)).scalars()
            )
        existing = [p for p in (db.find_person_by_cid(c) for c in cids) if p is not None]
        if _start_barrier is not None:  # every writer connected: start together
            _start_barrier.wait(timeout=120)
        registered = 0
        for i in range(visits):
            if registered < persons and i * persons // max(visits, 1) >= registered:
                identity = WalkinIdentity(
                    cid=stress_cid(worker, registered),
                    title="นาง",
                    first_name="ทดสอบ",
                    last_name=f"พร้อมกัน{worker}",
                    birth=dt.date(1970, 1, 1),
                    sex="2",
                )
                who = db.register_walkin(identity)
                result.pids.append(who.pid)
                registered += 1
            else:
                who = existing[(i + worker) % len(existing)]
            at = dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(seconds=i)
            key = f"{key_prefix}-{worker}-{i}"
            began = time.perf_counter()
            opened = db.open_visit(who, at=at, idempotency_key=key, claim_type="PG0060001")
            result.open_visit_seconds.append(time.perf_counter() - began)
            result.visits.append((key, opened.visitno, opened.queue_no or 0))
            if i % 25 == 0 and db.open_visit(who, at=at, idempotency_key=key) == opened:
                result.replays_matched += 1
        result.collisions = db.collisions
    finally:
        db.dispose()
    return result


def run_writers(
    url: str,
    *,
    writers: int = 3,
    visits: int = 100,
    persons: int = 0,
    day: dt.date,
    key_prefix: str = "stress",
) -> list[WriterResult]:
    """`writers` processes at once, each opening `visits` visits; `persons` walk-ins in all."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    shares = split(persons, writers)
    processes = [
        ctx.Process(
            target=_writer_process,
            args=(results, barrier, url, w),
            kwargs={"visits": visits, "persons": shares[w], "day": day, "key_prefix": key_prefix},
        )
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=600) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=60)
    failures = [item for item in collected if isinstance(item, str)]
    if failures:
        raise RuntimeError("writer failed: " + "; ".join(failures))
    return sorted((r for r in collected if isinstance(r, WriterResult)), key=lambda r: r.worker)


def _writer_process(results: Any, barrier: Any, url: str, worker: int, **kwargs: Any) -> None:
    global _start_barrier  # noqa: PLW0603 - one barrier per writer process
    _start_barrier = barrier
    try:
        results.put(run_writer(url, worker, **kwargs))
    except Exception as exc:
        barrier.abort()  # the others must not wait for a writer that died
        results.put(f"writer {worker}: {error_label(exc)}")


def split(total: int, parts: int) -> list[int]:
    """`total` as `parts` near-equal counts (100, 3 -> [34, 33, 33])."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
