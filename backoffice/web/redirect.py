"""Plain HTTP that only redirects to the HTTPS backoffice (the appliance's port 8080).

Staff bookmarks and typed addresses keep working, and no page, form or cookie is
ever served in clear: every request gets a 308 to the same path on the HTTPS port.
The Host header decides the name in the redirect only when it is a plain host name or
address; anything else falls back to the server's own name.
"""

from __future__ import annotations

import re
import socket

from starlette.types import Receive, Scope, Send

from backoffice.web.framework import CSP

_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


def https_location(host_header: str, https_port: int, path: str, query: str) -> str:
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    if not _HOST.fullmatch(host):
        host = socket.gethostname()
    port = "" if https_port == 443 else f":{https_port}"
    target = path if path.startswith("/") and not path.startswith("//") else "/"
    return f"https://{host}{port}{target}" + (f"?{query}" if query else "")


class RedirectToHttps:
    """An ASGI app answering every HTTP request with a redirect to `https_port`."""

    def __init__(self, https_port: int) -> None:
        self.https_port = https_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        location = https_location(
            headers.get("host", ""),
            self.https_port,
            str(scope.get("path", "/")),
            bytes(scope.get("query_string", b"")).decode("latin-1"),
        )
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [
                    (b"location", location.encode("latin-1")),
                    (b"content-length", b"0"),
                    (b"cache-control", b"no-store"),
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
