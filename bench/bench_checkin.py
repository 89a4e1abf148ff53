"""Software overhead of one check-in, cold start to the ready screen, memory over 500.

Everything external is an in-memory fake at zero latency, so the numbers are the
kiosk's own cost: the flow, the controller's two threads, the journal check, the health
file. Each figure is printed next to a baseline measured in the same run:

* check-in: a bare loop calling the same fakes in the same order, without the flow;
* cold start: a bare Kivy app that draws one Thai label and reports its first frame;
* memory: Python heap growth (tracemalloc) over 500 check-ins, both ways;
* real adapters (``--real-n``): the same check-in through ``kiosk.adapters`` on the real
  modules, simulators at zero latency: card data parsed from the applet's APDUs (in
  memory, no PC/SC), the demo SQLite clinic database, the NHSO sandbox over HTTP, the
  loopback ESC/POS printer over TCP (NHSO's client rate limit at its 50/s ceiling).
  Baseline: the same adapter calls without the flow.
* touches: how many times a patient touches the screen to check in (each keypad key
  counts), with the clinic's default claim-type list and all the claim types NHSO
  returns for a UC patient; against the goals (returning patient 1, first-time 12).

Run: ``.venv/bin/python bench/bench_checkin.py [--n 300] [--real-n 100] [--no-ui]``
(the cold-start part renders offscreen: SDL_VIDEODRIVER=offscreen, no X needed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from kiosk import flow as f
from kiosk.controller import Controller
from kiosk.effects import Effects, SyncDriver
from kiosk.health import HealthRecorder
from kiosk.journal import Journal
from kiosk.ports import (
    AuthenRequest,
    ClaimType,
    Identity,
    TicketRequest,
    VisitRef,
    VisitRequest,
)
from kiosk.testing import (
    GENERAL,
    NHSO_UC_CLAIM_TYPES,
    FakeWorld,
    patient_touches,
    sample_identity,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 25, 9, 0)


def ticket_for(
    visit: VisitRef, identity: Identity, claim: ClaimType, code: str | None
) -> TicketRequest:
    """The ticket of an authenticated check-in, as the flow would ask for it."""
    return TicketRequest(
        visit.queue_label,
        False,
        identity.masked_name,
        claim.code,
        claim.name,
        code,
        "ok",
        visit,
        NOW,
    )


def world_with(n: int) -> FakeWorld:
    world = FakeWorld()
    for i in range(n):
        world.clinic.add_person(sample_identity(i), mobile="0812345678")
    return world


def forget(world: FakeWorld) -> None:
    """Keep the fakes' own records from growing: we measure the kiosk, not the fakes."""
    world.clinic.visits.clear()
    world.clinic._owner.clear()
    world.authen.codes.clear()
    world.authen.requests.clear()
    world.printer.printed.clear()


def baseline_checkin(world: FakeWorld, i: int) -> None:
    """The same calls to the same fakes, in order, with no flow around them."""
    identity = world.card.read()
    patient = world.clinic.identify(identity)
    rights = world.rights.check(identity)
    claim = rights.claim_types[0]
    outcome = world.authen.authenticate(
        AuthenRequest(f"b{i}", identity, patient, claim.code, "0812345678", rights.correlation_id)
    )
    visit = world.clinic.open_visit(
        VisitRequest(f"b{i}", identity, patient, claim.code, claim.name, "ok", outcome.claim_code)
    )
    world.printer.print_ticket(ticket_for(visit, identity, claim, outcome.claim_code))


def timed(run: Callable[[int], None], n: int, world: FakeWorld) -> list[float]:
    samples = []
    for i in range(n):
        world.card.identity = sample_identity(i % 50)
        forget(world)
        start = time.perf_counter()
        run(i)
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return p50, p95


def line(name: str, ours: list[float], base: list[float]) -> None:
    p50, p95 = summary(ours)
    b50, b95 = summary(base)
    print(
        f"{name:<28} p50 {p50 * 1e3:8.3f} ms  p95 {p95 * 1e3:8.3f} ms   "
        f"baseline p50 {b50 * 1e3:7.3f} ms p95 {b95 * 1e3:7.3f} ms   "
        f"ratio p50 {p50 / b50:7.1f}x p95 {p95 / b95:7.1f}x"
    )


def sync_checkin(tmp: Path, world: FakeWorld) -> Callable[[int], None]:
    effects = Effects(
        world.services(),
        journal=Journal(tmp / "sync.sqlite"),
        health=HealthRecorder(tmp / "sync-health.json"),
    )
    driver = SyncDriver(f.Flow(), effects, keep_history=False)

    def run(i: int) -> None:
        driver.send(f.CardInserted(f"s{i}"))
        state = driver.send(f.MobileConfirmed())
        assert state.step == f.Step.DONE, state.step
        driver.send(f.CardRemoved())

    return run


def threaded_checkin(controller: Controller) -> Callable[[int], None]:
    def run(i: int) -> None:
        controller.post(f.CardInserted(f"t{i}"))
        controller.wait_for(lambda s: s.step == f.Step.CLAIM_TYPE_CHOSEN)
        controller.post(f.MobileConfirmed())
        controller.wait_for(lambda s: s.step == f.Step.DONE)
        controller.post(f.CardRemoved())
        controller.wait_for(lambda s: s.step == f.Step.IDLE)

    return run


def clinic_flow() -> f.Flow:
    """The flow as a kiosk on the default settings runs it (the clinic's claim types)."""
    from common.config import load_settings
    from kiosk.app import flow_config

    return f.Flow(flow_config(load_settings(None, {})))


def touched_through(driver: SyncDriver, state: f.FlowState) -> tuple[f.FlowState, int]:
    """The patient's touches from `state` to the end of the check-in, and how many."""
    touches = 0
    while state.step in f.WAITING_STEPS:
        for touch in patient_touches(state, GENERAL.code, "0812345678"):
            state = driver.send(touch)
            touches += 1
    return state, touches


def tap_counts() -> dict[str, int]:
    """Touches to check in for a returning patient (mobile on file) and a first-time one."""
    counts = {}
    for who, mobile in (("returning", "0812345678"), ("first-time", None)):
        world = FakeWorld()
        world.rights.claim_types = NHSO_UC_CLAIM_TYPES
        if mobile is not None:
            world.clinic.add_person(world.card.identity, mobile=mobile)
        driver = SyncDriver(clinic_flow(), Effects(world.services()), keep_history=False)
        state, counts[who] = touched_through(driver, driver.send(f.CardInserted(who)))
        assert state.step == f.Step.DONE, state.step
    return counts


def heap_growth(run: Callable[[int], None], world: FakeWorld, n: int) -> tuple[int, int]:
    """Heap after a warm-up of 50 check-ins, and its growth over the next `n`."""
    for i in range(50):
        world.card.identity = sample_identity(i % 50)
        forget(world)
        run(100_000 + i)
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for i in range(n):
        world.card.identity = sample_identity(i % 50)
        forget(world)
        run(200_000 + i)
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return after, after - before


def cold_start(tmp: Path) -> tuple[float, float] | None:
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_HOME": str(tmp / "kivy"),
        "KIOSK_DATA_DIR": str(tmp / "data"),
        "KIOSK_SECRETS_FILE": str(tmp / "none.toml"),
    }
    (tmp / "kivy").mkdir(exist_ok=True)
    kiosk = ROOT / ".venv" / "bin" / "kiosk"
    ours = subprocess.run(
        [str(kiosk), "run", "--fakes", "--smoke"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    bare = tmp / "bare_app.py"  # Kivy wants a source file for its App class
    bare.write_text(BARE_APP, encoding="utf-8")
    base = subprocess.run(
        [sys.executable, str(bare)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )

    def ready(out: str) -> float | None:
        for text in out.splitlines():
            if text.startswith("ready_s="):
                return float(text.split("=")[1])
        return None

    a, b = ready(ours.stdout), ready(base.stdout)
    if a is None or b is None:
        print("cold start: could not measure", ours.stderr[-500:], base.stderr[-500:])
        return None
    return a, b


# The baseline for cold start: the least a Kivy app with the Thai font can do.
BARE_APP = """
import time
started = time.monotonic()
from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import LabelBase, DEFAULT_FONT
from kivy.uix.label import Label
LabelBase.register(DEFAULT_FONT, "/usr/share/fonts/truetype/tlwg/Garuda.ttf")
class Bare(App):
    def build(self):
        Clock.schedule_once(self.ready, 0)
        return Label(text="กรุณาเสียบบัตรประชาชน", font_size=40)
    def ready(self, _dt):
        print(f"ready_s={time.monotonic() - started:.3f}", flush=True)
        Clock.schedule_once(lambda _dt: self.stop(), 0.1)
Bare().run()
"""


class AppletCard:
    """CardReader port over the virtual card's applet in memory: APDUs in, Identity out."""

    def __init__(self) -> None:
        from hardware.card import CardProfile

        profile_path = ROOT / "hardware" / "card" / "profiles" / "demo.json"
        self.base = CardProfile.load(profile_path)
        self.profile = self.base

    def use(self, cid: str) -> None:
        import dataclasses

        self.profile = dataclasses.replace(self.base, cid=cid)

    def read(self) -> Identity:
        from hardware.card.apdu import read_card_data
        from hardware.card.applet import AppletTransport, ThaiIdApplet
        from kiosk.adapters.card import identity_from_card

        return identity_from_card(read_card_data(AppletTransport(ThaiIdApplet(self.profile))))


def real_adapters(tmp: Path, n: int) -> None:
    from common.config import load_settings
    from common.secrets import Secrets
    from integrations.nhso.sandbox import FixedCard
    from kiosk.testing import synthetic_cid
    from kiosk.wiring import start_runtime

    # NHSO's rate limit (5 requests/s by default, 3 requests a check-in) would dominate:
    # raised to its ceiling so the figure is the software's own cost.
    settings = load_settings(
        None,
        {"data_dir": str(tmp / "real"), "card.simulate": False, "nhso.rate_per_second": 50},
    )
    nhso_card = FixedCard(None)
    runtime = start_runtime(settings, secrets=Secrets(), nhso_card_source=nhso_card)
    card = AppletCard()
    services = runtime.services
    services.card = card
    effects = Effects(
        services,
        journal=Journal(tmp / "real-journal.sqlite"),
        health=HealthRecorder(tmp / "real-health.json"),
    )
    driver = SyncDriver(clinic_flow(), effects, keep_history=False)
    serials = iter(range(770_000, 10**6))
    keys = iter(range(10**6))  # idempotency keys: one per check-in, warm-up included

    def next_person() -> None:
        cid = synthetic_cid(next(serials))  # a new walk-in each time: never a reprint
        card.use(cid)
        nhso_card.insert(cid)

    touches: list[int] = []

    def through_flow(i: int) -> None:
        state = driver.send(f.CardInserted(f"r{next(keys):031d}"))
        state, touched = touched_through(driver, state)
        assert state.step == f.Step.DONE, (state.step, state.error_code)
        touches.append(touched)
        driver.send(f.CardRemoved())

    def direct(_i: int) -> None:
        key = f"d{next(keys):031d}"
        identity = card.read()
        patient = services.clinic.identify(identity)
        rights = services.rights.check(identity)
        claim = rights.claim_types[0]
        outcome = services.authen.authenticate(
            AuthenRequest(key, identity, patient, claim.code, "0812345678", rights.correlation_id)
        )
        visit = services.clinic.open_visit(
            VisitRequest(
                key,
                identity,
                patient,
                claim.code,
                claim.name,
                "ok",
                outcome.claim_code,
                requested_at=dt.datetime.now(),
            )
        )
        services.printer.print_ticket(ticket_for(visit, identity, claim, outcome.claim_code))

    def timed_real(run: Callable[[int], None]) -> list[float]:
        samples = []
        for i in range(n):
            next_person()
            start = time.perf_counter()
            run(i)
            samples.append(time.perf_counter() - start)
        return samples

    try:
        timed_real(direct)  # warm-up: connections, caches, the first render
        base = timed_real(direct)
        ours = timed_real(through_flow)
    finally:
        runtime.close()
    print(f"one check-in through the real adapters, simulators at zero latency, n={n}")
    line("flow + real adapters", ours, base)
    print(
        f"touches per first-time walk-in (NHSO sandbox's claim types): "
        f"{min(touches)}..{max(touches)}   goal <= 12"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300, help="timed check-ins per variant")
    parser.add_argument("--no-ui", action="store_true", help="skip the cold-start measurement")
    parser.add_argument(
        "--real-n", type=int, default=100, help="check-ins through the real adapters (0: skip)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        world = world_with(50)
        base = timed(lambda i: baseline_checkin(world, i), args.n, world)
        sync = timed(sync_checkin(tmp, world), args.n, world)
        effects = Effects(
            world.services(),
            journal=Journal(tmp / "threaded.sqlite"),
            health=HealthRecorder(tmp / "threaded-health.json"),
        )
        controller = Controller(f.Flow(), effects)
        controller.start()
        try:
            threaded = timed(threaded_checkin(controller), args.n, world)
            print(f"one check-in, fakes at zero latency, n={args.n} (claim type {GENERAL.code})")
            line("flow + effects (inline)", sync, base)
            line("flow + controller threads", threaded, base)
            heap_base, grow_base = heap_growth(lambda i: baseline_checkin(world, i), world, 500)
            heap, grow = heap_growth(threaded_checkin(controller), world, 500)
        finally:
            controller.stop()
        taps = tap_counts()
        print(
            f"touches to check in (clinic's default claim types, NHSO's {len(NHSO_UC_CLAIM_TYPES)}"
            f" for a UC patient): returning patient {taps['returning']} (goal 1), "
            f"first-time patient {taps['first-time']} (goal <= 12)"
        )
        print(
            f"memory over 500 check-ins: heap {heap / 1024:8.1f} KiB, growth "
            f"{grow / 1024:7.1f} KiB   baseline heap {heap_base / 1024:8.1f} KiB, growth "
            f"{grow_base / 1024:7.1f} KiB   growth per check-in {grow / 500:6.0f} B "
            f"vs {grow_base / 500:6.0f} B"
        )
        if args.real_n > 0:
            real_adapters(tmp, args.real_n)
        if not args.no_ui:
            result = cold_start(tmp)
            if result is not None:
                ours, bare = result
                print(
                    f"cold start to ready screen: {ours:6.2f} s   bare Kivy app {bare:6.2f} s"
                    f"   ratio {ours / bare:5.2f}x"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
