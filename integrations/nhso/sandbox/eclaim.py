"""The sandbox's NHSO e-Claim API (``/FMU/ecimp/v1/auth`` and ``/FMU/ecimp/v1/send``).

It checks what it receives the way we expect NHSO to (reference §4.4): a DCenter
user name and password for a token; on ``send`` the Bearer token, a
``User-Agent: <platform>/<version> <hcode>``, the request size (10,000,000 bytes),
every top-level key, all 17 file keys each with ``blobName``, ``blobType``, a
``blob`` that is strict base64 of exactly ``size`` bytes, an ``encoding`` it can decode
(``windows-874``/``TIS-620``/``UTF-8``); then the files themselves with
:mod:`integrations.claim_check`, the checker written from the published layouts and
code lists independently of our writer (issue 18): any error it finds refuses the
request, naming file, line, field and rule; and every INS right must belong to the
request's ``maininscl``.

Duplicates: visits (hcode, SEQ) once imported are refused with HTTP 409 unless the
request says ``importDup``, which replaces them. NHSO's real duplicate answer and its
wording are not public: this shape is our assumption (the client keys on "ซ้ำ"/
"duplicate" in the message, whatever the status).

Tokens live until :meth:`EclaimSandbox.expire_tokens` (or ``token_lifetime_s``); the
real lifetime is not public either.
"""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from integrations.claim_check import check_batch
from integrations.claim_check.eclaim_spec import FILES

DEFAULT_ECLAIM_USERNAME = "sandbox-dcenter"
DEFAULT_ECLAIM_PASSWORD = "sandbox-dcenter-password"  # noqa: S105 - the sandbox's public test login
MAX_BYTES = 10_000_000
AUTH_PATH = re.compile(r"/FMU/ecimp/v1/auth/?")
SEND_PATH = re.compile(r"/FMU/ecimp/v1/send/?")

KEYS: dict[str, str] = {("lab" if f.name == "LABFU" else f.name.lower()): f.name for f in FILES}
# How many of the checker's errors a refusal names.
SHOWN_ERRORS = 5
TOP_LEVEL = ("fileType", "maininscl", "dataTypes", "opRefer", "importDup", "assignToMe", "file")
RIGHTS: dict[str, frozenset[str]] = {
    "UCS": frozenset({"UCS", "WEL"}),
    "OFC": frozenset({"OFC"}),
    "LGO": frozenset({"LGO"}),
    "SSS": frozenset({"SSS"}),
}
CODECS = {"utf-8": "utf-8", "windows-874": "cp874", "tis-620": "cp874", "x-windows-874": "cp874"}
_AGENT_RE = re.compile(r"^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+ (?P<hcode>\d{5})$")

Answer = tuple[int, dict[str, Any]]


class Invalid(Exception):
    """The request is wrong; `message` says how (it names fields, never values)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class EclaimUpload:
    hcode: str
    maininscl: str
    import_dup: bool
    data_types: list[str]
    encoding: str
    user_agent: str
    visits: int
    seqs: list[str]
    rows: dict[str, int]  # file key -> data rows
    replaced: int = 0


@dataclass
class EclaimSandbox:
    username: str = DEFAULT_ECLAIM_USERNAME
    password: str = DEFAULT_ECLAIM_PASSWORD
    token_lifetime_s: float | None = None
    max_bytes: int = MAX_BYTES
    clock: Callable[[], float] = time.monotonic
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (inf: never)
    auth_requests: int = 0
    send_requests: int = 0
    uploads: list[EclaimUpload] = field(default_factory=list)
    imported: dict[tuple[str, str], int] = field(default_factory=dict)  # (hcode, SEQ) -> upload

    # -- tokens ------------------------------------------------------------------------

    def auth(self, body: Any) -> Answer:
        with self.lock:
            self.auth_requests += 1
            if not isinstance(body, dict) or not body.get("username") or not body.get("password"):
                return 400, {"status": 400, "message": "username and password are required"}
            if body["username"] != self.username or body["password"] != self.password:
                return 401, {"status": 401, "message": "Invalid username or password"}
            token = uuid.uuid4().hex + uuid.uuid4().hex
            lifetime = self.token_lifetime_s
            self.tokens[token] = self.clock() + lifetime if lifetime else float("inf")
            return 200, {"token": token}

    def token_ok(self, bearer: str) -> bool:
        with self.lock:
            expiry = self.tokens.get(bearer)
            return expiry is not None and self.clock() < expiry

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    # -- send ----------------------------------------------------------------------------

    def send(self, headers: dict[str, str], body: Any, size: int) -> Answer:
        with self.lock:
            self.send_requests += 1
        authorization = headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not self.token_ok(bearer):
            return 401, {"status": 401, "message": "Unauthorized: invalid or expired token"}
        if size > self.max_bytes:
            return 413, {"status": 413, "message": f"Request larger than {self.max_bytes} bytes"}
        try:
            upload = self._validate(headers.get("user-agent", ""), body)
        except Invalid as bad:
            return bad.status, {"status": bad.status, "message": bad.message}
        return self._import(upload)

    def _validate(self, agent: str, body: Any) -> EclaimUpload:
        match = _AGENT_RE.match(agent)
        if not match:
            raise Invalid("User-Agent must be '<platform>/<version> <hcode>'")
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object")
        missing = [k for k in TOP_LEVEL if k not in body]
        if missing:
            raise Invalid(f"missing: {', '.join(missing)}")
        if body["fileType"] != "txt":
            raise Invalid("fileType: the sandbox reads txt only")
        maininscl = body["maininscl"]
        if maininscl not in RIGHTS:
            raise Invalid("maininscl must be UCS, OFC, LGO or SSS")
        types = body["dataTypes"]
        if not isinstance(types, list) or not types or not set(types) <= {"IP", "OP"}:
            raise Invalid("dataTypes must be a non-empty list of IP/OP")
        for flag in ("opRefer", "importDup", "assignToMe"):
            if not isinstance(body[flag], bool):
                raise Invalid(f"{flag} must be true or false")
        files = body["file"]
        if not isinstance(files, dict) or set(files) != set(KEYS):
            have = set(files) if isinstance(files, dict) else set()
            wrong = sorted((set(KEYS) - have) | (have - set(KEYS)))
            raise Invalid(f"file must have the 17 keys; wrong: {', '.join(wrong)}")
        raw: dict[str, bytes] = {}
        encodings = set()
        for key, name in KEYS.items():
            raw[name], label = _decode(key, name, files[key])
            encodings.add(label)
        if len(encodings) != 1:
            raise Invalid("all files must declare the same encoding")
        encoding = encodings.pop()
        _check_files(raw)
        tables = {key: _rows(raw[name].decode(CODECS[encoding])) for key, name in KEYS.items()}
        ins = tables["ins"]
        seqs = [row["SEQ"] for row in ins]
        if any(row["INSCL"] not in RIGHTS[maininscl] for row in ins):
            raise Invalid(f"INS: a visit's INSCL is not {maininscl}")
        return EclaimUpload(
            hcode=match["hcode"], maininscl=maininscl, import_dup=body["importDup"],
            data_types=list(types), encoding=encoding, user_agent=agent,
            visits=len(seqs), seqs=seqs, rows={k: len(v) for k, v in tables.items()},
        )  # fmt: skip

    def _import(self, upload: EclaimUpload) -> Answer:
        with self.lock:
            keys = [(upload.hcode, s) for s in upload.seqs]
            held = [k for k in keys if k in self.imported]
            if held and not upload.import_dup:
                return 409, {
                    "status": 409,
                    "message": f"พบข้อมูลซ้ำในระบบ e-Claim {len(held)} รายการ (duplicate)",
                }
            upload.replaced = len(held)
            self.uploads.append(upload)
            for key in keys:
                self.imported[key] = len(self.uploads) - 1
            return 200, {"status": 200, "message": "Successful"}

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "auth_requests": self.auth_requests,
                "send_requests": self.send_requests,
                "uploads": [asdict(u) for u in self.uploads],
            }

    def control(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_sandbox/eclaim``: ``expire_tokens``, ``token_lifetime_s``, ``max_bytes``."""
        with self.lock:
            if body.get("expire_tokens"):
                self.expire_tokens()
            if "token_lifetime_s" in body:
                value = body["token_lifetime_s"]
                self.token_lifetime_s = float(value) if value else None
            if "max_bytes" in body:
                self.max_bytes = int(body["max_bytes"])
            return {"token_lifetime_s": self.token_lifetime_s, "max_bytes": self.max_bytes}


def _decode(key: str, name: str, blob: Any) -> tuple[bytes, str]:
    """One file's bytes and its declared encoding, the envelope checked."""
    if not isinstance(blob, dict):
        raise Invalid(f"file.{key} must be an object")
    for part in ("blobName", "blobType", "blob", "size", "encoding"):
        if part not in blob:
            raise Invalid(f"file.{key}.{part} is missing")
    if blob["blobName"] != f"{name}.txt":
        raise Invalid(f"file.{key}.blobName must be {name}.txt")
    if not isinstance(blob["blob"], str):
        raise Invalid(f"file.{key}.blob must be base64 text")
    try:
        raw = base64.b64decode(blob["blob"], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"file.{key}.blob is not valid base64") from None
    if blob["size"] != len(raw):
        raise Invalid(f"file.{key}.size is not the decoded length")
    label = str(blob["encoding"])
    codec = CODECS.get(label.lower())
    if codec is None:
        raise Invalid(f"file.{key}.encoding is not one the sandbox knows")
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        raise Invalid(f"file.{key}: text is not {label}") from None
    return raw, label.lower()


def _check_files(raw: dict[str, bytes]) -> None:
    """The independent checker on the request's files, as a batch folder of its own."""
    with tempfile.TemporaryDirectory(prefix="eclaim-sandbox-") as folder:
        for name, data in raw.items():
            (Path(folder) / f"{name}.txt").write_bytes(data)
        report = check_batch(Path(folder))
    if not report.ok:
        shown = "; ".join(p.where for p in report.errors[:SHOWN_ERRORS])
        raise Invalid(f"{report.error_count} error(s) in the files: {shown}")


def _rows(text: str) -> list[dict[str, str]]:
    """A checked file's rows by its own header's names."""
    if text.startswith("\ufeff"):
        text = text[1:]  # public UTF-8 clients send a byte-order mark
    header, *lines = text.removesuffix("\r\n").split("\r\n")
    names = header.split("|")
    return [dict(zip(names, line.split("|"), strict=True)) for line in lines if line]
