"""NHSO Digital Platform (NDP, "13Plus"): sign on, submit the 13 files, track each claim.

What is public (reference ``nhso-api.md`` §4.3; sources in :mod:`.ndp_signon` and
backoffice/ndp/README.md):

* sign-on, its headers and its token (:mod:`integrations.nhso.ndp_signon`);
* ``POST {base}/stddataset/api/v2/status-tracks/details`` with ``Authorization: Bearer``,
  ``Request-id`` and ``{"trackDatas": [{"uid": ...}]}``, answered by a list of
  ``{uid, e2eId, seq, hcode, hn, claimType, recordStatus, status{code, message},
  results[{code, message, solution, allowClaim}], claimItems, claimSummary,
  statements}`` (S11 ``tankitkitty/NDP-Kit`` lib/nhso.ts and its sync route, S13
  ``tanatips/ffc-legacy`` StatusTracksV2ApiCaller);
* the production and UAT roots (S11).

What is **not** public: the submit call. HOSxP's is closed source and no public client
sends the 13 files by API. ``submit`` therefore posts to a path the configuration must
name (``ndp.submit_path``; empty refuses) a body whose shape is **ours**
(:func:`submit_body`), and reads an answer whose shape is **ours** (one ``uid`` per
visit, as the status call needs): both were only ever run against our sandbox and will
need changing once NHSO's document is in hand.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from common.config import NhsoMode, Settings
from common.logs import redact, register_sensitive
from common.secrets import Secrets
from integrations.nhso.errors import MalformedResponse
from integrations.nhso.json_client import OneHostClient
from integrations.nhso.ndp_errors import (
    NdpNotConfigured,
    NdpRejected,
    NdpSignOnFailed,
    NdpSubmitNotConfigured,
)
from integrations.nhso.ndp_signon import (
    OaepHash,
    encrypt_for_nhso,
    load_public_key,
    request_id,
    token_expiry,
)
from integrations.nhso.ratelimit import TokenBucket, shared_limiter
from integrations.nhso.transport import JsonHttp, Reply, reveal

log = logging.getLogger(__name__)

PROD_BASE = "https://api-nhsodp.nhso.go.th"
UAT_BASE = "https://uat-api-dplatform.uat.krungthai.com"
SIGN_ON_PATH = "stddataset/api/v2/sign-on"
STATUS_PATH = "stddataset/api/v2/status-tracks/details"
#: Our sandbox's submit path. NOT NHSO's: NHSO's submit endpoint is not public.
SANDBOX_SUBMIT_PATH = "stddataset/api/v2/sandbox-only/submit-13-files"
#: Sign on again this long before the token's ``exp`` (NDP-Kit: 60 s).
TOKEN_MARGIN_S = 60.0
#: When a token carries no ``exp``: NDP's tokens live about 15 minutes (S11).
DEFAULT_TOKEN_LIFETIME_S = 15 * 60.0
#: uids per status-tracks request (NDP-Kit asks 20 at a time).
TRACK_BATCH = 20
_REFUSALS = frozenset({400, 401, 403, 404, 409, 413, 422})


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CodeMessage(_Lenient):
    code: str = ""
    message: str = ""


class TrackItem(_Lenient):
    """One of a claim's ``results``: a finding with NHSO's advice and whether it may be claimed."""

    code: str = ""
    message: str = ""
    solution: str = ""
    allowClaim: str = ""  # noqa: N815 - NHSO's name


class TrackResult(_Lenient):
    """One claim as the status-tracks call describes it (the fields we keep)."""

    uid: str
    seq: str | None = None
    hcode: str | None = None
    claimType: str | None = None  # noqa: N815
    recordStatus: str | None = None  # noqa: N815
    status: CodeMessage | None = None
    results: list[TrackItem] = []


@dataclass(frozen=True)
class SubmitItem:
    seq: str
    uid: str
    code: str
    message: str


@dataclass
class SubmitAnswer:
    http_status: int
    upload_id: str
    items: list[SubmitItem] = field(default_factory=list)


def submit_body(
    hcode: str, files: Mapping[str, bytes], *, encoding: str = "UTF-8"
) -> dict[str, Any]:
    """OUR shape of a submit request (NHSO's is not public): every file base64-encoded.

    ``files`` maps the file's name as the batch writes it (``01_PATIENT.txt``) to its bytes.
    """
    return {
        "hcode": hcode,
        "fileType": "txt",
        "files": [
            {
                "blobName": name,
                "blob": base64.b64encode(data).decode("ascii"),
                "size": len(data),
                "encoding": encoding,
            }
            for name, data in files.items()
        ],
    }


class NdpClient(OneHostClient):
    """One unit's NDP client: sign-on kept until its token nears expiry, then renewed."""

    def __init__(
        self,
        base_url: str,
        *,
        hcode: str,
        source_id: str,
        source_id_key: SecretStr | str | None,
        client_secret: SecretStr | str | None,
        public_key_pem: bytes,
        fdh_key: SecretStr | str | None = None,
        oaep_hash: OaepHash = "sha256",
        submit_path: str = "",
        limiter: TokenBucket,
        timeout_s: float = 60.0,
        ca_bundle: str = "",
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.hcode = hcode
        self.source_id = source_id
        self.submit_path = submit_path.strip().lstrip("/")
        self._key_value = reveal(source_id_key)
        self._secret = reveal(client_secret)
        self._fdh = reveal(fdh_key)
        if not (source_id and self._key_value and self._secret):
            raise NdpNotConfigured("source id, source id key or client secret missing")
        register_sensitive([v for v in (self._key_value, self._secret, self._fdh) if v])
        self._public_key = load_public_key(public_key_pem)
        self._oaep_hash = oaep_hash
        self._clock = clock
        self._now = now
        self._token: str | None = None
        self._expires = 0.0
        self._http = JsonHttp(
            base_url, kind="web", timeout_s=timeout_s, limiter=limiter,
            ca_bundle=ca_bundle, transport=transport,
        )  # fmt: skip

    # -- sign-on ---------------------------------------------------------------------------

    def token(self, *, renew: bool = False) -> str:
        if renew or self._token is None or self._clock() >= self._expires - TOKEN_MARGIN_S:
            self._token = self._sign_on()
            expiry = token_expiry(self._token)
            self._expires = expiry or self._clock() + DEFAULT_TOKEN_LIFETIME_S
            register_sensitive([self._token])
        return self._token

    def _sign_on(self) -> str:
        assert self._key_value and self._secret
        headers = {
            "Request-id": request_id(self.hcode, self._now()),
            "x-source-id": self.source_id,
            "x-sourceid-key": encrypt_for_nhso(self._public_key, self._key_value, self._oaep_hash),
        }
        if self._fdh:
            headers["x-fdh-key"] = encrypt_for_nhso(self._public_key, self._fdh, self._oaep_hash)
        reply = self._http.request(
            "POST", SIGN_ON_PATH, template="ndp/sign-on", anonymous=True, headers=headers,
            body={"client_id": self.hcode, "client_secret": self._secret},
            pass_statuses=_REFUSALS,
        )  # fmt: skip
        data = reply.data if isinstance(reply.data, dict) else {}
        token = data.get("token")
        if 200 <= reply.status < 300 and isinstance(token, str) and token:
            return token
        raise NdpSignOnFailed(f"ndp/sign-on: HTTP {reply.status}: {_said(data)}")

    def _authorized(self, path: str, template: str, body: Any) -> Reply:
        """POST with the token; one renewal when NDP says it is no longer good (a 401/403
        is a refusal at the door: nothing was done, so asking again is safe)."""
        for renew in (False, True):
            reply = self._http.request(
                "POST", path, template=template, body=body, token=self.token(renew=renew),
                headers={"Request-id": request_id(self.hcode, self._now())},
                pass_statuses=_REFUSALS,
            )  # fmt: skip
            if reply.status not in (401, 403):
                return reply
        raise NdpSignOnFailed(f"{template}: HTTP {reply.status} after signing on again")

    # -- submit (NOT PUBLIC: see the module's docstring) ----------------------------------------

    def submit(self, body: Mapping[str, Any]) -> SubmitAnswer:
        if not self.submit_path:
            raise NdpSubmitNotConfigured("ndp.submit_path is empty")
        template = "ndp/submit"
        reply = self._authorized(self.submit_path, template, dict(body))
        data = reply.data if isinstance(reply.data, dict) else None
        if not 200 <= reply.status < 300:
            raise NdpRejected(f"{template}: HTTP {reply.status}: {_said(data or {})}")
        items = data.get("items") if data else None
        if not isinstance(items, list):
            # NHSO took the request (2xx) and its answer says nothing we can read.
            error = MalformedResponse(f"{template}: HTTP {reply.status}, no items")
            error.maybe_processed = True
            raise error
        answer = SubmitAnswer(reply.status, str((data or {}).get("uploadId") or "")[:64])
        for item in items:
            if isinstance(item, dict) and item.get("seq") and item.get("uid"):
                found = item.get("status")
                status: dict[str, Any] = found if isinstance(found, dict) else {}
                answer.items.append(
                    SubmitItem(
                        str(item["seq"]), str(item["uid"])[:64], str(status.get("code") or ""),
                        redact(str(status.get("message") or ""))[:255],
                    )
                )  # fmt: skip
        return answer

    # -- status tracks ------------------------------------------------------------------------

    def track(self, uids: Sequence[str]) -> list[TrackResult]:
        """The claims' statuses, :data:`TRACK_BATCH` uids per request."""
        found: list[TrackResult] = []
        for start in range(0, len(uids), TRACK_BATCH):
            part = list(uids[start : start + TRACK_BATCH])
            found.extend(self._track(part))
        return found

    def _track(self, uids: list[str]) -> list[TrackResult]:
        template = "ndp/status-tracks/details"
        body = {"trackDatas": [{"uid": uid} for uid in uids]}
        reply = self._authorized(STATUS_PATH, template, body)
        if not 200 <= reply.status < 300:
            data = reply.data if isinstance(reply.data, dict) else {}
            raise NdpRejected(f"{template}: HTTP {reply.status}: {_said(data)}")
        if not isinstance(reply.data, list):
            raise MalformedResponse(f"{template}: expected a JSON list")
        results = []
        for entry in reply.data:
            try:
                results.append(TrackResult.model_validate(entry))
            except ValidationError:
                raise MalformedResponse(f"{template}: a result without a uid") from None
        return results


def _said(data: Mapping[str, Any]) -> str:
    """NDP's own words for a refusal (``errorDesc``), citizen IDs masked, kept short."""
    text = data.get("errorDesc") or data.get("message") or data.get("error") or ""
    return redact(str(text))[:200]


def ndp_base_url(settings: Settings) -> str:
    """``ndp.base_url``; else our sandbox (nhso.mode sandbox), else NHSO's production root."""
    if settings.ndp.base_url:
        return settings.ndp.base_url
    if settings.nhso.mode == NhsoMode.sandbox:
        from urllib.parse import urlsplit

        from integrations.nhso.providers import sandbox_url

        root = urlsplit(settings.nhso.api_base_url or sandbox_url(settings))
        return f"{root.scheme}://{root.netloc}"
    return PROD_BASE


def client_from_settings(
    settings: Settings,
    secrets: Secrets,
    *,
    hcode: str,
    transport: httpx.BaseTransport | None = None,
) -> NdpClient:
    """The unit's NDP client. Keys come from the secrets file only; in sandbox mode the
    sandbox's public test values stand in for those not set, and the sandbox's own
    public key is fetched from its control panel unless ``ndp.public_key_file`` is set."""
    ndp = settings.ndp
    base = ndp_base_url(settings)
    sandbox = settings.nhso.mode == NhsoMode.sandbox and not ndp.base_url
    source_id = ndp.source_id
    key: SecretStr | str | None = secrets.ndp_source_id_key
    secret: SecretStr | str | None = secrets.ndp_client_secret
    submit_path = ndp.submit_path
    pem: bytes | None = None
    if ndp.public_key_file:
        try:
            pem = Path(ndp.public_key_file).read_bytes()
        except OSError:
            raise NdpNotConfigured("ndp.public_key_file unreadable") from None
    if sandbox:
        from integrations.nhso.sandbox.ndp import (
            SANDBOX_CLIENT_SECRET,
            SANDBOX_SOURCE_ID,
            SANDBOX_SOURCE_ID_KEY,
            fetch_public_key,
        )

        source_id = source_id or SANDBOX_SOURCE_ID
        key = key or SANDBOX_SOURCE_ID_KEY
        secret = secret or SANDBOX_CLIENT_SECRET
        submit_path = submit_path or SANDBOX_SUBMIT_PATH
        pem = pem or fetch_public_key(base, transport=transport)
    if pem is None:
        raise NdpNotConfigured("ndp.public_key_file is empty")
    return NdpClient(
        base, hcode=hcode, source_id=source_id, source_id_key=key, client_secret=secret,
        public_key_pem=pem, fdh_key=secrets.ndp_fdh_key, oaep_hash=ndp.oaep_hash,
        submit_path=submit_path, limiter=shared_limiter(settings.nhso.rate_per_second),
        timeout_s=ndp.timeout_s, ca_bundle=settings.nhso.ca_bundle, transport=transport,
    )  # fmt: skip
