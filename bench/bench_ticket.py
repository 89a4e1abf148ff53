"""Ticket cost: our Thai raster path against python-escpos's text + native QR path.

Both build the same ticket's bytes in memory (python-escpos ``Dummy``), so the numbers
are CPU time and bytes on the wire, not printer speed. The baseline sends the text in
the printer's Thai code page (CP874 via python-escpos's magic encoder) and lets the
printer draw the QR (``GS ( k``): the fewest bytes possible, but Thai marks then depend
on the printer's firmware. Run: ``.venv/bin/python bench/bench_ticket.py [--n 30]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from collections.abc import Callable

from escpos.printer import Dummy

from common.thaidate import format_datetime_th
from hardware.printer import TicketData, build_job, render_ticket, sample_ticket


def baseline_job(data: TicketData) -> bytes:
    """The same content as text lines and a native QR, the way python-escpos does it."""
    printer = Dummy()
    printer.hw("INIT")
    printer.set(align="center", bold=True)
    printer.textln(data.clinic_name)
    printer.set(align="center", bold=False)
    printer.textln("หมายเลขคิว / Queue No.")
    printer.set(align="center", bold=True, double_width=True, double_height=True)
    printer.textln(data.queue_no)
    printer.set(align="center", normal_textsize=True)
    printer.textln(format_datetime_th(data.issued_at))
    printer.textln(data.masked_name)
    printer.textln(f"HN {data.hn}   VN {data.visitno}")
    printer.textln(f"สิทธิ: {data.right_name}")
    printer.textln(f"บริการ: {data.service_name}")
    printer.textln("รหัสยืนยันสิทธิ / Claim Code")
    printer.textln(data.claim_code or "")
    printer.qr(data.claim_code or "", size=8, native=True)
    printer.textln(data.footer)
    printer.cut()
    return bytes(printer.output)


def raster_job(data: TicketData, width: int) -> bytes:
    return build_job(render_ticket(data, width), width)


def timed(work: Callable[[], bytes], n: int) -> tuple[float, int]:
    """Median seconds per call and the bytes one call produces."""
    size = len(work())  # warm-up: fonts loaded, caches filled
    times = []
    for _ in range(n):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30, help="tickets per measurement")
    args = parser.parse_args()
    data = sample_ticket()
    base_s, base_bytes = timed(lambda: baseline_job(data), args.n)
    print(f"baseline text+native QR : {base_s * 1000:7.2f} ms/ticket {base_bytes:7d} bytes")
    for width in (576, 384):
        ours_s, ours_bytes = timed(lambda w=width: raster_job(data, w), args.n)
        render_s, _ = timed(lambda w=width: render_ticket(data, w).tobytes(), args.n)
        untrimmed = Dummy()
        with contextlib.redirect_stdout(io.StringIO()):  # its "unknown width" notice
            untrimmed.image(render_ticket(data, width))  # one full-width GS v 0 image
        seconds_115k = ours_bytes * 10 / 115200
        print(
            f"raster {width} dots         : {ours_s * 1000:7.2f} ms/ticket {ours_bytes:7d} bytes"
            f"  (render {render_s * 1000:.2f} ms; {seconds_115k:.1f} s at 115200 baud serial)"
        )
        print(f"  one full-width image   : {len(untrimmed.output):7d} bytes (before band trimming)")
        ratio_time, ratio_bytes = ours_s / base_s, ours_bytes / base_bytes
        print(f"  ratio vs baseline      : time x{ratio_time:.1f}, bytes x{ratio_bytes:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
