"""socketserver servers with TypeOnlyErrors log an unhandled error's type, no traceback."""

from __future__ import annotations

import logging
import socket
import socketserver
import threading

import pytest

from common.server_errors import TypeOnlyErrors
from hardware.printer import loopback

MARKER = "1909900123450"


class _Raising(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        raise ValueError(f"bad ticket for {MARKER}")


class _Server(TypeOnlyErrors, socketserver.ThreadingTCPServer):
    daemon_threads = True


def test_unhandled_error_logged_by_type_only(
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Only pytest's handler: a stale one from another test (a closed stream) would
    # print "--- Logging error ---" with a traceback of its own.
    monkeypatch.setattr(logging.getLogger(), "handlers", [caplog.handler])
    with _Server(("127.0.0.1", 0), _Raising) as server:
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        with socket.create_connection(server.server_address[:2], timeout=5) as sock:
            sock.sendall(b"x")
            sock.recv(10)  # closed by the server after the error
        server.shutdown()
        thread.join(5)
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and MARKER not in captured.err + caplog.text
    assert "unhandled ValueError" in caplog.text


def test_the_loopback_printer_uses_it() -> None:
    assert issubclass(loopback._Server, TypeOnlyErrors)
