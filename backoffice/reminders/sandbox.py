"""A local sandbox of the reminder services, for the demo and the tests only.

One loopback HTTP server (port 0 = any free one) plays:

* a generic **SMS gateway**: ``POST /sms/send`` with ``Authorization: Bearer <key>``
  and JSON ``{to, message, reference}`` answers ``{"id": "..."}``; a wrong key is 401,
  a missing field 400;
* **every MOPH endpoint** of :mod:`integrations.moph.sandbox` (token, MOPH Claim, FDH,
  MOPH IC with หมอพร้อม's ``SendMessageTarget``, ``ImmunizationTarget`` and
  ``UpdateImmunization``, MOPH-PHR), with its state, faults and control panel: the
  same URL serves as ``moph.base_url``, ``moph.ic_base_url`` and ``moph.phr_base_url``.
  The หมอพร้อม answer ``{"MessageCode": 200, "Message": "OK"}`` is our assumption.

The MOPH sandbox's faults (``POST /_sandbox/faults``) apply to the SMS gateway too.
Production code never starts it.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from integrations.moph.sandbox import MophHandler, MophSandboxServer, MophSandboxState, MophServer


@dataclass
class ReminderSandboxState:
    sms_api_key: str
    moph: MophSandboxState
    lock: threading.Lock = field(default_factory=threading.Lock)
    sms: list[dict[str, Any]] = field(default_factory=list)

    def snapshot(self) -> dict[str, Any]:
        pushes = self.moph.ic_state.pushes
        with self.lock:
            return {"sms": list(self.sms), "pushes": list(pushes)}


class _Handler(MophHandler):
    """The MOPH sandbox's routes plus the SMS gateway's."""

    server: _Server

    def _extra_route(self, method: str, path: str, body: Any) -> bool:
        if not (path == "/sms/send" and method == "POST"):
            return False
        state = self.server.reminders
        if self.headers.get("Authorization", "") != f"Bearer {state.sms_api_key}":
            self._json(401, {"message": "bad api key"})
        elif not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) and body.get(k) for k in ("to", "message")
        ):
            self._json(400, {"message": "to and message are required"})
        else:
            message_id = uuid.uuid4().hex
            with state.lock:
                state.sms.append({**body, "id": message_id})
            self._json(200, {"id": message_id, "status": "queued"})
        return True


class _Server(MophServer):
    reminders: ReminderSandboxState

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that timed out on purpose (fault tests) is not news


class ReminderSandbox(MophSandboxServer):
    """``with ReminderSandbox(state) as box:`` serves on ``box.url`` until exit."""

    def __init__(self, state: ReminderSandboxState, *, host: str = "127.0.0.1", port: int = 0):
        super().__init__(state.moph, host=host, port=port, handler=_Handler, server_class=_Server)
        self.reminders = state
        assert isinstance(self._server, _Server)
        self._server.reminders = state

    @property
    def sms_url(self) -> str:
        return self.url + "/sms/send"

    def __enter__(self) -> ReminderSandbox:
        self.start()
        return self
