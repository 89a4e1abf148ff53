"""systemd readiness and watchdog: ``Type=notify`` with ``WatchdogSec=``.

Uses systemd-python's ``daemon.notify`` when installed (the appliance extra); otherwise
speaks the sd_notify datagram protocol directly, which is a few lines. Both are no-ops
when the process was not started by systemd (no ``NOTIFY_SOCKET``).
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send e.g. "READY=1", "WATCHDOG=1", "STOPPING=1"; True if systemd was told."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return False
    try:
        from systemd import daemon  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _notify_socket(path, message)
    try:
        return bool(daemon.notify(message))
    except OSError as exc:
        log.warning("systemd notify failed: %s", type(exc).__name__)
        return False


def _notify_socket(path: str, message: str) -> bool:
    address = "\0" + path[1:] if path.startswith("@") else path
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as exc:
        log.warning("systemd notify failed: %s", type(exc).__name__)
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half the watchdog period systemd expects pings in, or None without a watchdog."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        period = int(usec) / 1_000_000
    except ValueError:
        return None
    return period / 2 if period > 0 else None
