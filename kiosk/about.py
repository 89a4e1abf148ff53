"""What staff need to tell the kiosk apart: its software version and its network address.

Both go into the health file, so that the backoffice shows them beside the kiosk's
status (a support call starts with "which version, which address?"). Nothing here
sends a packet: the address is the one the kernel would use for the default route,
else the first interface's.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import socket
import struct

PACKAGE = "jhcis-kiosk"
# TEST-NET-1 (RFC 5737): never answers, never routed anywhere real. A UDP connect()
# to it only asks the kernel which source address the default route would use.
_ROUTE_PROBE = ("192.0.2.1", 9)
_SIOCGIFADDR = 0x8915


def software_version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _default_route_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(_ROUTE_PROBE)
        except OSError:  # no default route
            return None
        address = str(sock.getsockname()[0])
    return None if address.startswith(("0.", "127.")) else address


def _interface_address() -> str | None:
    """The first IPv4 address of an interface other than loopback (a LAN with no gateway)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _index, name in socket.if_nameindex():
            if name == "lo":
                continue
            request = struct.pack("256s", name[:15].encode())
            try:
                reply = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)
            except OSError:  # down, or no IPv4 address
                continue
            return socket.inet_ntoa(reply[20:24])
    return None


def local_address() -> str | None:
    """The kiosk's IPv4 address on the clinic's network; None when it has none."""
    return _default_route_address() or _interface_address()
