"""A loopback ESC/POS network printer for the demo and the tests.

It listens on TCP like a printer's port 9100, answers DLE EOT 1-4 and GS r 1 as a
printer in the chosen state would, records every job (the bytes between status
requests, up to a cut or the end of the connection) and decodes its raster back into
a picture. The state can be changed while it runs, and it can be told to run out of
paper in the middle of the next ticket.

It is a test rig: production code never starts it unless the configuration asks.
"""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from PIL import Image

from common.config import Settings
from common.server_errors import TypeOnlyErrors
from hardware.printer.escpos_stream import Kind, parse, stack

log = logging.getLogger(__name__)


class LoopbackState(StrEnum):
    READY = "ready"
    NEAR_END = "near_end"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    COVER_OPEN = "cover_open"
    SILENT = "silent"  # prints but never answers status requests (no return channel)


# DLE EOT n=1 (printer), 2 (offline cause), 3 (error cause), 4 (roll paper sensor),
# bit for bit as an Epson-compatible printer reports each condition.
_EOT_REPLIES: dict[LoopbackState, tuple[int, int, int, int]] = {
    LoopbackState.READY: (0x12, 0x12, 0x12, 0x12),
    LoopbackState.NEAR_END: (0x12, 0x12, 0x12, 0x1E),
    LoopbackState.PAPER_OUT: (0x1A, 0x32, 0x12, 0x7E),
    LoopbackState.OFFLINE: (0x1A, 0x52, 0x1A, 0x12),
    LoopbackState.COVER_OPEN: (0x1A, 0x16, 0x12, 0x12),
}
# GS r 1 (paper sensor, answered after the preceding data has printed).
_GS_R1_REPLIES = {LoopbackState.READY: 0x00, LoopbackState.NEAR_END: 0x03}
_CHUNK = 4096
_PRINTING = frozenset({LoopbackState.READY, LoopbackState.NEAR_END, LoopbackState.SILENT})


@dataclass(frozen=True)
class LoopbackJob:
    number: int
    data: bytes
    printed: bool  # the whole job went through while the printer could print, and was cut
    cut: bool
    state: LoopbackState  # the printer's state when the job ended
    image: Image.Image | None
    bin_path: Path | None = None
    png_path: Path | None = None


class _Job:
    def __init__(self) -> None:
        self.data = bytearray()
        self.images: list[Image.Image] = []
        self.printable = True


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        self.server.printer._serve(lambda: sock.recv(_CHUNK), sock.sendall)


class _Server(TypeOnlyErrors, socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    printer: LoopbackPrinter

    def server_bind(self) -> None:
        if self.printer.bytes_per_second:
            # A small window, like a printer's few-KB buffer, so a slow printer makes
            # the sender wait instead of the kernel swallowing the whole job.
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        super().server_bind()


class LoopbackPrinter:
    """``with LoopbackPrinter() as printer: ... printer.uri ... printer.jobs``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state: LoopbackState | str = LoopbackState.READY,
        *,
        out_dir: str | Path | None = None,
        width_dots: int | None = None,
        bytes_per_second: float | None = None,
    ) -> None:
        self.host = host
        self.width_dots = width_dots  # paper width the decoded pictures are padded to
        # Take data no faster than this, like a printer whose buffer is full.
        self.bytes_per_second = bytes_per_second
        self._pty_fds: list[int] = []
        self._requested_port = port
        self._state = LoopbackState(state)
        self.out_dir = Path(out_dir) if out_dir else None
        self._lock = threading.Condition()
        self._jobs: list[LoopbackJob] = []
        self._run_out_next = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- control -------------------------------------------------------------
    def start(self) -> LoopbackPrinter:
        if self.out_dir:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        server = _Server((self.host, self._requested_port), _Handler, bind_and_activate=False)
        server.printer = self  # server_bind reads it
        try:
            server.server_bind()
            server.server_activate()
        except OSError:
            server.server_close()
            raise
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="loopback-printer", daemon=True
        )
        self._thread.start()
        log.info("loopback printer listening on %s:%d", self.host, self.port)
        return self

    def open_serial(self) -> str:
        """Also answer on a pseudo-terminal; returns its device path for serial:// URIs.

        Over a serial line there is no end of connection: a job ends at its cut.
        """
        master, slave = os.openpty()
        tty.setraw(slave)
        with self._lock:
            # Closed in this order on stop: without a slave end, reads on the master fail.
            self._pty_fds += [slave, master]
        threading.Thread(
            target=self._serve,
            args=(lambda: os.read(master, _CHUNK), lambda data: os.write(master, data)),
            name="loopback-printer-pty",
            daemon=True,
        ).start()
        return os.ttyname(slave)

    def stop(self) -> None:
        with self._lock:
            fds, self._pty_fds = self._pty_fds, []
        for fd in fds:
            os.close(fd)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackPrinter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def uri(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    @property
    def state(self) -> LoopbackState:
        with self._lock:
            return self._state

    @state.setter
    def state(self, value: LoopbackState | str) -> None:
        with self._lock:
            self._state = LoopbackState(value)
        log.info("loopback printer state: %s", self._state.value)

    def run_out_of_paper_during_next_job(self) -> None:
        """The roll ends right after the next job's first image: that ticket is cut short."""
        with self._lock:
            self._run_out_next = True

    @property
    def jobs(self) -> list[LoopbackJob]:
        with self._lock:
            return list(self._jobs)

    def wait_for_jobs(self, count: int, timeout: float = 10.0) -> list[LoopbackJob]:
        """The first `count` jobs, waiting for them; TimeoutError if they don't come."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._jobs) >= count, timeout):
                raise TimeoutError(f"{len(self._jobs)} of {count} print jobs arrived")
            return list(self._jobs[:count])

    # --- called from connection threads ---------------------------------------
    def _serve(self, recv: Callable[[], bytes], send: Callable[[bytes], object]) -> None:
        """One connection: answer status requests in stream order, record the jobs."""
        pending = bytearray()
        job = _Job()
        while True:
            try:
                chunk = recv()
            except OSError:
                break
            if not chunk:
                break
            if self.bytes_per_second:
                time.sleep(len(chunk) / self.bytes_per_second)  # the print head's pace
            pending += chunk
            commands, used = parse(bytes(pending), final=False)
            del pending[:used]
            for command in commands:
                reply = self._reply_to(command.kind, command.arg)
                if command.kind in (Kind.STATUS, Kind.TRANSMIT_STATUS):
                    if reply is not None:
                        send(bytes([reply]))
                    continue
                job.data += command.raw
                job.printable &= self.state in _PRINTING
                if command.image is not None:
                    job.images.append(command.image)
                    if self._take_run_out():
                        job.printable = False
                if command.kind is Kind.CUT:
                    self._finish(job, cut=True)
                    job = _Job()
        job.data += pending
        if job.data:
            self._finish(job, cut=False)

    def _reply_to(self, kind: Kind, n: int) -> int | None:
        state = self.state
        if kind is Kind.STATUS and state is not LoopbackState.SILENT and 1 <= n <= 4:
            return _EOT_REPLIES[state][n - 1]
        if kind is Kind.TRANSMIT_STATUS and state in _GS_R1_REPLIES:
            # A stopped printer never gets to the GS r in its buffer: no answer.
            return _GS_R1_REPLIES[state] if n in (1, 49) else 0x00
        return None

    def _take_run_out(self) -> bool:
        with self._lock:
            if not self._run_out_next:
                return False
            self._run_out_next = False
            self._state = LoopbackState.PAPER_OUT
            return True

    def _finish(self, job: _Job, *, cut: bool) -> None:
        data = bytes(job.data)
        image = stack(job.images, self.width_dots)
        with self._lock:
            number = len(self._jobs) + 1
            state = self._state
        bin_path = png_path = None
        if self.out_dir:
            bin_path = self.out_dir / f"job-{number:04d}.bin"
            bin_path.write_bytes(data)
            if image is not None:
                png_path = self.out_dir / f"job-{number:04d}.png"
                image.save(png_path)
        printed = cut and job.printable and state in _PRINTING
        record = LoopbackJob(number, data, printed, cut, state, image, bin_path, png_path)
        with self._lock:
            self._jobs.append(record)
            self._lock.notify_all()
        log.info("loopback job %d: %d bytes, printed=%s", number, len(data), printed)


def simulator_from_settings(settings: Settings) -> LoopbackPrinter | None:
    """Start the loopback printer the configuration asks for, or return None.

    Only when ``[printer] simulate`` is true and ``uri`` points at this machine over
    TCP (``tcp://127.0.0.1:PORT`` or ``tcp://localhost:PORT``): the demo's printer.
    Jobs go to ``<data_dir>/printer-jobs``.
    """
    config = settings.printer
    parts = urlsplit(config.uri)
    if not config.simulate or parts.scheme != "tcp":
        return None
    if parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    printer = LoopbackPrinter(
        "127.0.0.1",
        parts.port or 9100,
        out_dir=Path(settings.data_dir) / "printer-jobs",
        width_dots=config.width_dots,
    )
    return printer.start()
