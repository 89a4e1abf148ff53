"""The NHSO e-Claim API (16+1 files): sign in with DCenter, send one right's files.

What is known (reference ``nhso-api.md`` §4.4, from NHSO's "API การรับข้อมูลเพื่อเรียกเก็บ
ค่าใช้จ่าย (e-Claim) v1.0 31/3/2565" [DOC], plus public clients):

* ``POST {base}auth`` ``{username, password}`` (the DCenter account) answers ``{token}``.
* ``POST {base}send`` with ``Authorization: Bearer <token>`` and
  ``User-Agent: <platform>/<version> <hcode>``; body ``{fileType:"txt", maininscl,
  dataTypes:["OP"], opRefer, importDup, assignToMe, file:{ins, pat, ..., dru, lab}}``,
  each file ``{blobName, blobType, blob (base64), size, encoding}``; the whole request
  at most 10 MB; success ``{status:200, message:"Successful"}``.

What is *not* known and is designed around (see the room README): the token's
lifetime (cached until a 401, then renewed once), the encoding label NHSO accepts
for windows-874 (we declare ``windows-874``; public clients send UTF-8 files labelled
``UTF-8``), whether 10 MB means 10,000,000 bytes of request (we count it so, the
stricter reading), the shape of a refusal and of a duplicate (any ``status`` other
than 200; a message with "ซ้ำ"/"duplicate" is a duplicate), and which ``maininscl``
a WEL (UC welfare) visit goes under (UCS, as WEL is a UC sub-right [I]).

One request carries one ``maininscl``, so a batch with visits of several rights is
split here into one part per right: each row goes with its visit (by SEQ, else AN,
else HN for PAT), the header line and the bytes of every line are kept as written.
A part still over the limit is refused before anything is sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from common.config import NhsoMode, Settings
from common.logs import redact, register_sensitive
from common.secrets import Secrets
from integrations.claim_files import ECLAIM_ENCODING, ECLAIM_FILES, FDH_ENCODING
from integrations.nhso.eclaim_errors import (
    EclaimBadBatch,
    EclaimDuplicate,
    EclaimLoginFailed,
    EclaimNotConfigured,
    EclaimRejected,
    EclaimTooLarge,
    EclaimUnsendableRight,
)
from integrations.nhso.errors import MalformedResponse, NhsoError, TokenInvalid
from integrations.nhso.json_client import OneHostClient
from integrations.nhso.ratelimit import TokenBucket, shared_limiter
from integrations.nhso.transport import JsonHttp, Reply, reveal

log = logging.getLogger(__name__)

PROD_BASE = "https://nhsoapi.nhso.go.th/FMU/ecimp/v1/"
TEST_BASE = "https://tnhsoapi.nhso.go.th/ecimp/v1/"  # NHSO's test zone, per the same document
AUTH_PATH = "auth"
SEND_PATH = "send"
PLATFORM = "JHCIS-Kiosk"
VERSION = "0.1"
#: "at most 10 MB" read strictly: 10,000,000 bytes of the whole JSON request.
MAX_REQUEST_BYTES = 10_000_000
#: A 10 MB upload to a slow service: the default per-request timeout (connect stays 5 s).
SEND_TIMEOUT_S = 120.0

#: Our file name -> the key of ``file`` in the request (LABFU is "lab"); 17 keys.
FILE_KEYS: dict[str, str] = {n: ("lab" if n == "LABFU" else n.lower()) for n in ECLAIM_FILES}
#: Python codec of the batch -> the label declared in ``encoding``.
ENCODING_LABELS: dict[str, str] = {"cp874": "windows-874", "utf-8": "UTF-8"}
#: INS.INSCL -> the request's ``maininscl``. Anything else is refused (not dropped).
API_RIGHTS: dict[str, str] = {"UCS": "UCS", "WEL": "UCS", "OFC": "OFC", "LGO": "LGO", "SSS": "SSS"}
_DUPLICATE_MARKERS = ("ซ้ำ", "duplicate", "already")


def user_agent(hcode: str) -> str:
    return f"{PLATFORM}/{VERSION} {hcode}"


# -- the batch, split by right ------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One right's share of a batch: what one ``send`` carries."""

    maininscl: str
    files: dict[str, bytes]  # "INS" -> the file's bytes, header line first
    visits: int
    encoding: str = ECLAIM_ENCODING  # the codec the files are written in

    @property
    def checksums(self) -> dict[str, str]:
        """Each file's bytes as sent (recorded for the record; not what "the same" means)."""
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.files.items()}

    @cached_property
    def content_sha256(self) -> str:
        """What "the same content" means: the right and every file's *text*.

        The text is the bytes decoded with the batch's codec, a byte-order mark dropped,
        line endings made ``\\n`` and any character windows-874 lacks made ``?`` (as the
        windows-874 export writes it): the same visits exported as windows-874 and as
        UTF-8 (FDH), or with LF line endings, are the same submission. Neither the batch
        name nor its encoding counts. The price: a correction that changes only such
        characters (a symbol, an emoji) is not new content. Not the set of visit keys
        (SEQ): a visit corrected after it was sent must be new content, which NHSO's own
        duplicate answer and an explicit ``--resend`` then govern; the keys alone would
        refuse every correction for ever.
        """
        digest = hashlib.sha256(self.maininscl.encode())
        for name, data in self.files.items():
            text = _text(name, data, self.encoding).encode("utf-8")
            digest.update(f"\n{name}:{hashlib.sha256(text).hexdigest()}".encode())
        return digest.hexdigest()

    @property
    def data_types(self) -> list[str]:
        kinds = []
        if _data_rows(self.files.get("OPD", b"")):
            kinds.append("OP")
        if _data_rows(self.files.get("IPD", b"")):
            kinds.append("IP")
        return kinds or ["OP"]


def _text(name: str, data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise EclaimBadBatch(f"{name}.txt is not {encoding} text") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    # As windows-874 can carry it: its export writes "?" for a character it lacks (the
    # writer's errors="replace"), so a UTF-8 export of the same visits must read the same.
    return text.encode(ECLAIM_ENCODING, errors="replace").decode(ECLAIM_ENCODING)


def _data_rows(data: bytes) -> int:
    return max(0, len(_lines(data)) - 1)


def _lines(data: bytes) -> list[bytes]:
    """Lines with their CRLF; a last line without one is kept as it is."""
    return data.splitlines(keepends=True)


def read_batch(folder: Path) -> dict[str, bytes]:
    files = {}
    for name in ECLAIM_FILES:
        path = folder / f"{name}.txt"
        try:
            files[name] = path.read_bytes()
        except OSError:
            raise EclaimBadBatch(f"{name}.txt missing or unreadable") from None
    return files


def _table(name: str, data: bytes) -> tuple[bytes, list[str], list[tuple[bytes, list[bytes]]]]:
    lines = _lines(data)
    if not lines:
        raise EclaimBadBatch(f"{name}.txt has no header line")
    header = lines[0]
    fields = header.rstrip(b"\r\n").decode("ascii", errors="replace").split("|")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = line.rstrip(b"\r\n").split(b"|")
        if len(values) != len(fields):
            raise EclaimBadBatch(f"{name}.txt line {number}: not {len(fields)} fields")
        rows.append((line, values))
    return header, fields, rows


def _key(values: list[bytes], fields: list[str], name: str) -> str:
    if name not in fields:
        return ""
    return values[fields.index(name)].decode("ascii", errors="replace").strip()


def split_by_right(files: Mapping[str, bytes], *, encoding: str = ECLAIM_ENCODING) -> list[Part]:
    """One :class:`Part` per ``maininscl``, in a stable order; nothing sent yet.

    Every part's text is decoded here, so a file that is not in ``encoding`` refuses the
    upload before anything is sent.
    """
    _, ins_fields, ins_rows = _table("INS", files["INS"])
    by_seq: dict[str, str] = {}
    by_an: dict[str, str] = {}
    by_hn: dict[str, set[str]] = defaultdict(set)
    unsendable: set[str] = set()
    visits: dict[str, int] = defaultdict(int)
    for _, values in ins_rows:
        inscl = _key(values, ins_fields, "INSCL")
        right = API_RIGHTS.get(inscl)
        if right is None:
            unsendable.add(inscl or "(blank)")
            continue
        visits[right] += 1
        for index, table in (("SEQ", by_seq), ("AN", by_an)):
            value = _key(values, ins_fields, index)
            if value:
                table[value] = right
        by_hn[_key(values, ins_fields, "HN")].add(right)
    if unsendable:
        codes = ", ".join(sorted(unsendable))
        raise EclaimUnsendableRight(
            f"INSCL {codes}",
            th=f"{EclaimUnsendableRight.message_th} สิทธิ: {codes}",
            en=f"{EclaimUnsendableRight.message_en} Rights: {codes}.",
        )
    rights = sorted(visits)
    chosen: dict[str, dict[str, list[bytes]]] = {r: {} for r in rights}
    for name in ECLAIM_FILES:
        header, fields, rows = _table(name, files[name])
        for right in rights:
            chosen[right][name] = [header]
        for number, (line, values) in enumerate(rows, start=2):
            seq, an = _key(values, fields, "SEQ"), _key(values, fields, "AN")
            if seq:
                targets = {by_seq[seq]} if seq in by_seq else set()
            elif an:
                targets = {by_an[an]} if an in by_an else set()
            else:
                targets = by_hn.get(_key(values, fields, "HN"), set())
            if not targets:
                raise EclaimBadBatch(f"{name}.txt line {number}: belongs to no visit of INS.txt")
            for right in targets:
                chosen[right][name].append(line)
    parts = [
        Part(
            right,
            {n: b"".join(lines) for n, lines in chosen[right].items()},
            visits[right],
            encoding,
        )
        for right in rights
    ]
    for part in parts:
        _ = part.content_sha256  # decodes every file now (EclaimBadBatch), cached for later
    return parts


def request_body(part: Part, *, encoding: str, import_dup: bool) -> dict[str, Any]:
    label = ENCODING_LABELS.get(encoding.lower(), encoding)
    return {
        "fileType": "txt",
        "maininscl": part.maininscl,
        "dataTypes": part.data_types,
        "opRefer": False,  # a รพ.สต. batch carries no OP refer data
        # importDup: NHSO re-imports records it holds but has not yet claimed (its
        # wording: "นำเข้าซ้ำ กรณีพบข้อมูลยังไม่ส่งเบิกชดเชย"); only an explicit --resend sets it.
        "importDup": import_dup,
        "assignToMe": False,
        "file": {
            FILE_KEYS[name]: {
                "blobName": f"{name}.txt",
                "blobType": "text/plain",
                "blob": base64.b64encode(data).decode("ascii"),
                "size": len(data),
                "encoding": label,
            }
            for name, data in part.files.items()
        },
    }


def request_size(body: Mapping[str, Any]) -> int:
    """Bytes on the wire, serialised exactly as httpx does."""
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check_size(part: Part, body: Mapping[str, Any], limit: int | None = None) -> int:
    limit = MAX_REQUEST_BYTES if limit is None else limit
    size = request_size(body)
    if size > limit:
        mb = f"{size / 1_000_000:.1f}"
        raise EclaimTooLarge(
            f"{part.maininscl}: {size} bytes > {limit}",
            th=f"{EclaimTooLarge.message_th} (สิทธิ {part.maininscl}: {mb} MB)",
            en=f"{EclaimTooLarge.message_en} ({part.maininscl}: {mb} MB)",
        )
    return size


# -- the client -----------------------------------------------------------------------


@dataclass(frozen=True)
class SendAnswer:
    http_status: int
    status: str
    message: str  # NHSO's text with citizen IDs masked, at most 255 characters
    extra: dict[str, Any] = field(default_factory=dict)


class EclaimHttp(JsonHttp):
    """The shared transport (rate limit, timeouts, verified TLS) with e-Claim's User-Agent."""

    def __init__(self, base_url: str, *, agent: str, **kwargs: Any) -> None:
        super().__init__(base_url, kind="web", **kwargs)
        self._client.headers["User-Agent"] = agent


class EclaimApiClient(OneHostClient):
    """One unit's DCenter account on the e-Claim API; thread-safe token cache."""

    def __init__(
        self,
        base_url: str,
        *,
        username: SecretStr | str | None,
        password: SecretStr | str | None,
        hcode: str,
        limiter: TokenBucket,
        timeout_s: float = SEND_TIMEOUT_S,
        ca_bundle: str = "",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._username = reveal(username) or ""
        self._password = reveal(password) or ""
        # DCenter user names are often citizen IDs: masked like the password.
        register_sensitive([s for s in (self._username, self._password) if s])
        if not (len(hcode) == 5 and hcode.isdigit()):
            raise EclaimNotConfigured("hcode must be the unit's 5 digits")
        self.hcode = hcode
        self._http = EclaimHttp(
            base_url or PROD_BASE, agent=user_agent(hcode), timeout_s=timeout_s,
            limiter=limiter, ca_bundle=ca_bundle, transport=transport,
        )  # fmt: skip
        self._lock = threading.Lock()
        self._token: str | None = None
        self.token_fetches = 0

    def token(self, *, force: bool = False) -> str:
        """The cached token, or a new one (the API does not say how long one lives)."""
        with self._lock:
            if self._token and not force:
                return self._token
            if not (self._username and self._password):
                raise EclaimNotConfigured("nhso_eclaim_username/nhso_eclaim_password missing")
            reply = self._http.request(
                "POST", AUTH_PATH, template="ecimp/v1/auth",
                body={"username": self._username, "password": self._password},
                pass_statuses=frozenset({400, 401, 403}),
            )  # fmt: skip
            self.token_fetches += 1
            data = reply.data if isinstance(reply.data, dict) else {}
            token = data.get("token")
            if reply.status != 200 or not isinstance(token, str) or not token:
                raise EclaimLoginFailed(f"ecimp/v1/auth: HTTP {reply.status}")
            register_sensitive([token])
            self._token = token
            return token

    def send(self, body: Mapping[str, Any]) -> SendAnswer:
        """One ``send``; a refused token is renewed once. Raises unless NHSO said 200.

        Any error raised on a 2xx reply (an unreadable body, a 202, a ``status`` field
        other than 200) has ``maybe_processed`` set: NHSO accepted the request at the HTTP
        level and may have imported the files, so the ledger must not send them again on
        its own.
        """
        template = "ecimp/v1/send"
        try:
            reply = self._post(body, template, self.token())
        except TokenInvalid:
            # A 401 is refused at the door: nothing was imported, a retry is safe.
            log.info("e-Claim send: token refused, signing in again")
            fresh = self.token(force=True)
            try:
                reply = self._post(body, template, fresh)
            except TokenInvalid:
                raise EclaimLoginFailed(f"{template}: token refused right after sign-in") from None
        try:
            return self._answer(reply, template)
        except NhsoError as error:
            if 200 <= reply.status < 300:
                error.maybe_processed = True
            raise

    def _post(self, body: Mapping[str, Any], template: str, token: str) -> Reply:
        # A 2xx whose body is not JSON raises MalformedResponse with maybe_processed set.
        return self._http.request(
            "POST", SEND_PATH, template=template, body=body, token=token,
            pass_statuses=frozenset({400, 409, 413, 422}),
        )  # fmt: skip

    @staticmethod
    def _answer(reply: Reply, template: str) -> SendAnswer:
        data = reply.data if isinstance(reply.data, dict) else None
        if data is None:
            raise MalformedResponse(f"{template}: HTTP {reply.status}, no JSON object")
        status = str(data.get("status", ""))
        message = redact(str(data.get("message") or data.get("messageCode") or ""))[:255]
        answer = SendAnswer(reply.status, status, message)
        if reply.status == 200 and status == "200":
            return answer
        if reply.status == 413 or status == "413":
            raise EclaimTooLarge(f"{template}: NHSO said too large")
        lowered = message.lower()
        if any(marker in lowered for marker in _DUPLICATE_MARKERS):
            raise EclaimDuplicate(f"{template}: HTTP {reply.status} status {status}: {message}")
        raise EclaimRejected(f"{template}: HTTP {reply.status} status {status}: {message}")


def batch_encoding(folder: Path) -> str:
    """The codec an export batch was written in (its name says: FDH_ batches are UTF-8)."""
    return FDH_ENCODING if folder.name.startswith("FDH_") else ECLAIM_ENCODING


def client_from_settings(
    settings: Settings,
    secrets: Secrets,
    *,
    hcode: str,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> EclaimApiClient:
    """The unit's client. ``base_url`` None: our sandbox in sandbox mode, else production.

    The DCenter account comes from the secrets file only; the sandbox's public test
    login stands in only when the configuration runs the sandbox and no account is set.
    """
    username: SecretStr | str | None = secrets.nhso_eclaim_username
    password: SecretStr | str | None = secrets.nhso_eclaim_password
    if base_url is None:
        if settings.nhso.mode == NhsoMode.sandbox:
            from integrations.nhso.providers import sandbox_url
            from integrations.nhso.sandbox.eclaim import (
                DEFAULT_ECLAIM_PASSWORD,
                DEFAULT_ECLAIM_USERNAME,
            )

            # The sandbox the rest of the NHSO clients use (api_base_url, else the port).
            root = urlsplit(settings.nhso.api_base_url or sandbox_url(settings))
            base_url = f"{root.scheme}://{root.netloc}/FMU/ecimp/v1/"
            if not (username and password):
                username, password = DEFAULT_ECLAIM_USERNAME, DEFAULT_ECLAIM_PASSWORD
        else:
            base_url = PROD_BASE
    return EclaimApiClient(
        base_url, username=username, password=password, hcode=hcode,
        limiter=shared_limiter(settings.nhso.rate_per_second),
        ca_bundle=settings.nhso.ca_bundle, transport=transport,
    )  # fmt: skip
