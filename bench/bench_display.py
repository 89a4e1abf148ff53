"""The waiting-room board: how long a call takes to reach every screen (issue 21).

A synthetic clinic (MariaDB when ``bash scripts/services.sh start`` runs one, else
SQLite) with a line of waiting patients; the backoffice under uvicorn in a child
process. Callers are signed-in staff sessions posting *call next* over HTTP; displays
are server-sent-event clients of ``/display/events``. Latency of one call on one screen:
from the moment its caller sent the post to the moment that screen received a board
naming the number. Measured twice in the same run: the baseline with one screen and one
caller, then ``--displays`` screens (20, each its own screen token, as 20 TVs would be)
and ``--callers`` callers (4). A number that never reached a screen is a miss: counted,
printed, and taken into the p95 as an endless wait (never left out, which would flatter
it). Printed: both p95s, the misses, and the ratio (no assertion: a target is read off
the ratio).

Run: ``.venv/bin/python bench/bench_display.py [--displays 20] [--callers 4]
[--calls 25] [--sqlite]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from bench_backoffice import NOW, build, database, p95  # bench/ is on sys.path as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.calling.screens import add_screen  # noqa: E402
from backoffice.calling.tables import call_entry, ensure_calling_tables  # noqa: E402
from backoffice.testing import TEST_ACCOUNTS, make_deps, running_server  # noqa: E402
from common.config import CallingSettings, ServicePoint  # noqa: E402
from integrations.jhcis.engine import open_engine  # noqa: E402

PAUSE_S = 0.25  # between one caller's calls, as a nurse would (never two in a second)


def _serve(url: str, tmp: str, ready: multiprocessing.Queue, stop: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    deps = make_deps(url, Path(tmp), clock=lambda: NOW)
    # One counter for each caller, so that each caller's card is its own call.
    deps.settings.calling = CallingSettings(
        points=[ServicePoint(code="screening", th="ซักประวัติ", en="Screening", counters=8)]
    )
    with running_server(deps) as base:
        ready.put(base)
        stop.wait()


def fill_line(url: str, count: int, first_no: int) -> None:
    engine = open_engine(url)
    try:
        ensure_calling_tables(engine)
        rows = [
            {
                "pcucode": "99999", "visitno": 900_000 + n, "visitdate": NOW.date(),
                "pcucodeperson": "99999", "pid": 900_000 + n, "queue_no": n,
                "masked_name": "", "first_point": "screening", "point": "screening",
                "status": "waiting", "calls": 0,
                "enqueued_at": NOW + dt.timedelta(seconds=n), "updated_at": NOW,
            }
            for n in range(first_no, first_no + count)
        ]  # fmt: skip
        with engine.begin() as conn:
            conn.execute(call_entry.insert(), rows)
    finally:
        engine.dispose()


def screen_tokens(url: str, count: int) -> list[str]:
    """One screen a display (the server holds at most a few streams per screen)."""
    engine = open_engine(url)
    try:
        ensure_calling_tables(engine)
        return [add_screen(engine, f"bench {n}", NOW)[1] for n in range(count)]
    finally:
        engine.dispose()


def _form_field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, name
    return found.group(1)


def _staff(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    name = "t_staff"
    client.post(
        "/login",
        data={"username": name, "password": TEST_ACCOUNTS[name][0], "login_token": token.group(1)},
    )
    calling = client.get("/calling?point=screening&counter=1")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', calling.text)
    assert calling.status_code == 200 and csrf, calling.status_code
    return client, csrf.group(1)


def _display(base: str, token: str, seen: dict[str, float], stop: threading.Event) -> None:
    """Record when each called number first reaches this screen (reconnecting as a
    browser does when a stream ends)."""
    while not stop.is_set():
        try:
            timeout = httpx.Timeout(5, read=40)
            with (
                httpx.Client(base_url=base, timeout=timeout) as client,
                client.stream("GET", f"/display/events?s={token}") as reply,
            ):
                for text in reply.iter_lines():
                    if stop.is_set():
                        return
                    if text.startswith("data: "):
                        now = time.perf_counter()
                        board = json.loads(text[6:])
                        for call in board.get("calls", []):
                            seen.setdefault(call["no"], now)
        except httpx.HTTPError:
            time.sleep(0.2)


def _caller(base: str, counter: int, calls: int, sent: dict[str, float]) -> None:
    client, csrf = _staff(base)
    place = {"point": "screening", "counter": counter}
    try:
        for _ in range(calls):
            # The caller page as a browser has it after each action: a new form token.
            page = client.get("/calling", params=place)
            began = time.perf_counter()
            reply = client.post(
                "/calling/next",
                data={"csrf_token": csrf, **place, "once": _form_field(page.text, "once")},
            )
            assert reply.status_code == 303, reply.status_code
            card = client.get("/calling/line", params=place)
            number = re.search(
                r'class="calling-card" data-entry="\d+" data-queue="(\d+)"', card.text
            )
            assert number, "nobody was called"
            # Done, so that the next card is the next call's.
            entry = re.search(r'class="calling-card" data-entry="(\d+)"', card.text)
            assert entry
            done = client.post(
                "/calling/act",
                data={"csrf_token": csrf, **place, "entry": entry.group(1), "action": "done",
                      "was": "called", "at": "screening", "by": counter},
            )  # fmt: skip
            assert done.status_code == 303, done.status_code
            assert number.group(1) not in sent, f"number {number.group(1)} called twice"
            sent[number.group(1)] = began
            time.sleep(PAUSE_S)
    finally:
        client.close()


def measure(
    base: str, tokens: list[str], displays: int, callers: int, calls: int
) -> tuple[list[float], int]:
    """Each (screen, number) arrival's latency, and how many never arrived."""
    stop = threading.Event()
    seen: list[dict[str, float]] = [{} for _ in range(displays)]
    screens = [
        threading.Thread(target=_display, args=(base, tokens[n], s, stop), daemon=True)
        for n, s in enumerate(seen)
    ]
    for screen in screens:
        screen.start()
    time.sleep(1.5)  # every screen connected and holding its first board
    sent: dict[str, float] = {}
    staff = [
        threading.Thread(target=_caller, args=(base, 1 + c, calls, sent)) for c in range(callers)
    ]
    for caller in staff:
        caller.start()
    for caller in staff:
        caller.join()
    time.sleep(1.5)  # the last boards arrive
    stop.set()
    latencies = []
    missing = 0
    for screen_seen in seen:
        for number, began in sent.items():
            if number in screen_seen:
                latencies.append(max(0.0, screen_seen[number] - began))
            else:
                missing += 1
    return latencies, missing


def p95_with_misses(latencies: list[float], missing: int) -> float:
    """The p95 where a miss counts as a wait that never ended."""
    return p95(latencies + [math.inf] * missing)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--displays", type=int, default=20)
    parser.add_argument("--callers", type=int, default=4, choices=range(1, 9))
    parser.add_argument("--calls", type=int, default=25, help="calls per caller")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    with database(args.sqlite) as url, tempfile.TemporaryDirectory() as tmp:
        build(url, 2000)
        context = multiprocessing.get_context("spawn")
        ready, stop = context.Queue(), context.Event()
        server = context.Process(target=_serve, args=(url, tmp, ready, stop), daemon=True)
        server.start()
        try:
            base = ready.get(timeout=120)
            tokens = screen_tokens(url, args.displays)
            fill_line(url, args.calls, 10_000)
            baseline, base_missed = measure(base, tokens, 1, 1, args.calls)
            fill_line(url, args.callers * args.calls, 20_000)
            loaded, load_missed = measure(base, tokens, args.displays, args.callers, args.calls)
        finally:
            stop.set()
            server.join(timeout=30)
    base_p95 = p95_with_misses(baseline, base_missed) * 1000
    load_p95 = p95_with_misses(loaded, load_missed) * 1000
    print(
        f"baseline: 1 display, 1 caller: p95 {base_p95:.0f} ms over {len(baseline)} arrivals,"
        f" {base_missed} missed"
    )
    print(
        f"load: {args.displays} displays, {args.callers} callers: "
        f"p95 {load_p95:.0f} ms over {len(loaded)} arrivals, {load_missed} missed"
    )
    print(f"ratio load / baseline: {load_p95 / base_p95:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
