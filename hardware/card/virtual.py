"""A virtual Thai ID card for pcscd's vsmartcard-vpcd driver (tests and the demo).

vpcd listens on TCP (35963 for slot 0, 35964 for slot 1); a card is "inserted"
while a client is connected to it. Every message either way is a 2-byte
big-endian length and a payload. A 1-byte payload from vpcd is a control byte:
0 power off, 1 power on, 2 reset (no reply to these three), 4 get ATR (reply:
the ATR). Anything longer is a command APDU, answered with a response APDU.

Never started by product code unless the configuration asks for the simulator;
never enabled on the appliance image (vpcd listens on every interface).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

from .applet import CardPulled, Fault, ThaiIdApplet
from .profile import CardProfile

log = logging.getLogger(__name__)

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963


class VirtualCardError(RuntimeError):
    """The virtual card could not be put in the virtual reader."""


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        _quick_ack(sock)
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _quick_ack(sock: socket.socket) -> None:
    # vpcd writes the length and the payload of a message separately; with Nagle on
    # its side and delayed ACKs on ours every exchange would stall ~40 ms. Linux
    # forgets TCP_QUICKACK after a while, so it is set again before each read.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class VirtualCard:
    """A card served from ``profile`` in the vpcd slot at ``host:port``.

    ``start()`` inserts it; ``remove()``/``insert()`` take it out and put it back;
    ``stop()`` removes it for good. ``latency_ms`` delays every APDU answer;
    ``fault`` (see :class:`~hardware.card.applet.Fault`) makes the card misbehave and
    may be changed between reads. ``exchanges`` counts the APDUs served.
    """

    def __init__(
        self,
        profile: CardProfile | Path | str,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        latency_ms: float = 0,
        fault: Fault | str = Fault.NONE,
    ) -> None:
        if not isinstance(profile, CardProfile):
            profile = CardProfile.load(profile)
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.applet = ThaiIdApplet(profile, Fault(fault))
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._powered = threading.Event()

    # -- control -----------------------------------------------------------------

    @property
    def fault(self) -> Fault:
        return self.applet.fault

    @fault.setter
    def fault(self, fault: Fault | str) -> None:
        self.applet.fault = Fault(fault)

    @property
    def exchanges(self) -> int:
        return self.applet.exchanges

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def start(self, *, inserted: bool = True, timeout: float = 5.0) -> VirtualCard:
        if inserted:
            self.insert(timeout=timeout)
        return self

    def insert(self, *, wait: bool = True, timeout: float = 5.0) -> None:
        """Connect to vpcd; with ``wait``, until pcscd has asked for the ATR."""
        with self._lock:
            if self._sock is not None:
                return
            self.applet.exchanges = 0
            self.applet.reset()
            self._powered.clear()
            try:
                sock = socket.create_connection((self.host, self.port), timeout=timeout)
            except OSError as exc:
                raise VirtualCardError(
                    f"vpcd not listening on {self.host}:{self.port} ({exc.strerror})"
                ) from None
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._thread = threading.Thread(
                target=self._serve, args=(sock,), name=f"vicc-{self.port}", daemon=True
            )
            self._thread.start()
        if wait and not self._powered.wait(timeout):
            self.remove()
            raise VirtualCardError(
                f"vpcd on port {self.port} did not pick up the card: "
                "is the slot used by another virtual card, or pcscd not running?"
            )

    def remove(self) -> None:
        """Take the card out (close the connection); pcscd notices on its next poll."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = None
            self._thread = None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def stop(self) -> None:
        self.remove()

    def __enter__(self) -> VirtualCard:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the vpcd conversation -----------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    break
                payload = _recv_exact(sock, int.from_bytes(header, "big"))
                if payload is None:
                    break
                reply = self._answer(payload)
                if reply is not None:
                    sock.sendall(len(reply).to_bytes(2, "big") + reply)
        except CardPulled:
            log.info("virtual card on port %d pulled mid-read (fault)", self.port)
        except OSError:
            pass  # removed by remove(), or vpcd went away
        finally:
            with self._lock:
                if self._sock is sock:
                    self._sock = None
                    self._thread = None
            sock.close()

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            control = payload[0]
            if control in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                self.applet.reset()
                return None
            if control == CTRL_ATR:
                self._powered.set()
                return self.applet.atr
            log.warning("vpcd sent unknown control byte %d", control)
            return None
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000)
        return self.applet.process(payload)
