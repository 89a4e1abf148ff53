"""The sandbox's NHSO e-Claim API (``/FMU/ecimp/v1/auth`` and ``/FMU/ecimp/v1/send``).

It checks what it receives the way we expect NHSO to (reference §4.4): a DCenter
user name and password for a token; on ``send`` the Bearer token, a
``User-Agent: <platform>/<version> <hcode>``, the request size (10,000,000 bytes),
every top-level key, all 17 file keys each with ``blobName``, ``blobType``, a
``blob`` that is strict base64 of exactly ``size`` bytes, an ``encoding`` it can decode
(``windows-874``/``TIS-620``/``UTF-8``), and text that parses: CRLF lines, the
file's header line, the header's number of ``|`` fields on every line, every INS
right belonging to the request's ``maininscl``, every SEQ known to INS.

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
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from integrations.claim_files import ECLAIM_FIELDS

DEFAULT_ECLAIM_USERNAME = "sandbox-dcenter"
DEFAULT_ECLAIM_PASSWORD = "sandbox-dcenter-password"  # noqa: S105 - the sandbox's public test login
MAX_BYTES = 10_000_000
AUTH_PATH = re.compile(r"/FMU/ecimp/v1/auth/?")
SEND_PATH = re.compile(r"/FMU/ecimp/v1/send/?")

KEYS: dict[str, str] = {("lab" if n == "LABFU" else n.lower()): n for n in ECLAIM_FIELDS}
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
        tables: dict[str, list[list[str]]] = {}
        encodings = set()
        for key, name in KEYS.items():
            text, label = _decode(key, name, files[key])
            encodings.add(label)
            tables[key] = _parse(key, name, text)
        if len(encodings) != 1:
            raise Invalid("all files must declare the same encoding")
        ins_fields = ECLAIM_FIELDS["INS"]
        inscl, seq = ins_fields.index("INSCL"), ins_fields.index("SEQ")
        seqs = [row[seq] for row in tables["ins"]]
        if any(row[inscl] not in RIGHTS[maininscl] for row in tables["ins"]):
            raise Invalid(f"INS: a visit's INSCL is not {maininscl}")
        known = set(seqs)
        for key, name in KEYS.items():
            if "SEQ" in ECLAIM_FIELDS[name] and key != "ins":
                index = ECLAIM_FIELDS[name].index("SEQ")
                if any(row[index] and row[index] not in known for row in tables[key]):
                    raise Invalid(f"{name}: a SEQ that INS does not have")
        return EclaimUpload(
            hcode=match["hcode"], maininscl=maininscl, import_dup=body["importDup"],
            data_types=list(types), encoding=encodings.pop(), user_agent=agent,
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


def _decode(key: str, name: str, blob: Any) -> tuple[str, str]:
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
        return raw.decode(codec), label.lower()
    except UnicodeDecodeError:
        raise Invalid(f"file.{key}: text is not {label}") from None


def _parse(key: str, name: str, text: str) -> list[list[str]]:
    if text.startswith("\ufeff"):
        text = text[1:]  # public UTF-8 clients send a byte-order mark
    if not text.endswith("\r\n"):
        raise Invalid(f"file.{key}: lines must end with CRLF")
    lines = text[:-2].split("\r\n")
    fields = ECLAIM_FIELDS[name]
    if lines[0] != "|".join(fields):
        raise Invalid(f"file.{key}: the first line is not the {name} header")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = line.split("|")
        if len(values) != len(fields) or "\n" in line or "\r" in line:
            raise Invalid(f"file.{key} line {number}: not {len(fields)} fields")
        rows.append(values)
    return rows
