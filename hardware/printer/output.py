"""Send tickets to a printer chosen by URI, check its status, report what happened.

A ticket counts as issued only when `print_ticket` returns. Every failure raises a
:class:`~hardware.printer.errors.PrinterError` subclass, so the caller treats the
ticket as NOT printed and can offer a reprint.

URIs (``[printer] uri``): ``preview`` | ``tcp://HOST[:PORT]`` | ``usb://VID:PID`` |
``serial:///dev/ttyX?baud=N`` | ``file:///dev/usb/lp0`` | ``cups://QUEUE``. Network, USB
and serial printers also take ``?status_timeout=S&confirm_timeout=S`` (seconds; a
confirm_timeout of 0 skips the after-print GS r check for printers without it), and
USB ``?in_ep=82&out_ep=01`` (hex).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import logging
import re
import shutil
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposLibraryError
from escpos.printer import Dummy, File, Network, Serial, Usb
from PIL import Image

from common.config import Settings
from common.private_files import write_private
from hardware.printer.errors import (
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
    PrintFailed,
)
from hardware.printer.render import render_ticket, ticket_png
from hardware.printer.status import DLE_EOT, GS_R, PaperState, PrinterStatus, paper_from_gs_r1
from hardware.printer.status import is_status_byte as _is_status_byte
from hardware.printer.ticket import TicketData

log = logging.getLogger(__name__)

Reader = Callable[[float], bytes]


@dataclass(frozen=True)
class PrintResult:
    """A ticket that came out (or, for preview, was written)."""

    printer: str
    bytes_sent: int
    status_before: PrinterStatus
    status_after: PrinterStatus
    # True when the printer said it had processed the job (GS r answered after it),
    # or the preview file was written; False when the printer could not tell us.
    confirmed: bool
    preview_path: Path | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def paper_near_end(self) -> bool:
        """Report this to staff: the roll is running out."""
        return self.status_before.near_end or self.status_after.near_end


BAND_HEADER_BYTES = 8  # GS v 0 m xL xH yL yH


def raster_bands(image: Image.Image) -> list[Image.Image]:
    """Cut the ticket into horizontal bands, each only as wide as its ink reaches.

    A ticket is mostly white on the right of its lines and between them; sending each
    band left-aligned and trimmed halves the bytes without moving a single dot, since
    consecutive GS v 0 images print edge to edge. A band ends when starting a new one
    costs less than carrying the wrong width (greedy on the 8-byte band header).
    """
    mono = image.convert("1")
    if mono.width % 8:
        padded = Image.new("1", (mono.width + 8 - mono.width % 8, mono.height), 1)
        padded.paste(mono, (0, 0))
        mono = padded
    row_bytes = mono.width // 8
    packed = mono.tobytes()  # PIL: bit set = white
    used = [
        max(1, len(packed[y * row_bytes : (y + 1) * row_bytes].rstrip(b"\xff")))
        for y in range(mono.height)
    ]
    bands: list[tuple[int, int, int]] = []  # (first row, end row, width in bytes)
    start, width = 0, used[0] if used else 1
    for y in range(1, mono.height):
        rows = y - start
        wanted = used[y]
        if wanted > width:
            keep = (wanted - width) * rows <= BAND_HEADER_BYTES
        else:
            keep = width - wanted <= BAND_HEADER_BYTES
        if keep:
            width = max(width, wanted)
            continue
        bands.append((start, y, width))
        start, width = y, wanted
    bands.append((start, mono.height, width))
    return [mono.crop((0, top, w * 8, end)) for top, end, w in bands]


def build_job(image: Image.Image, width_dots: int) -> bytes:
    """ESC @, the image as GS v 0 raster bands, feed and full cut: one ticket's bytes.

    Raises PrinterConfigError when the image is wider than the paper.
    """
    if image.width > width_dots:
        raise PrinterConfigError(f"ticket image {image.width} dots wide > paper {width_dots}")
    dummy = Dummy()
    # A profile that knows the paper width makes python-escpos refuse a too-wide image
    # (and stops it printing a warning for the "Unknown" default width).
    dummy.profile.profile_data = copy.deepcopy(dummy.profile.profile_data)
    dummy.profile.profile_data["media"]["width"]["pixels"] = width_dots
    dummy.hw("INIT")
    for band in raster_bands(image):
        dummy.image(band, impl="bitImageRaster")
    dummy.cut()
    return bytes(dummy.output)


class TicketPrinter(ABC):
    """What the kiosk and the backoffice print through."""

    def __init__(self, uri: str, width_dots: int = 576, font_path: str | Path | None = None):
        self.uri = uri
        self.width_dots = width_dots
        self.font_path = font_path

    @abstractmethod
    def status(self) -> PrinterStatus:
        """Never raises: an unreachable printer is a status too."""

    @abstractmethod
    def print_image(self, image: Image.Image, *, label: str = "ticket") -> PrintResult:
        """Print (or write) one rendered ticket; raises PrinterError when it did not."""

    def render(self, data: TicketData) -> Image.Image:
        return render_ticket(data, self.width_dots, self.font_path)

    def png(self, data: TicketData) -> bytes:
        """The ticket exactly as this printer would print it (width, font), as PNG."""
        return ticket_png(data, self.width_dots, self.font_path)

    def print_ticket(self, data: TicketData) -> PrintResult:
        """Render and print one ticket. Returns only when the ticket was issued."""
        return self.print_image(self.render(data), label=data.queue_no)


class PreviewPrinter(TicketPrinter):
    """Writes each ticket as a PNG into a directory (demo, development, reprint preview)."""

    def __init__(
        self, directory: str | Path, width_dots: int = 576, font_path: str | Path | None = None
    ):
        super().__init__("preview", width_dots, font_path)
        self.directory = Path(directory)

    def status(self) -> PrinterStatus:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return PrinterStatus.unreachable()
        return PrinterStatus(True, True, PaperState.OK, False, False)

    def print_image(self, image: Image.Image, *, label: str = "ticket") -> PrintResult:
        safe = re.sub(r"[^A-Za-z0-9-]+", "_", label) or "ticket"
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.directory / f"ticket-{stamp}-{safe}.png"
        # HN, visit number and claim code identify a visit: owner-only, like card traces.
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_private(path, buffer.getvalue())
        except OSError as exc:
            raise PrintFailed(f"preview not written: {type(exc).__name__}") from exc
        ready = PrinterStatus(True, True, PaperState.OK, False, False)
        return PrintResult(self.uri, path.stat().st_size, ready, ready, True, path)


def _reader(device: Escpos) -> Reader | None:
    """A read-with-timeout for devices with a return channel; None for write-only ones."""
    if isinstance(device, Network):
        sock: socket.socket = device.device
        send_timeout = device.timeout

        def read_socket(timeout: float) -> bytes:
            # Python's sendall timeout bounds the whole job, which a printer takes
            # seconds to swallow: never leave the short read timeout behind.
            sock.settimeout(timeout)
            try:
                return sock.recv(16)
            finally:
                sock.settimeout(send_timeout)

        return read_socket
    if isinstance(device, Serial):
        port: Any = device.device

        def read_serial(timeout: float) -> bytes:
            # read(16) would wait for all 16 bytes; a status reply is one.
            port.timeout = timeout
            first = bytes(port.read(1))
            waiting = port.in_waiting if first else 0
            return first + bytes(port.read(waiting)) if waiting else first

        return read_serial
    if isinstance(device, Usb):
        usb_device: Any = device.device

        def read_usb(timeout: float) -> bytes:
            return bytes(usb_device.read(device.in_ep, 16, max(1, int(timeout * 1000))))

        return read_usb
    return None


def _read_reply(reader: Reader, timeout: float, valid: Callable[[int], bool]) -> int | None:
    """The last valid reply byte that arrives within `timeout`, or None."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            chunk = reader(left)
        except OSError:  # socket.timeout, usb timeouts and resets are all OSErrors
            return None
        if not chunk:  # serial timeout, or a socket the printer closed
            return None
        good = [b for b in chunk if valid(b)]
        if good:
            return good[-1]
    return None


def _is_gs_r_byte(value: int) -> bool:
    return value & 0x90 == 0


class EscposTicketPrinter(TicketPrinter):
    """A real ESC/POS printer through python-escpos (network, USB, serial, device file)."""

    def __init__(
        self,
        uri: str,
        open_device: Callable[[], Escpos],
        width_dots: int = 576,
        font_path: str | Path | None = None,
        *,
        status_timeout: float = 1.0,
        confirm_timeout: float = 5.0,
    ) -> None:
        super().__init__(uri, width_dots, font_path)
        self._open_device = open_device
        self.status_timeout = status_timeout
        self.confirm_timeout = confirm_timeout

    def _open(self) -> Escpos:
        try:
            return self._open_device()
        except PrinterError:
            raise
        except (EscposLibraryError, OSError, ValueError) as exc:
            raise PrinterOffline(f"cannot open printer: {type(exc).__name__}") from exc

    def _query(self, device: Escpos, reader: Reader, n: int) -> int | None:
        device._raw(DLE_EOT + bytes([n]))
        return _read_reply(reader, self.status_timeout, _is_status_byte)

    def _status_of(self, device: Escpos) -> PrinterStatus:
        reader = _reader(device)
        if reader is None:
            return PrinterStatus.unknown()
        first = self._query(device, reader, 1)
        if first is None:  # no return channel in practice: don't queue more questions
            return PrinterStatus.unknown()
        rest = [self._query(device, reader, n) for n in (2, 3, 4)]
        return PrinterStatus.from_replies(first, *rest)

    def status(self) -> PrinterStatus:
        try:
            device = self._open()
        except PrinterError:
            return PrinterStatus.unreachable()
        try:
            return self._status_of(device)
        except (EscposLibraryError, OSError) as exc:
            log.warning("printer status failed: %s", type(exc).__name__)
            return PrinterStatus.unreachable()
        finally:
            _close(device)

    def _confirm(self, device: Escpos, before: PrinterStatus) -> tuple[PrinterStatus, bool]:
        """After the job: GS r 1 is answered only once the data before it was printed."""
        reader = _reader(device)
        if reader is None or not before.answered:
            return PrinterStatus.unknown(), False
        reply = None
        if self.confirm_timeout > 0:  # 0: the printer is known not to implement GS r
            device._raw(GS_R + b"\x01")
            reply = _read_reply(reader, self.confirm_timeout, _is_gs_r_byte)
        if reply is not None:
            after = PrinterStatus(True, True, paper_from_gs_r1(reply), False, False)
            return after, True
        # No answer: either the printer stopped in the middle of the ticket (paper
        # ran out, cover opened), or it does not implement GS r. Ask in real time.
        after = self._status_of(device)
        if not after.answered:
            raise PrintFailed("printer stopped answering during the ticket")
        after.raise_if_not_ready()
        return after, False

    def print_image(self, image: Image.Image, *, label: str = "ticket") -> PrintResult:
        job = build_job(image, self.width_dots)
        device = self._open()
        try:
            before = self._status_of(device)
            before.raise_if_not_ready()
            device._raw(job)
            after, confirmed = self._confirm(device, before)
        except PrinterError:
            raise
        except (EscposLibraryError, OSError, ValueError) as exc:
            raise PrintFailed(f"sending the ticket failed: {type(exc).__name__}") from exc
        finally:
            _close(device)
        warnings: list[str] = []
        if before.near_end or after.near_end:
            warnings.append("paper_near_end")
            log.warning("ticket printer paper near end (%s)", self.uri)
        if not confirmed:
            warnings.append("not_confirmed")
        log.info("ticket %s printed on %s (%d bytes)", label, self.uri, len(job))
        return PrintResult(self.uri, len(job), before, after, confirmed, None, tuple(warnings))


def _close(device: Escpos) -> None:
    try:
        device.close()
    except (EscposLibraryError, OSError) as exc:
        log.debug("closing printer: %s", type(exc).__name__)


class CupsTicketPrinter(TicketPrinter):
    """A CUPS queue, sent raw with ``lp -o raw``; CUPS cannot report paper status."""

    def __init__(
        self, queue: str, width_dots: int = 576, font_path: str | Path | None = None
    ) -> None:
        super().__init__(f"cups://{queue}", width_dots, font_path)
        self.queue = queue

    def _command(self, name: str) -> str:
        path = shutil.which(name)
        if path is None:
            raise PrinterOffline(
                f"{name} not found",
                th="ไม่พบโปรแกรม CUPS (cups-client) กรุณาแจ้งผู้ดูแลระบบ",
                en="The CUPS client (cups-client) is not installed. Please ask the administrator.",
            )
        return path

    def status(self) -> PrinterStatus:
        try:
            lpstat = self._command("lpstat")
        except PrinterOffline:
            return PrinterStatus.unreachable()
        try:
            # An argument list, no shell: the queue name cannot inject a command.
            done = subprocess.run(  # noqa: S603
                [lpstat, "-p", self.queue], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return PrinterStatus.unreachable()
        if done.returncode != 0:
            return PrinterStatus.unreachable()
        enabled = "disabled" not in done.stdout
        return PrinterStatus(True, enabled)

    def print_image(self, image: Image.Image, *, label: str = "ticket") -> PrintResult:
        lp = self._command("lp")
        before = self.status()
        before.raise_if_not_ready()
        job = build_job(image, self.width_dots)
        try:
            done = subprocess.run(  # noqa: S603 - argument list, no shell
                [lp, "-d", self.queue, "-o", "raw", "-t", f"queue-ticket-{label}"],
                input=job,
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrintFailed(f"lp failed: {type(exc).__name__}") from exc
        if done.returncode != 0:
            raise PrintFailed(f"lp exited with {done.returncode}")
        return PrintResult(self.uri, len(job), before, before, False, None, ("not_confirmed",))


def _hex_id(text: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise PrinterConfigError(f"USB id {text!r} is not hexadecimal") from None


def printer_from_uri(
    uri: str,
    *,
    width_dots: int = 576,
    font_path: str | Path | None = None,
    preview_dir: str | Path | None = None,
    status_timeout: float = 1.0,
    confirm_timeout: float = 5.0,
) -> TicketPrinter:
    """The printer a URI names. Nothing is opened until the first status or print."""
    if uri == "preview" or uri.startswith("preview:"):
        directory = uri.partition(":")[2].removeprefix("//") or preview_dir
        if not directory:
            raise PrinterConfigError("preview printer needs a directory")
        return PreviewPrinter(directory, width_dots, font_path)
    parts = urlsplit(uri)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    # ?status_timeout=S&confirm_timeout=S tune one printer; confirm_timeout=0 skips GS r.
    try:
        status_timeout = float(options.get("status_timeout", status_timeout))
        confirm_timeout = float(options.get("confirm_timeout", confirm_timeout))
    except ValueError:
        raise PrinterConfigError(f"bad timeout in printer URI {uri!r}") from None
    if not (0 < status_timeout <= 30 and 0 <= confirm_timeout <= 60):
        raise PrinterConfigError(f"timeouts out of range in printer URI {uri!r}")
    timeouts = {"status_timeout": status_timeout, "confirm_timeout": confirm_timeout}
    opener: Callable[[], Escpos]
    if parts.scheme == "tcp":
        host = parts.hostname or ""
        try:
            port = parts.port or 9100
        except ValueError:
            raise PrinterConfigError(f"bad port in printer URI {uri!r}") from None
        if not host:
            raise PrinterConfigError(f"printer URI {uri!r} has no host")

        def open_network() -> Escpos:
            printer = Network(host, port, timeout=max(status_timeout, confirm_timeout, 10))
            printer.open()
            return printer

        opener = open_network
    elif parts.scheme == "usb":
        vid, _, pid = parts.netloc.partition(":")
        vendor, product = _hex_id(vid), _hex_id(pid)
        in_ep = _hex_id(options.get("in_ep", "82"))
        out_ep = _hex_id(options.get("out_ep", "01"))

        def open_usb() -> Escpos:
            printer = Usb(vendor, product, timeout=10000, in_ep=in_ep, out_ep=out_ep)
            printer.open()
            return printer

        opener = open_usb
    elif parts.scheme == "serial":
        devfile = parts.path
        try:
            baud = int(options.get("baud", "9600"))
        except ValueError:
            raise PrinterConfigError(f"bad baud rate in printer URI {uri!r}") from None

        def open_serial() -> Escpos:
            printer = Serial(devfile, baudrate=baud, timeout=status_timeout)
            printer.open()
            return printer

        opener = open_serial
    elif parts.scheme == "file":
        path = Path(parts.path)

        def open_file() -> Escpos:
            # python-escpos would create a missing file; a missing device means offline.
            if not path.exists():
                raise PrinterOffline(f"device file {path} does not exist")
            printer = File(str(path))
            printer.open()
            return printer

        opener = open_file
    elif parts.scheme == "cups":
        queue = parts.netloc or parts.path.lstrip("/")
        if not queue:
            raise PrinterConfigError(f"printer URI {uri!r} names no CUPS queue")
        return CupsTicketPrinter(queue, width_dots, font_path)
    else:
        raise PrinterConfigError(f"unknown printer URI scheme {parts.scheme!r}")
    return EscposTicketPrinter(uri, opener, width_dots, font_path, **timeouts)


def printer_from_settings(settings: Settings) -> TicketPrinter:
    """The printer `common.config.Settings` describes (``[printer]``)."""
    config = settings.printer
    preview_dir = config.preview_dir or Path(settings.data_dir) / "tickets"
    return printer_from_uri(config.uri, width_dots=config.width_dots, preview_dir=preview_dir)
