"""Card read cost: our combined reads against field-by-field reads, same run, same card.

Both read the virtual Thai ID card through the real stack (pcscd + vsmartcard-vpcd,
started by ``scripts/services.sh start``) with 20 ms added to every APDU exchange,
which is about what a real card over a USB reader costs. The baseline reads one
field per command and the photo in 20 chunks of 255 bytes, the way the common
open-source readers do; ours reads contiguous fields together. Both results are
checked to be the same record.

Run: ``.venv/bin/python bench/bench_card_read.py [--n 3] [--latency-ms 20] [--port 35964]``
(``--in-memory`` skips pcscd and sleeps the latency in-process).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from hardware.card.apdu import MoiSession, read_fields
from hardware.card.applet import AppletTransport, ThaiIdApplet
from hardware.card.layout import IDENTITY_FIELDS, PHOTO, Span, field_by_field_plan, plan
from hardware.card.model import CardData
from hardware.card.parse import parse_card
from hardware.card.profile import DEMO_PROFILE, CardProfile
from hardware.card.transport import CountingTransport, Transport

Reader = Callable[[Transport, bool], CardData]
Session = Callable[[], AbstractContextManager[Transport]]


def read_with(spans_for: Callable[..., list[Span]]) -> Reader:
    def read(transport: Transport, photo: bool) -> CardData:
        session = MoiSession(transport)
        session.select()
        fields = list(IDENTITY_FIELDS) + ([PHOTO] if photo else [])
        return parse_card(read_fields(session, fields, spans_for(photo=photo)), atr=transport.atr)

    return read


OURS = read_with(plan)
BASELINE = read_with(field_by_field_plan)


class SlowTransport(AppletTransport):
    def __init__(self, applet: ThaiIdApplet, latency_s: float) -> None:
        super().__init__(applet)
        self.latency_s = latency_s

    def transmit(self, apdu: bytes) -> bytes:
        time.sleep(self.latency_s)
        return super().transmit(apdu)


@contextmanager
def pcsc_card(profile: CardProfile, port: int, latency_ms: float) -> Iterator[Session]:
    from hardware.card.pcsc import PcscContext, wait_for_card
    from hardware.card.virtual import VirtualCard

    reader = f"Virtual PCD 00 {port - 35963:02d}"
    with VirtualCard(profile, port=port, latency_ms=latency_ms):
        if not wait_for_card(reader, present=True, timeout_s=10):
            raise SystemExit(f"pcscd did not see the virtual card in {reader}")

        @contextmanager
        def session() -> Iterator[Transport]:
            with PcscContext() as context, context.connect(reader) as card, card.transaction():
                yield card

        yield session


def measure(open_card: Session, read: Reader, photo: bool, n: int) -> tuple[int, float, CardData]:
    times: list[float] = []
    exchanges, data = 0, None
    for _ in range(n):
        with open_card() as transport:
            counting = CountingTransport(transport)
            start = time.perf_counter()
            data = read(counting, photo)
            times.append(time.perf_counter() - start)
            exchanges = counting.exchanges
    assert data is not None
    return exchanges, statistics.median(times), data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3, help="reads per case (median reported)")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=35964, help="vpcd slot port")
    parser.add_argument("--in-memory", action="store_true", help="no pcscd: in-process card")
    args = parser.parse_args()
    profile = CardProfile.load(DEMO_PROFILE)

    if args.in_memory:

        @contextmanager
        def memory_session() -> Iterator[Transport]:
            yield SlowTransport(ThaiIdApplet(profile), args.latency_ms / 1000)

        cases = run_cases(memory_session, args.n)
    else:
        with pcsc_card(profile, args.port, args.latency_ms) as session:
            cases = run_cases(session, args.n)

    stack = "in-memory" if args.in_memory else "pcscd+vpcd"
    print(f"card read, {stack}, {args.latency_ms:.0f} ms per exchange, median of {args.n}")
    print(f"{'case':<16}{'baseline':>22}{'ours':>22}{'time ratio':>12}")
    for name, (base, ours) in cases.items():
        print(
            f"{name:<16}{base[0]:>5} exch {base[1] * 1000:>8.0f} ms"
            f"{ours[0]:>5} exch {ours[1] * 1000:>8.0f} ms{base[1] / ours[1]:>11.2f}x"
        )
    return 0


def run_cases(open_card: Session, n: int) -> dict[str, tuple[tuple[int, float], tuple[int, float]]]:
    cases: dict[str, tuple[tuple[int, float], tuple[int, float]]] = {}
    for name, photo in (("identity", False), ("identity+photo", True)):
        base = measure(open_card, BASELINE, photo, n)
        ours = measure(open_card, OURS, photo, n)
        if base[2].to_json_dict() != ours[2].to_json_dict() or base[2].photo != ours[2].photo:
            print(f"{name}: baseline and ours read different records", file=sys.stderr)
            raise SystemExit(1)
        cases[name] = ((base[0], base[1]), (ours[0], ours[1]))
    return cases


if __name__ == "__main__":
    sys.exit(main())
