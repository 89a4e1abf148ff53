"""Print through python-escpos's Network printer to the loopback ESC/POS printer.

Every printer state, the decoded raster against the rendered ticket, the QR read
back with zxing-cpp, and the rule that a ticket that did not come out raises.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from escpos.printer import Network
from PIL import Image, ImageChops

from common.config import Settings, load_settings
from hardware.printer import (
    CoverOpen,
    LoopbackPrinter,
    LoopbackState,
    PaperOut,
    PaperState,
    PrinterError,
    PrinterOffline,
    PrintFailed,
    TicketPrinter,
    printer_from_settings,
    printer_from_uri,
    render_ticket,
    sample_ticket,
    simulator_from_settings,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def loopback() -> Iterator[LoopbackPrinter]:
    with LoopbackPrinter(port=0, width_dots=576) as printer:
        yield printer


def client(printer: LoopbackPrinter, width: int = 576) -> TicketPrinter:
    return printer_from_uri(printer.uri, width_dots=width, status_timeout=0.3, confirm_timeout=0.5)


def same_picture(a: Image.Image, b: Image.Image) -> bool:
    """Same size, same dots (ImageChops alone would compare only the overlap)."""
    diff = ImageChops.difference(a.convert("L"), b.convert("L"))
    return a.size == b.size and diff.getbbox() is None


@pytest.mark.parametrize("width", [576, 384])
def test_ticket_prints_and_decodes_back_with_its_qr(loopback: LoopbackPrinter, width: int) -> None:
    loopback.width_dots = width
    data = dataclasses.replace(sample_ticket(), claim_code="PP5550001112")
    result = client(loopback, width).print_ticket(data)
    (job,) = loopback.wait_for_jobs(1)
    assert job.printed and job.cut
    assert result.confirmed and result.bytes_sent == len(job.data)
    assert result.status_before.paper is PaperState.OK and not result.paper_near_end
    assert job.image is not None
    assert same_picture(job.image, render_ticket(data, width))
    assert [r.text for r in zxingcpp.read_barcodes(job.image.convert("L"))] == ["PP5550001112"]


def test_ticket_without_claim_code_prints_without_qr(loopback: LoopbackPrinter) -> None:
    data = dataclasses.replace(sample_ticket(), claim_code=None)
    client(loopback).print_ticket(data)
    (job,) = loopback.wait_for_jobs(1)
    assert job.image is not None and same_picture(job.image, render_ticket(data))
    assert zxingcpp.read_barcodes(job.image.convert("L")) == []


def test_paper_near_end_prints_and_is_reported(loopback: LoopbackPrinter) -> None:
    loopback.state = LoopbackState.NEAR_END
    printer = client(loopback)
    assert printer.status().paper is PaperState.NEAR_END
    result = printer.print_ticket(sample_ticket())
    assert result.paper_near_end and "paper_near_end" in result.warnings and result.confirmed
    assert loopback.wait_for_jobs(1)[0].printed


@pytest.mark.parametrize(
    ("state", "error"),
    [
        (LoopbackState.PAPER_OUT, PaperOut),
        (LoopbackState.COVER_OPEN, CoverOpen),
        (LoopbackState.OFFLINE, PrinterOffline),
    ],
)
def test_a_printer_that_cannot_print_gets_no_job(
    loopback: LoopbackPrinter, state: LoopbackState, error: type[PrinterError]
) -> None:
    loopback.state = state
    printer = client(loopback)
    status = printer.status()
    assert status.answered and not status.ready
    with pytest.raises(error) as info:
        printer.print_ticket(sample_ticket())
    assert info.value.th and info.value.en
    assert loopback.jobs == []  # checked first: nothing was sent
    loopback.state = LoopbackState.READY  # fixed by the staff: the reprint works
    printer.print_ticket(sample_ticket())
    assert loopback.wait_for_jobs(1)[0].printed


def test_printer_without_status_prints_unconfirmed(loopback: LoopbackPrinter) -> None:
    loopback.state = LoopbackState.SILENT
    printer = client(loopback)
    assert printer.status().paper is PaperState.UNKNOWN
    result = printer.print_ticket(sample_ticket())
    assert not result.confirmed and "not_confirmed" in result.warnings
    assert loopback.wait_for_jobs(1)[0].printed


def test_paper_running_out_mid_ticket_means_not_issued(loopback: LoopbackPrinter) -> None:
    loopback.run_out_of_paper_during_next_job()
    with pytest.raises(PaperOut):
        client(loopback).print_ticket(sample_ticket())
    (job,) = loopback.wait_for_jobs(1)
    assert not job.printed and job.state is LoopbackState.PAPER_OUT


def test_stopped_printer_is_offline() -> None:
    printer = LoopbackPrinter().start()
    uri = printer.uri
    printer.stop()
    with pytest.raises(PrinterOffline):
        printer_from_uri(uri, status_timeout=0.3).print_ticket(sample_ticket())
    assert not printer_from_uri(uri).status().reachable


def test_state_changes_at_run_time_between_tickets(loopback: LoopbackPrinter) -> None:
    printer = client(loopback)
    printer.print_ticket(sample_ticket())
    loopback.state = "paper_out"
    with pytest.raises(PaperOut):
        printer.print_ticket(sample_ticket())
    loopback.state = "ready"
    printer.print_ticket(dataclasses.replace(sample_ticket(), queue_no="A013"))
    jobs = loopback.wait_for_jobs(2)
    assert [job.printed for job in jobs] == [True, True]


def test_jobs_are_written_as_bin_and_png(tmp_path: Path) -> None:
    out = tmp_path / "jobs"
    with LoopbackPrinter(out_dir=out, width_dots=384) as loopback:
        client(loopback, 384).print_ticket(sample_ticket())
        (job,) = loopback.wait_for_jobs(1)
    assert job.bin_path is not None and job.bin_path.read_bytes() == job.data
    assert job.png_path is not None
    assert same_picture(Image.open(job.png_path), render_ticket(sample_ticket(), 384))


class HangUpPrinter:
    """Answers status like a ready printer, then drops the line once the ticket starts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            while True:
                data = conn.recv(3)
                if data[:2] != b"\x10\x04":
                    conn.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    return  # closing with linger 0 resets the connection
                conn.sendall(b"\x12")


def test_connection_lost_during_the_ticket_is_a_failed_print() -> None:
    fake = HangUpPrinter()
    printer = printer_from_uri(
        f"tcp://127.0.0.1:{fake.port}", status_timeout=0.3, confirm_timeout=0.5
    )
    with pytest.raises(PrintFailed) as info:
        printer.print_ticket(sample_ticket())
    assert "reprint" in info.value.en
    fake.sock.close()


def test_serial_printer_over_a_pseudo_terminal() -> None:
    with LoopbackPrinter(width_dots=384) as loopback:
        device = loopback.open_serial()
        printer = printer_from_uri(
            f"serial://{device}?baud=115200",
            width_dots=384,
            status_timeout=0.3,
            confirm_timeout=1.0,
        )
        assert printer.status().paper is PaperState.OK
        result = printer.print_ticket(sample_ticket())
        (job,) = loopback.wait_for_jobs(1)
        assert result.confirmed and job.printed and job.image is not None
        assert same_picture(job.image, render_ticket(sample_ticket(), 384))
        loopback.state = LoopbackState.COVER_OPEN
        with pytest.raises(CoverOpen):
            printer.print_ticket(sample_ticket())


def test_a_slow_printer_gets_the_whole_ticket_despite_short_status_timeouts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The ticket takes about a second to go through, far longer than the status timeout:
    # the short read timeout must not be left on the socket for the send. A small send
    # buffer stands for a busy network; Linux's default would swallow the whole job.
    original_open = Network.open

    def open_small_buffer(self: Network, *args: object, **kwargs: object) -> None:
        original_open(self)
        assert self.device is not None
        self.device.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)

    monkeypatch.setattr(Network, "open", open_small_buffer)
    with LoopbackPrinter(width_dots=576, bytes_per_second=30_000) as loopback:
        printer = printer_from_uri(loopback.uri, status_timeout=0.2, confirm_timeout=3.0)
        result = printer.print_ticket(sample_ticket())
        (job,) = loopback.wait_for_jobs(1)
    assert result.confirmed and job.printed and len(job.data) == result.bytes_sent


def test_confirm_timeout_zero_skips_gs_r_but_still_checks_status(
    loopback: LoopbackPrinter,
) -> None:
    printer = printer_from_uri(f"{loopback.uri}?confirm_timeout=0&status_timeout=0.3")
    result = printer.print_ticket(sample_ticket())
    (job,) = loopback.wait_for_jobs(1)
    assert job.printed and not result.confirmed and result.status_after.answered
    loopback.run_out_of_paper_during_next_job()
    with pytest.raises(PaperOut):
        printer.print_ticket(sample_ticket())


def test_simulator_starts_only_when_the_configuration_asks(tmp_path: Path) -> None:
    port = socket.create_server(("127.0.0.1", 0))
    free = port.getsockname()[1]
    port.close()

    def settings(**printer: object) -> Settings:
        overrides = {"data_dir": str(tmp_path), **{f"printer.{k}": v for k, v in printer.items()}}
        return load_settings(overrides=overrides)

    assert simulator_from_settings(settings(uri="preview")) is None
    assert simulator_from_settings(settings(uri=f"tcp://127.0.0.1:{free}", simulate=False)) is None
    assert simulator_from_settings(settings(uri="tcp://192.0.2.1:9100")) is None
    configured = settings(uri=f"tcp://127.0.0.1:{free}", width_dots=384)
    simulator = simulator_from_settings(configured)
    assert simulator is not None
    try:
        printer_from_settings(configured).print_ticket(sample_ticket())
        (job,) = simulator.wait_for_jobs(1)
        assert job.png_path == tmp_path / "printer-jobs" / "job-0001.png"
        assert job.image is not None and job.image.width == 384
    finally:
        simulator.stop()
