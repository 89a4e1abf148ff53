"""Unhandled errors in our small test servers (sandboxes, loopback printer), kept quiet.

Python's socketserver prints the whole traceback of an unhandled error on stderr, and
its message may quote what the request carried (a citizen ID in a path, a header
value). Here the client gets a generic 500 and the log gets the exception's type only.
"""

from __future__ import annotations

import logging
import sys
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

log = logging.getLogger(__name__)

_BODY = b'{"status": 500, "error": "Internal Server Error"}'


def log_unhandled(where: str) -> None:
    """Log the exception being handled by its type only (never its message)."""
    exc = sys.exc_info()[1]
    log.error("%s: unhandled %s", where, type(exc).__name__ if exc else "error")


class TypeOnlyErrors:
    """Mixin for a socketserver server: replaces the traceback printout."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        log_unhandled(type(self).__name__)


# A mixin before BaseHTTPRequestHandler in the bases (the type checker sees the handler).
if TYPE_CHECKING:
    _Handler = BaseHTTPRequestHandler
else:
    _Handler = object


class GenericErrors(_Handler):
    """Mixin for an HTTP handler: unhandled errors answer a generic 500 (logged by type)."""

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except Exception:
            log_unhandled(type(self).__name__)
            self.close_connection = True
            try:
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(_BODY)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(_BODY)
            except OSError:
                pass  # the client is gone: nothing to answer
