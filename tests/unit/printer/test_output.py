"""Printer URIs, the preview printer, device files and CUPS (with a stand-in lp)."""

from __future__ import annotations

import io
import os
import stat
import types
from pathlib import Path

import pytest
from escpos.printer import Network, Serial, Usb
from PIL import Image, ImageChops

from common.config import load_settings
from hardware.printer import (
    CupsTicketPrinter,
    EscposTicketPrinter,
    PaperState,
    PreviewPrinter,
    PrinterConfigError,
    PrinterOffline,
    PrintFailed,
    build_job,
    decode_escpos,
    printer_from_settings,
    printer_from_uri,
    render_ticket,
    sample_ticket,
)


def same_picture(a: Image.Image, b: Image.Image) -> bool:
    """Same size, same dots (ImageChops alone would compare only the overlap)."""
    diff = ImageChops.difference(a.convert("L"), b.convert("L"))
    return a.size == b.size and diff.getbbox() is None


def test_build_job_is_init_raster_and_cut() -> None:
    image = render_ticket(sample_ticket(), 384)
    job = build_job(image, 384)
    assert job.startswith(b"\x1b@\x1dv0\x00")
    assert job.endswith(b"\x1bd\x06\x1dV\x00")
    decoded = decode_escpos(job, 384)
    assert decoded is not None and same_picture(decoded, image)


def test_build_job_refuses_an_image_wider_than_the_paper() -> None:
    with pytest.raises(PrinterConfigError):
        build_job(render_ticket(sample_ticket(), 576), 384)


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("tcp://192.0.2.10:9100", EscposTicketPrinter),
        ("tcp://printer.local", EscposTicketPrinter),
        ("usb://04b8:0e15", EscposTicketPrinter),
        ("serial:///dev/ttyUSB0?baud=19200", EscposTicketPrinter),
        ("file:///dev/usb/lp0", EscposTicketPrinter),
        ("cups://TM-T82", CupsTicketPrinter),
        ("preview:///tmp/tickets", PreviewPrinter),
    ],
)
def test_uri_picks_the_printer_without_opening_it(uri: str, kind: type) -> None:
    assert isinstance(printer_from_uri(uri), kind)


@pytest.mark.parametrize(
    "uri",
    ["lpt://1", "tcp://", "tcp://host:notaport", "usb://zz:01", "cups://", "serial:///x?baud=a"],
)
def test_bad_uri_is_a_config_error(uri: str) -> None:
    with pytest.raises(PrinterConfigError) as info:
        printer_from_uri(uri)
    assert info.value.th and info.value.en


def test_preview_needs_a_directory() -> None:
    with pytest.raises(PrinterConfigError):
        printer_from_uri("preview")


def test_opener_builds_the_python_escpos_class(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []

    def fake_open(self: object, *args: object, **kwargs: object) -> None:
        opened.append(self)

    for cls in (Network, Usb, Serial):
        monkeypatch.setattr(cls, "open", fake_open)
    for uri in (
        "tcp://h:9101",
        "usb://04b8:0e15?in_ep=81&out_ep=02",
        "serial:///dev/ttyS0?baud=19200",
    ):
        printer = printer_from_uri(uri)
        assert isinstance(printer, EscposTicketPrinter)
        printer._open()
    network, usb, serial = opened
    assert isinstance(network, Network) and (network.host, network.port) == ("h", 9101)
    assert isinstance(usb, Usb)
    assert usb.usb_args == {"idVendor": 0x04B8, "idProduct": 0x0E15}
    assert (usb.in_ep, usb.out_ep) == (0x81, 0x02)
    assert isinstance(serial, Serial) and (serial.devfile, serial.baudrate) == ("/dev/ttyS0", 19200)


def test_settings_default_is_the_preview_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(overrides={"data_dir": str(tmp_path), "printer.width_dots": 384})
    printer = printer_from_settings(settings)
    assert isinstance(printer, PreviewPrinter)
    assert printer.directory == tmp_path / "tickets" and printer.width_dots == 384


def test_preview_writes_the_rendered_ticket(tmp_path: Path) -> None:
    printer = PreviewPrinter(tmp_path / "out", 384)
    assert printer.status().ready
    result = printer.print_ticket(sample_ticket())
    assert result.confirmed and result.preview_path is not None
    assert result.preview_path.name.endswith("-A012.png")
    assert same_picture(Image.open(result.preview_path), render_ticket(sample_ticket(), 384))


def test_preview_tickets_are_private(tmp_path: Path) -> None:
    # HN, visit number and claim code identify a visit: nobody else may read them.
    printer = PreviewPrinter(tmp_path / "out", 384)
    assert printer.status().ready
    path = printer.print_ticket(sample_ticket()).preview_path
    assert path is not None
    assert (path.stat().st_mode & 0o077, path.parent.stat().st_mode & 0o077) == (0, 0)


def test_preview_into_an_unwritable_place_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    printer = PreviewPrinter(blocker / "sub")
    assert not printer.status().ready
    with pytest.raises(PrintFailed):
        printer.print_ticket(sample_ticket())


def test_device_file_printer_writes_the_job(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    printer = printer_from_uri(f"file://{device}", width_dots=384)
    status = printer.status()
    assert status.reachable and not status.answered  # a device file cannot answer
    result = printer.print_ticket(sample_ticket())
    assert not result.confirmed and result.bytes_sent == device.stat().st_size
    decoded = decode_escpos(device.read_bytes(), 384)
    assert decoded is not None and same_picture(decoded, render_ticket(sample_ticket(), 384))


def test_missing_device_file_is_offline(tmp_path: Path) -> None:
    printer = printer_from_uri(f"file://{tmp_path}/usb/lp9")
    assert not printer.status().reachable
    with pytest.raises(PrinterOffline):
        printer.print_ticket(sample_ticket())
    assert not (tmp_path / "usb").exists()


def fake_cups(bin_dir: Path, spool: Path, *, lp_exit: int = 0, disabled: bool = False) -> None:
    """Stand-ins for lp and lpstat that behave like cups-client on the argument list."""
    bin_dir.mkdir()
    state = "disabled" if disabled else "is idle.  enabled"
    scripts = {
        "lpstat": f'#!/bin/sh\n[ "$2" = "kiosk" ] || exit 1\necho "printer kiosk {state}"\n',
        "lp": f'#!/bin/sh\necho "$@" > "{spool}.args"\ncat > "{spool}"\nexit {lp_exit}\n',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(body)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_cups_sends_the_raw_job_with_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spool = tmp_path / "spooled.bin"
    fake_cups(tmp_path / "bin", spool)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    printer = printer_from_uri("cups://kiosk", width_dots=384)
    assert printer.status().online is True
    result = printer.print_ticket(sample_ticket())
    assert "-d kiosk -o raw" in spool.with_suffix(".bin.args").read_text()
    assert result.bytes_sent == spool.stat().st_size and not result.confirmed
    assert result.status_before.paper is PaperState.UNKNOWN
    decoded = decode_escpos(spool.read_bytes(), 384)
    assert decoded is not None and same_picture(decoded, render_ticket(sample_ticket(), 384))


def test_cups_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_cups(tmp_path / "bin", tmp_path / "spool", lp_exit=1)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(PrintFailed):
        printer_from_uri("cups://kiosk").print_ticket(sample_ticket())
    with pytest.raises(PrinterOffline):  # the queue does not exist
        printer_from_uri("cups://other").print_ticket(sample_ticket())


def test_cups_disabled_queue_and_missing_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_cups(tmp_path / "bin", tmp_path / "spool", disabled=True)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(PrinterOffline):
        printer_from_uri("cups://kiosk").print_ticket(sample_ticket())
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert not printer_from_uri("cups://kiosk").status().reachable
    with pytest.raises(PrinterOffline) as info:
        printer_from_uri("cups://kiosk").print_ticket(sample_ticket())
    assert "cups-client" in info.value.en


def test_bands_trim_white_but_keep_every_dot() -> None:
    image = render_ticket(sample_ticket(), 576)
    job = build_job(image, 576)
    naive = 8 + image.height * 576 // 8
    assert len(job) < naive * 0.7  # most of a ticket is white
    decoded = decode_escpos(job, 576)
    assert decoded is not None and same_picture(decoded, image)


def test_bands_of_an_odd_width_image() -> None:
    image = Image.new("1", (101, 30), 1)
    image.putpixel((100, 29), 0)
    image.putpixel((0, 0), 0)
    decoded = decode_escpos(build_job(image, 104))
    assert decoded is not None and decoded.size == (104, 30)
    assert same_picture(decoded.crop((0, 0, 101, 30)), image)
    assert decoded.crop((101, 0, 104, 30)).convert("L").getextrema() == (255, 255)


class FakeUsbDevice:
    """Stands in for a pyusb device: records writes, replies to DLE EOT like a ready printer."""

    def __init__(self, reply: int) -> None:
        self.reply = reply
        self.written = bytearray()
        self.answers: list[int] = []
        self.reads: list[tuple[int, int]] = []
        # What python-escpos's Usb.close() hands to pyusb's dispose_resources().
        self._ctx = types.SimpleNamespace(dispose=lambda device: None)

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self.written += data
        if data.startswith(b"\x10\x04"):
            self.answers.append(self.reply)
        elif data.startswith(b"\x1dr"):
            self.answers.append(0x00)  # GS r 1: paper present
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int | None = None) -> bytes:
        self.reads.append((endpoint, size))
        if not self.answers:
            raise TimeoutError("usb read timed out")
        return bytes([self.answers.pop(0)])


def test_usb_printer_asks_status_on_its_in_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeUsbDevice(0x12)

    def fake_open(self: Usb, *args: object, **kwargs: object) -> None:
        self.device = fake

    monkeypatch.setattr(Usb, "open", fake_open)
    printer = printer_from_uri("usb://0416:5011?in_ep=81", width_dots=384)
    result = printer.print_ticket(sample_ticket())
    assert result.status_before.answered and result.confirmed
    assert {endpoint for endpoint, _ in fake.reads} == {0x81}
    job = bytes(fake.written)
    assert job.startswith(b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04\x1b@")
    decoded = decode_escpos(job, 384)
    assert decoded is not None and same_picture(decoded, render_ticket(sample_ticket(), 384))
    fake.reply = 0x1A  # every DLE EOT answered with the offline bit set
    with pytest.raises(PrinterOffline):
        printer.print_ticket(sample_ticket())
    assert printer.status().online is False


def test_png_is_what_this_printer_prints(tmp_path: Path) -> None:
    printer = PreviewPrinter(tmp_path, 384)
    png = printer.png(sample_ticket())
    result = printer.print_ticket(sample_ticket())
    assert result.preview_path is not None
    assert same_picture(Image.open(io.BytesIO(png)), Image.open(result.preview_path))


def test_uri_options_tune_the_timeouts() -> None:
    printer = printer_from_uri("tcp://h?status_timeout=0.5&confirm_timeout=0")
    assert isinstance(printer, EscposTicketPrinter)
    assert (printer.status_timeout, printer.confirm_timeout) == (0.5, 0.0)
    for bad in (
        "tcp://h?status_timeout=x",
        "tcp://h?status_timeout=0",
        "tcp://h?confirm_timeout=99",
    ):
        with pytest.raises(PrinterConfigError):
            printer_from_uri(bad)
