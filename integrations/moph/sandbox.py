"""The MOPH sandbox: Account Center, MOPH Claim, FDH, MOPH IC and MOPH-PHR, for demos and tests.

It speaks the shapes of reference §4.1-§4.4 and of the PHR API specification over real
HTTP on a loopback port (port 0 = any free one), all on one host, so one URL serves as
``moph.base_url``, ``moph.ic_base_url`` and ``moph.phr_base_url``:

* the token endpoint checks ``user``, the uppercase ``password_hash`` and
  ``hospital_code`` and answers a JWT-shaped token (not signed: nothing here is a
  security boundary) with a configurable lifetime;
* MOPH Claim: the three submission endpoints validate their required fields, refuse
  duplicates and hand out a ``transaction_uid``; the status endpoint reports what the
  control panel set; FDH's 16-file upload is judged by the independent checker;
* MOPH IC (:mod:`.sandbox_ic`): ImmunizationTarget, UpdateImmunization, SendMessageTarget;
* MOPH-PHR (:mod:`.sandbox_phr`): UpdatePHRv1, OrganizationSummary.

What the real services answer on a duplicate or a bad field is not public; the
sandbox's choices (MOPH Claim: HTTP 200, ``status`` "409"/"400", a "duplicate"/"ซ้ำ"
message; IC and PHR: HTTP 200 with ``MessageCode`` 400) are assumptions the clients
treat as such.

Control panel (``/_sandbox/...``): ``GET state``; ``POST expire`` (every issued token
becomes invalid, as when a token expires); ``POST faults`` (:mod:`.sandbox_kit`);
``POST status`` ``{"transaction_uid", "status", "status_th"}``; ``POST ic/history``
``{"cid", "doses"}``; ``POST phr/token`` ``{"token": "HCODE:TOKEN"}``.
Production code never starts it unless the configuration says so explicitly.
"""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import json
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from common.server_errors import GenericErrors, TypeOnlyErrors
from integrations.claim_check import check_batch
from integrations.moph import sandbox_ic, sandbox_phr
from integrations.moph.client import password_hash
from integrations.moph.sandbox_ic import IcSandbox
from integrations.moph.sandbox_kit import Call, Faults
from integrations.moph.sandbox_phr import PhrSandbox

REQUIRED: dict[str, tuple[str, ...]] = {
    "dmht": ("hn", "pid", "hcode", "visit_date_time", "diagnosis", "claim_services"),
    "epi": ("hn", "pid", "hcode", "visit_date_time", "vaccine"),
    "dt": ("hn", "pid", "hcode", "visit_date_time", "vaccine"),
}


@dataclass
class Submission:
    kind: str
    transaction_uid: str
    body: dict[str, Any]
    status: str = "WAITING"
    status_th: str = "รอตรวจสอบ"


@dataclass
class MophSandboxState:
    user: str
    password: str
    hospital_code: str
    token_lifetime_s: int = 18000  # 5 h, as the public token showed
    clock: Any = time.time
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry
    submissions: list[Submission] = field(default_factory=list)
    uploads: list[list[str]] = field(default_factory=list)
    token_requests: int = 0
    faults: Faults = field(default_factory=Faults)
    ic: IcSandbox | None = None
    phr: PhrSandbox | None = None
    _serial: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.ic = self.ic or IcSandbox(self.hospital_code)
        self.phr = self.phr or PhrSandbox(self.hospital_code)

    @property
    def ic_state(self) -> IcSandbox:
        assert self.ic is not None
        return self.ic

    @property
    def phr_state(self) -> PhrSandbox:
        assert self.phr is not None
        return self.phr

    def issue_token(self, body: dict[str, Any]) -> str | None:
        with self.lock:
            self.token_requests += 1
            ok = (
                body.get("user") == self.user
                and body.get("password_hash") == password_hash(self.password)
                and body.get("hospital_code") == self.hospital_code
            )
            if not ok:
                return None
            now = self.clock()
            payload = {
                "iss": "MOPH Account Center (sandbox)",
                "aud": "MOPH API",
                "iat": int(now),
                "exp": int(now) + self.token_lifetime_s,
                "n": next(self._serial),
                "scope": ["MOPH_CLAIM", "MOPH_CLAIM_API"],
            }
            token = ".".join(
                _b64(part)
                for part in (
                    {"alg": "none", "typ": "JWT"},
                    payload,
                    {"sandbox": True},
                )
            )
            self.tokens[token] = now + self.token_lifetime_s
            return token

    def token_ok(self, header: str) -> bool:
        token = header.removeprefix("Bearer ").strip()
        with self.lock:
            expiry = self.tokens.get(token)
            return expiry is not None and self.clock() < expiry

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def submit(self, kind: str, body: dict[str, Any]) -> tuple[str, str, str]:
        """(status, message_th, transaction_uid)."""
        with self.lock:
            missing = [name for name in REQUIRED[kind] if body.get(name) in (None, "", [])]
            if missing:
                return "400", f"กรุณาระบุ {', '.join(missing)}", ""
            key = _dedupe_key(kind, body)
            if any(_dedupe_key(s.kind, s.body) == key for s in self.submissions):
                return "409", "ข้อมูลซ้ำ (duplicate)", ""
            uid = str(uuid.uuid4())
            self.submissions.append(Submission(kind, uid, body))
            return "200", "สำเร็จ", uid

    def receive_upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        """FDH 16-file upload: the names of the ``file`` parts, and ``type``."""
        message = email.message_from_bytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw,
            policy=email.policy.HTTP,
        )
        files: dict[str, bytes] = {}
        kind = ""
        for part in message.iter_parts():
            field_name = part.get_param("name", header="content-disposition")
            if field_name == "file":
                payload = part.get_payload(decode=True)
                files[Path(str(part.get_filename())).name] = (
                    payload if isinstance(payload, bytes) else b""
                )
            elif field_name == "type":
                kind = str(part.get_content()).strip()
        names = list(files)
        with self.lock:
            self.uploads.append(names)
        if kind != "txt" or not names:
            return {"status": "400", "message": "type=txt and at least one file required"}
        problems = _checked(files)
        if problems:
            return {"status": "400", "message": problems, "message_th": "ไฟล์ไม่ผ่านการตรวจ"}
        return {"status": "200", "message": "success", "message_th": "สำเร็จ", "files": names}

    def find(self, uid: str) -> Submission | None:
        with self.lock:
            return next((s for s in self.submissions if s.transaction_uid == uid), None)


def _checked(files: dict[str, bytes]) -> str:
    """The files judged by the independent checker (issue 18) as one batch: "" when it
    finds no error, else the first errors by file, line, field and rule."""
    with tempfile.TemporaryDirectory(prefix="fdh-sandbox-") as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        report = check_batch(Path(folder))
    if report.ok:
        return ""
    return f"{report.error_count} error(s): " + "; ".join(p.where for p in report.errors[:5])


def _dedupe_key(kind: str, body: dict[str, Any]) -> tuple[str, ...]:
    flags = (str(body.get("is_used_dm", "")), str(body.get("is_used_ht", "")))
    return (
        kind,
        str(body.get("hcode")),
        str(body.get("pid")),
        str(body.get("visit_date_time")),
        *flags,
    )


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class MophHandler(GenericErrors, BaseHTTPRequestHandler):
    """Every MOPH route; a subclass adds its own through :meth:`_extra_route` (the
    reminders' SMS gateway)."""

    server: MophServer
    _raw: bytes = b""
    _lose: bool = False

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        return  # request lines may carry a citizen ID (ImmunizationTarget): stay quiet

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self._raw = raw
        if self.headers.get("Content-Type", "").startswith("multipart/"):
            return {}
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def _extra_route(self, method: str, path: str, body: Any) -> bool:
        return False

    def _handle(self, method: str) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        query = parse_qs(parts.query)
        body = self._body() if method == "POST" else {}
        if path.startswith("/_sandbox/"):
            self._control(method, path, body)
            return
        faults = state.faults
        if faults.applies(path) and faults.delay_s:
            time.sleep(faults.delay_s)
        if faults.applies(path) and faults.server_error:
            self._json(503, {"status": "503", "message": "Service Unavailable"})
            return
        if faults.take("rate_limit", path):
            self._json(429, {"MessageCode": 429, "Message": "Too Many Requests"})
            return
        self._lose = faults.take("lose_answer", path)
        if path == "/token" and method == "POST":
            self._token(query, body)
            return
        if self._extra_route(method, path, body):
            return
        header = self.headers.get("Authorization", "")
        call = Call(
            method, path, query, body, header.removeprefix("Bearer ").strip(),
            state.token_ok(header), self._json, faults,
        )  # fmt: skip
        if sandbox_phr.route(state.phr_state, call):
            return
        if not call.jwt_ok:
            self._json(401, {"status": "401", "MessageCode": 401, "message": "Unauthorized"})
            return
        if sandbox_ic.route(state.ic_state, call):
            return
        self._claim(method, path, body)

    def _token(self, query: dict[str, list[str]], body: Any) -> None:
        if query.get("Action") != ["get_moph_access_token"] or not isinstance(body, dict):
            self._json(400, {"message": "bad request"})
            return
        token = self.server.state.issue_token(body)
        if token is None:
            self._json(401, {"message": "invalid user or password"})
        else:
            self._text(200, token)

    def _claim(self, method: str, path: str, body: Any) -> None:
        state = self.server.state
        prefix = "/api/v1/opd/service-admissions/"
        if method == "POST" and path.startswith(prefix) and path[len(prefix) :] in REQUIRED:
            if not isinstance(body, dict):
                self._json(400, {"status": "400", "message": "invalid json"})
                return
            status, message_th, uid = state.submit(path[len(prefix) :], body)
            data = {"transaction_uid": uid} if uid else None
            message = (
                "success" if status == "200" else ("duplicate" if status == "409" else "error")
            )
            self._json(
                200, {"status": status, "message": message, "message_th": message_th, "data": data}
            )
            return
        if method == "POST" and path == "/api/v2/data_hub/16_files":
            self._json(200, state.receive_upload(self.headers.get("Content-Type", ""), self._raw))
            return
        status_prefix = "/api/v1/opd/service-transactions/"
        if method == "GET" and path.startswith(status_prefix) and path.endswith("/status"):
            uid = path[len(status_prefix) : -len("/status")]
            found = state.find(uid)
            if found is None:
                self._json(200, {"status": "404", "message": "not found", "data": None})
            else:
                self._json(
                    200,
                    {"status": "200", "message": "success",
                     "data": {"status": found.status, "status_th": found.status_th}},
                )  # fmt: skip
            return
        self._json(404, {"message": "no such endpoint"})

    def _snapshot(self) -> dict[str, Any]:
        state = self.server.state
        with state.lock:
            return {
                "token_requests": state.token_requests,
                "submissions": [
                    {"kind": s.kind, "transaction_uid": s.transaction_uid,
                     "status": s.status, "body": s.body}
                    for s in state.submissions
                ],
                "phr": state.phr_state.snapshot(),
                "ic": state.ic_state.snapshot(),
            }  # fmt: skip

    def _control(self, method: str, path: str, body: Any) -> None:
        state = self.server.state
        data = body if isinstance(body, dict) else {}
        if path == "/_sandbox/state" and method == "GET":
            self._json(200, self._snapshot())
        elif path == "/_sandbox/expire" and method == "POST":
            state.expire_tokens()
            self._json(200, {"ok": True})
        elif path == "/_sandbox/faults" and method == "POST":
            state.faults = Faults.from_body(data)
            self._json(200, {"ok": True})
        elif path == "/_sandbox/ic/history" and method == "POST":
            state.ic_state.add_doses(str(data.get("cid") or ""), list(data.get("doses") or []))
            self._json(200, {"ok": True})
        elif path == "/_sandbox/phr/token" and method == "POST":
            state.phr_state.fixed_tokens.add(str(data.get("token") or ""))
            self._json(200, {"ok": True})
        elif path == "/_sandbox/status" and method == "POST":
            found = state.find(str(data.get("transaction_uid")))
            if found is None:
                self._json(404, {"ok": False})
                return
            found.status = str(data.get("status") or found.status)
            found.status_th = str(data.get("status_th") or "")
            self._json(200, {"ok": True})
        else:
            self._json(404, {"message": "no such control"})

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json")

    def _text(self, status: int, text: str) -> None:
        self._send(status, text.encode(), "text/plain")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        if self._lose:
            # The request was handled; its answer is "lost on the way back".
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class MophServer(TypeOnlyErrors, ThreadingHTTPServer):
    """One sandbox state served over HTTP with `handler` (a subclass adds routes)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        state: MophSandboxState,
        handler: type[MophHandler] = MophHandler,
    ) -> None:
        super().__init__(address, handler)
        self.state = state


class MophSandboxServer:
    """``with MophSandboxServer(...) as sandbox:`` serves on ``sandbox.url`` until exit."""

    def __init__(
        self,
        state: MophSandboxState,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        handler: type[MophHandler] = MophHandler,
        server_class: type[MophServer] = MophServer,
    ) -> None:
        self.state = state
        self._server = server_class((host, port), state, handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MophSandboxServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="moph-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_until_interrupted(self) -> None:
        """Serve in this thread until Ctrl-C / SIGINT (the demo's foreground use)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def __enter__(self) -> MophSandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
