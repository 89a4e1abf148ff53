"""A local sandbox of the reminder services, for the demo and the tests only.

One loopback HTTP server (port 0 = any free one) plays two services:

* a generic **SMS gateway**: ``POST /sms/send`` with ``Authorization: Bearer <key>``
  and JSON ``{to, message, reference}`` answers ``{"id": "..."}``; a wrong key is 401,
  a missing field 400;
* **MOPH IC** for หมอพร้อม: ``POST /token?Action=get_moph_access_token`` and
  ``POST /api/SendMessageTarget``, with tokens issued and checked by the MOPH
  sandbox's own :class:`~integrations.moph.sandbox.MophSandboxState`. The answer
  ``{"MessageCode": 200, "Message": "OK"}`` is our assumption: the real one is not public.

Control panel: ``GET /_sandbox/state`` (every message received), ``POST
/_sandbox/faults`` ``{"server_error": bool, "delay_s": float}``. Production code never
starts it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.moph.sandbox import MophHandler, MophSandboxServer, MophSandboxState, MophServer


@dataclass
class ReminderSandboxState:
    sms_api_key: str
    moph: MophSandboxState
    lock: threading.Lock = field(default_factory=threading.Lock)
    sms: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    server_error: bool = False
    delay_s: float = 0.0

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"sms": list(self.sms), "pushes": list(self.pushes)}


class _Handler(MophHandler):
    """The MOPH sandbox's request plumbing (quiet log, JSON answers) with our endpoints."""

    server: _Server

    def _handle(self, method: str) -> None:
        state = self.server.reminders
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if path == "/_sandbox/state" and method == "GET":
            self._json(200, state.snapshot())
            return
        if path == "/_sandbox/faults" and method == "POST" and isinstance(body, dict):
            state.server_error = bool(body.get("server_error"))
            state.delay_s = float(body.get("delay_s") or 0.0)
            self._json(200, {"ok": True})
            return
        if state.delay_s:
            time.sleep(state.delay_s)
        if state.server_error:
            self._json(503, {"message": "Service Unavailable"})
            return
        if not isinstance(body, dict):
            self._json(400, {"message": "invalid json"})
            return
        if path == "/sms/send" and method == "POST":
            self._sms(body)
        elif path == "/token" and method == "POST":
            if parse_qs(parts.query).get("Action") != ["get_moph_access_token"]:
                self._json(400, {"message": "bad request"})
                return
            token = state.moph.issue_token(body)
            if token is None:
                self._json(401, {"message": "invalid user or password"})
            else:
                self._send(200, token.encode(), "text/plain")
        elif path == "/api/SendMessageTarget" and method == "POST":
            self._push(body)
        else:
            self._json(404, {"message": "no such endpoint"})

    def _sms(self, body: dict[str, Any]) -> None:
        state = self.server.reminders
        if self.headers.get("Authorization", "") != f"Bearer {state.sms_api_key}":
            self._json(401, {"message": "bad api key"})
            return
        if not all(isinstance(body.get(k), str) and body.get(k) for k in ("to", "message")):
            self._json(400, {"message": "to and message are required"})
            return
        message_id = uuid.uuid4().hex
        with state.lock:
            state.sms.append({**body, "id": message_id})
        self._json(200, {"id": message_id, "status": "queued"})

    def _push(self, body: dict[str, Any]) -> None:
        state = self.server.reminders
        if not state.moph.token_ok(self.headers.get("Authorization", "")):
            self._json(401, {"MessageCode": 401, "Message": "Unauthorized"})
            return
        targets = body.get("target")
        hospital = body.get("hospital")
        if not (
            isinstance(targets, list)
            and targets
            and isinstance(hospital, dict)
            and hospital.get("hospital_code") == state.moph.hospital_code
            and body.get("message_title")
        ):
            self._json(200, {"MessageCode": 400, "Message": "target, hospital, title required"})
            return
        with state.lock:
            state.pushes.append(body)
        self._json(200, {"MessageCode": 200, "Message": "OK"})


class _Server(MophServer):
    def __init__(self, address: tuple[str, int], state: ReminderSandboxState) -> None:
        ThreadingHTTPServer.__init__(self, address, _Handler)
        self.state = state.moph
        self.reminders = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that timed out on purpose (fault tests) is not news


class ReminderSandbox(MophSandboxServer):
    """``with ReminderSandbox(state) as box:`` serves on ``box.url`` until exit."""

    def __init__(self, state: ReminderSandboxState, *, host: str = "127.0.0.1", port: int = 0):
        self.state = state.moph
        self.reminders = state
        self._server = _Server((host, port), state)
        self._thread = None

    @property
    def sms_url(self) -> str:
        return self.url + "/sms/send"

    def serve_until_interrupted(self) -> None:
        """Serve in this thread until Ctrl-C / SIGINT (the demo's foreground use)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def __enter__(self) -> ReminderSandbox:
        self.start()
        return self
