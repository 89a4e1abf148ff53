"""Which printer URIs a configuration may name: an allow-list, not a scheme prefix.

A printer URI decides where the kiosk writes bytes. ``file:///any/file`` would let
whoever sets it overwrite a file the service user can write, and a ``tcp://`` to any
host and port turns a reprint into a connection to anywhere. So:

* ``file://`` only names a printer device (``/dev/usb/lpN``, ``/dev/lpN``);
* ``serial://`` only a serial device (``/dev/ttyS*``, ``ttyUSB*``, ``ttyACM*``,
  ``/dev/serial/by-id/...``), with the options the printer layer knows;
* ``usb://VID:PID`` hex ids; ``cups://QUEUE`` a plain queue name; ``preview``;
* ``tcp://HOST[:PORT]`` a host name or address, no user, path or fragment.

What the settings page may set (``remote=True``) is narrower still: a network printer
on the raw printing ports 9100-9109 and not on this machine itself (loopback) nor a
link-local address. The configuration file, written by the clinic's IT on the
appliance, may name any port (the loopback printer of the demo and tests uses one).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

SCHEMES = ("preview", "tcp://", "usb://", "serial://", "file://", "cups://")
PRINTER_DEVICES = re.compile(r"/dev/(usb/lp\d{1,2}|lp\d{1,2})")
SERIAL_DEVICES = re.compile(r"/dev/(tty(S|USB|ACM)\d{1,3}|serial/by-id/[A-Za-z0-9._:+-]{1,120})")
USB_ID = re.compile(r"(0x)?[0-9A-Fa-f]{1,4}:(0x)?[0-9A-Fa-f]{1,4}")
CUPS_QUEUE = re.compile(r"[A-Za-z0-9_.-]{1,127}")
HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*")
RAW_PRINT_PORTS = range(9100, 9110)
OPTION_NAMES = frozenset({"baud", "in_ep", "out_ep", "status_timeout", "confirm_timeout"})


def check_printer_uri(value: str, *, remote: bool = False) -> str:
    """`value` if it is an allowed printer URI; else ValueError saying what is allowed."""
    if value == "preview":
        return value
    if not value.startswith(SCHEMES[1:]) or any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError(f"unknown printer URI; expected one of {', '.join(SCHEMES)}")
    parts = urlsplit(value)
    if parts.fragment or parts.username or parts.password:
        raise ValueError("a printer URI has no user, password or #fragment")
    _check_options(parts.query)
    scheme = parts.scheme
    if scheme == "tcp":
        return _check_tcp(value, parts.hostname or "", parts.path, remote=remote)
    if scheme == "file":
        if parts.netloc or not PRINTER_DEVICES.fullmatch(parts.path):
            raise ValueError("file:// may only name a printer device: /dev/usb/lpN or /dev/lpN")
    elif scheme == "serial":
        if parts.netloc or not SERIAL_DEVICES.fullmatch(parts.path):
            raise ValueError(
                "serial:// may only name a serial device: /dev/ttyS*, /dev/ttyUSB*, "
                "/dev/ttyACM* or /dev/serial/by-id/..."
            )
    elif scheme == "usb":
        if parts.path or not USB_ID.fullmatch(parts.netloc):
            raise ValueError("usb:// needs VID:PID in hex, e.g. usb://04b8:0e15")
    elif scheme == "cups" and (parts.path or not CUPS_QUEUE.fullmatch(parts.netloc)):
        raise ValueError("cups:// needs a queue name of letters, digits, '_', '-' or '.'")
    return value


def _check_tcp(value: str, host: str, path: str, *, remote: bool) -> str:
    if path not in ("", "/") or not host:
        raise ValueError("tcp:// needs HOST[:PORT] and nothing after it")
    try:
        port = urlsplit(value).port
    except ValueError:
        raise ValueError("tcp:// port must be a number 1-65535") from None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
        if not HOST_NAME.fullmatch(host):
            raise ValueError("tcp:// host must be a host name or an IP address") from None
    if remote:
        if (port or 9100) not in RAW_PRINT_PORTS:
            raise ValueError("from the settings page a network printer uses port 9100-9109")
        local = host.lower() == "localhost" or (
            address is not None
            and (address.is_loopback or address.is_link_local or address.is_unspecified)
        )
        if local:
            raise ValueError("from the settings page a network printer cannot be this machine")
    return value


def _check_options(query: str) -> None:
    for pair in filter(None, query.split("&")):
        name = pair.split("=", 1)[0]
        if name not in OPTION_NAMES:
            raise ValueError(f"unknown printer option: {name[:20]}")
