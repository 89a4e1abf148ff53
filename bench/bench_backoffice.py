"""Backoffice: queue page p95 under 50 staff sessions, and the claim-code sync's pace.

1. Queue page. A synthetic clinic with 20,000 visits (and a busy "today") on the test
   MariaDB when ``var/test/services.env`` names one (``bash scripts/services.sh
   start``), else on SQLite. The app runs under uvicorn in a child process; 50
   signed-in sessions each fetch ``/queue`` in a loop at once. Baseline, same run:
   the same page fetched by one session alone. Printed: both p95s and their ratio.

2. Claim sync. 1,000 visits without a code, NHSO (the sandbox over HTTP) holding a
   code for half of them, the sync rate-limited at 5 requests a second: ideally
   1,000 / 5 = 200 s. To keep the run short the *rate* is raised by ``--factor``
   (default 5: 25 requests a second, ideal 40 s) and the visit count kept. The
   ratio actual / ideal stays near 1 while the sync's own work per visit (database
   writes, printed as ms a visit) fits in 1/rate; at the real 5/s that budget is
   200 ms. Printed: the ratio.

Run: ``.venv/bin/python bench/bench_backoffice.py [--sessions 50] [--rounds 10]
[--visits 20000] [--sync-visits 1000] [--factor 5] [--sqlite]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from _support import mariadb_admin_url  # bench/ is on sys.path when run as a script
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.claims.sync import ClaimSync, Outcome  # noqa: E402
from backoffice.testing import TEST_ACCOUNTS, make_deps, running_server, seed_day  # noqa: E402
from integrations.jhcis import tables as t  # noqa: E402
from integrations.jhcis.clinic import ClinicDatabase  # noqa: E402
from integrations.jhcis.demo_marker import mark_demo  # noqa: E402
from integrations.jhcis.engine import open_engine  # noqa: E402
from integrations.jhcis.schema import create_jhcis_schema  # noqa: E402
from integrations.jhcis.synth import DEMO_UNIT, generate  # noqa: E402
from integrations.nhso.ratelimit import TokenBucket  # noqa: E402
from integrations.nhso.sandbox import DEFAULT_TOKEN, SandboxServer  # noqa: E402
from integrations.nhso.web import NhsoUrls, NhsoWebClient  # noqa: E402

END = dt.date(2026, 1, 15)  # the synthetic clinic's last day = the queue's "today"
NOW = dt.datetime.combine(END, dt.time(11, 0))
SYNC_DAY = END - dt.timedelta(days=400)  # a day outside the synthetic year: only ours


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


@contextmanager
def database(use_sqlite: bool) -> Iterator[str]:
    admin = None if use_sqlite else mariadb_admin_url()
    if admin is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite"
        return
    name = f"jhcis_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8"))
    try:
        yield f"{admin.rstrip('/')}/{name}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()


def build(url: str, visits: int) -> None:
    engine = open_engine(url)
    try:
        create_jhcis_schema(engine)
        generate(engine, persons=max(1000, visits // 4), visits=visits, seed=3, end=END)
        mark_demo(engine, seed=3)  # make_deps adds the test staff accounts
    finally:
        engine.dispose()


# -- 1. the queue page ------------------------------------------------------------


def _serve(url: str, tmp: str, ready: multiprocessing.Queue, stop: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    deps = make_deps(url, Path(tmp), clock=lambda: NOW)
    with running_server(deps) as base:
        ready.put(base)
        stop.wait()


def _session(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=True)
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    name = "t_staff"
    reply = client.post(
        "/login",
        data={"username": name, "password": TEST_ACCOUNTS[name][0], "login_token": token.group(1)},
    )
    assert reply.status_code == 200 and "count-total" in reply.text, reply.status_code
    return client


def _fetch_loop(
    client: httpx.Client, rounds: int, out: list[float], start: threading.Event
) -> None:
    start.wait()
    for _ in range(rounds):
        began = time.perf_counter()
        reply = client.get("/queue")
        out.append(time.perf_counter() - began)
        if reply.status_code != 200:
            raise RuntimeError(f"queue page answered {reply.status_code}")


def bench_queue(url: str, sessions: int, rounds: int, clinic_visits: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        context = multiprocessing.get_context("spawn")
        ready = context.Queue()
        stop = context.Event()
        server = context.Process(target=_serve, args=(url, tmp, ready, stop), daemon=True)
        server.start()
        try:
            base = ready.get(timeout=120)
            clients = [_session(base) for _ in range(sessions)]
            rows = int(
                re.search(r'id="count-total">(\d+)<', clients[0].get("/queue").text).group(1)
            )  # type: ignore[union-attr]
            alone: list[float] = []
            _fetch_loop(clients[0], rounds * 3, alone, _set_event())
            timings: list[list[float]] = [[] for _ in clients]
            start = threading.Event()
            threads = [
                threading.Thread(target=_fetch_loop, args=(c, rounds, timings[i], start))
                for i, c in enumerate(clients)
            ]
            for thread in threads:
                thread.start()
            began = time.perf_counter()
            start.set()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
            loaded = [x for series in timings for x in series]
            for client in clients:
                client.close()
        finally:
            stop.set()
            server.join(timeout=20)
    ms_alone, ms_loaded = p95(alone) * 1000, p95(loaded) * 1000
    med_alone, med_loaded = statistics.median(alone) * 1000, statistics.median(loaded) * 1000
    print(f"queue page ({rows} visits today, {clinic_visits} in the clinic database):")
    print(f"  one session alone      p95 {ms_alone:8.1f} ms  (median {med_alone:.1f})")
    print(f"  {sessions} sessions at once    p95 {ms_loaded:8.1f} ms  (median {med_loaded:.1f})")
    print(f"  throughput under load: {len(loaded) / wall:.0f} pages/s")
    print(f"  ratio p95 loaded / alone: {ms_loaded / ms_alone:.2f}")


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


# -- 2. the claim sync --------------------------------------------------------------


def bench_sync(url: str, visits: int, factor: float) -> None:
    clinic = ClinicDatabase.from_url(url)
    clinic.check()
    with clinic.engine.connect() as conn:
        people = conn.execute(
            select(t.person.c.pcucodeperson, t.person.c.pid, t.person.c.idcard)
            .where(t.person.c.idcard.is_not(None))
            .order_by(t.person.c.pid)
            .limit(visits)
        ).all()
        first = (
            int(
                conn.execute(select(t.visit.c.visitno).order_by(t.visit.c.visitno.desc()))
                .scalars()
                .first()
                or 0
            )
            + 1
        )
    if len(people) < visits:
        raise SystemExit(f"only {len(people)} persons for {visits} visits")
    rows = [
        {"pcucode": DEMO_UNIT, "visitno": first + i, "visitdate": SYNC_DAY, "pcucodeperson": unit,
         "pid": pid, "timestart": dt.time(8, 0), "flagservice": "01", "dateupdate": NOW}
        for i, (unit, pid, _cid) in enumerate(people)
    ]  # fmt: skip
    with clinic.engine.begin() as conn:
        for chunk in range(0, len(rows), 1000):
            conn.execute(t.visit.insert(), rows[chunk : chunk + 1000])
    moment = dt.datetime.combine(SYNC_DAY, dt.time(8, 5))
    sandbox = SandboxServer(port=0, hcode=DEMO_UNIT, now=lambda: moment).start()
    try:
        for _unit, _pid, cid in people[::2]:
            sandbox.state.issue_authen(str(cid), "PG0060001", hcode=DEMO_UNIT, channel="KIOSK")
        rate = 5.0 * factor
        client = NhsoWebClient(
            NhsoUrls.from_api_base(sandbox.url),
            limiter=TokenBucket(rate, burst=1),
            token=DEFAULT_TOKEN,
        )
        began = time.perf_counter()
        report = ClaimSync(clinic, client, clock=lambda: NOW).run(SYNC_DAY)
        elapsed = time.perf_counter() - began
        client.close()
    finally:
        sandbox.stop()
        clinic.dispose()
    counts = report.counts()
    ideal = report.nhso_requests / rate
    n = report.nhso_requests
    print(f"claim sync ({visits} visits, {n} NHSO requests at {rate:g}/s = 5/s x {factor:g}):")
    filled, missing = counts[Outcome.filled], counts[Outcome.not_found]
    print(f"  filled {filled}, not found {missing}, failed {counts[Outcome.failed]}")
    print(f"  took {elapsed:.1f} s, ideal {ideal:.1f} s ({elapsed / visits * 1000:.0f} ms a visit)")
    print(f"  ratio actual / ideal: {elapsed / ideal:.3f}")
    if counts[Outcome.filled] != len(people[::2]):
        raise SystemExit("the sync did not fill every code NHSO holds")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--visits", type=int, default=20000)
    parser.add_argument(
        "--today", type=int, default=150, help="kiosk visits added on the queue's day"
    )
    parser.add_argument("--sync-visits", type=int, default=1000)
    parser.add_argument(
        "--factor", type=float, default=5.0, help="NHSO rate multiplier (see above)"
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite even when MariaDB is up")
    args = parser.parse_args()
    with database(args.sqlite) as url:
        backend = url.split(":", 1)[0]
        print(f"building a synthetic clinic with {args.visits} visits on {backend} ...", flush=True)
        began = time.perf_counter()
        build(url, args.visits)
        clinic = ClinicDatabase.from_url(url)
        seed_day(
            clinic,
            NOW.replace(hour=7),
            with_code=args.today // 2,
            without_code=args.today // 2 - 1,
            pending=1,
        )
        clinic.dispose()
        print(f"  built in {time.perf_counter() - began:.0f} s", flush=True)
        bench_queue(url, args.sessions, args.rounds, args.visits)
        bench_sync(url, args.sync_visits, args.factor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
