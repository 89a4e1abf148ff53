"""An unhandled error in a sandbox answers a generic 500 and logs only its type.

Python's default handler prints the traceback, whose message may quote request data
(a citizen ID in a path, a header value). The trigger here is a Content-Length that
is not a number: ``int()``'s message would quote it.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from urllib.parse import urlsplit

import pytest

from backoffice.reminders.sandbox import ReminderSandbox, ReminderSandboxState
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState
from integrations.nhso.sandbox import SandboxServer

pytestmark = pytest.mark.integration

MARKER = "1909900123450"


@contextmanager
def nhso() -> Iterator[str]:
    server = SandboxServer(port=0).start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def moph() -> Iterator[str]:
    with MophSandboxServer(MophSandboxState("u1", "p1", "99901")) as server:
        yield server.url


@contextmanager
def reminders() -> Iterator[str]:
    with ReminderSandbox(ReminderSandboxState("k", MophSandboxState("u1", "p1", "99901"))) as box:
        yield box.url


def raw_request(url: str, request: bytes) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("start", [nhso, moph, reminders])
def test_unhandled_error_is_a_generic_500_logged_by_type(
    start: Callable[[], AbstractContextManager[str]],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Only pytest's handler: a stale one from another test (a closed stream) would
    # print "--- Logging error ---" with a traceback of its own.
    monkeypatch.setattr(logging.getLogger(), "handlers", [caplog.handler])
    request = (
        f"POST /api/nhso-service/confirm-save HTTP/1.1\r\nHost: x\r\n"
        f"Content-Length: {MARKER}x\r\nConnection: close\r\n\r\n"
    ).encode()
    with start() as url:
        answer = raw_request(url, request)
    assert answer.startswith(b"HTTP/1.") and b" 500 " in answer.split(b"\r\n", 1)[0]
    assert MARKER.encode() not in answer and b"Traceback" not in answer
    captured = capfd.readouterr()
    assert MARKER not in captured.out + captured.err and "Traceback" not in captured.err
    assert MARKER not in caplog.text and "Traceback" not in caplog.text
    assert "ValueError" in caplog.text
