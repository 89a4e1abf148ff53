"""MOPH Claim (claim-nhso.moph.go.th) with the MOPH Account Center token (reference §4.1-§4.2).

* Token: ``POST {token_base}/token?Action=get_moph_access_token`` with
  ``{user, password_hash, hospital_code}``; ``password_hash`` is the uppercase hex
  HMAC-SHA256 of the password under the key ``$jwt@moph#``. The answer is the raw JWT.
  It is cached until 60 s before its ``exp`` and fetched again once on a 401.
* Submissions: ``POST {claim_base}/api/v1/opd/service-admissions/{dmht|epi|dt}``,
  answer ``{status, message, message_th, data: {transaction_uid}}``.
* Monitoring (seed §16.6): ``GET .../service-transactions/{transaction_uid}/status``.

Neither the password, its hash nor the token is ever logged or put in an error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from common import safe_json
from common.logs import register_sensitive
from integrations.moph.errors import (
    MophDuplicate,
    MophError,
    MophLoginFailed,
    MophMalformed,
    MophNotConfigured,
    MophRateLimited,
    MophRejected,
    MophTimeout,
    MophTokenRejected,
    MophUnavailable,
    MophUnreachable,
)
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.transport import tls_context

log = logging.getLogger(__name__)

PROD_TOKEN_BASE = "https://cvp1.moph.go.th"  # noqa: S105 - a URL
PROD_CLAIM_BASE = "https://claim-nhso.moph.go.th"
TOKEN_PATH = "token"  # noqa: S105 - a URL path
HMAC_KEY = b"$jwt@moph#"
SUBMIT_PATH = "api/v1/opd/service-admissions/{kind}"
STATUS_PATH = "api/v1/opd/service-transactions/{uid}/status"
EARLY_REFRESH_S = 60
FALLBACK_LIFETIME_S = 3600  # a token whose exp cannot be read is trusted this long

Endpoint = Literal["dmht", "epi", "dt"]
# What MOPH answers when a record was already sent; the real wording is unconfirmed,
# these markers cover the sandbox's and the common "duplicate"/"ซ้ำ" texts.
_DUPLICATE_MARKERS = ("duplicate", "ซ้ำ", "already")


def password_hash(password: str) -> str:
    return hmac.new(HMAC_KEY, password.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verifying it (we only schedule a refresh)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        payload = safe_json.loads(base64.urlsafe_b64decode(padded))
        return float(payload["exp"])
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class TransactionStatus:
    transaction_uid: str
    status: str
    status_th: str
    raw_message: str = ""


def _reveal(value: SecretStr | str | None) -> str:
    if value is None:
        return ""
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class MophClaimClient:
    """One unit's MOPH Claim account."""

    def __init__(
        self,
        *,
        token_base: str,
        claim_base: str,
        username: SecretStr | str | None,
        password: SecretStr | str | None,
        hospital_code: str,
        timeout_s: float = 15.0,
        limiter: TokenBucket | None = None,
        ca_bundle: str = "",
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._user = _reveal(username)
        self._password = _reveal(password)
        self.hospital_code = hospital_code
        self.token_base = (token_base or PROD_TOKEN_BASE).rstrip("/") + "/"
        self.claim_base = (claim_base or PROD_CLAIM_BASE).rstrip("/") + "/"
        self._clock = clock
        self._limiter = limiter or TokenBucket(rate=5.0, burst=5)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0
        self.token_fetches = 0  # how many times a token was requested (tests, health)
        if self._password:
            register_sensitive([self._password, password_hash(self._password)])
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            verify=tls_context(ca_bundle),
            headers={"User-Agent": "jhcis-kiosk/0.1", "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MophClaimClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- token ----------------------------------------------------------------------

    def token(self, *, force: bool = False) -> str:
        with self._lock:
            now = self._clock()
            if not force and self._token and now < self._token_expires - EARLY_REFRESH_S:
                return self._token
            if not (self._user and self._password and self.hospital_code):
                raise MophNotConfigured("moph_username/moph_password/hcode missing")
            body = {
                "user": self._user,
                "password_hash": password_hash(self._password),
                "hospital_code": self.hospital_code,
            }
            response = self._send(
                "POST",
                self.token_base + TOKEN_PATH,
                "token",
                params={"Action": "get_moph_access_token"},
                json_body=body,
            )
            self.token_fetches += 1
            text = response.text.strip().strip('"')
            if response.status_code in (400, 401, 403) or (
                response.status_code == 200 and text.count(".") != 2
            ):
                raise MophLoginFailed(f"token: HTTP {response.status_code}")
            if response.status_code != 200:
                raise MophUnavailable(f"token: HTTP {response.status_code}")
            register_sensitive([text])
            expiry = jwt_expiry(text)
            self._token = text
            self._token_expires = expiry if expiry is not None else now + FALLBACK_LIFETIME_S
            return text

    def ready(self) -> None:
        """Fetch the token now, before anything is recorded: a wrong password leaves no row."""
        self.token()

    def _send(
        self,
        method: str,
        url: str,
        template: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        bearer: str | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        data: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        self._limiter.acquire()
        try:
            return self._http.request(
                method, url, params=params, json=json_body, headers=headers, files=files, data=data
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # No connection: the request never left (a ledger may send it again).
            raise MophUnreachable(f"{template}: {type(exc).__name__}") from None
        except httpx.TimeoutException as exc:
            raise MophTimeout(f"{template}: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            raise MophUnavailable(f"{template}: {type(exc).__name__}") from None

    def _authorized_response(
        self,
        method: str,
        url: str,
        template: str,
        json_body: Any = None,
        *,
        bearer: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        """A call with the cached token (or a fixed `bearer`); on 401 one fresh token and
        one retry. 401/403 at the end and 429 raise; any other answer is returned."""
        response = self._send(
            method, url, template, json_body=json_body, bearer=bearer or self.token(), **extra
        )
        if response.status_code == 401 and bearer is None:
            log.info("MOPH %s: token refused, fetching a new one", template)
            fresh = self.token(force=True)
            response = self._send(method, url, template, json_body=json_body, bearer=fresh, **extra)
        if response.status_code == 401:
            raise MophTokenRejected(f"{template}: HTTP 401 after a fresh token")
        if response.status_code == 403:
            raise MophTokenRejected(f"{template}: HTTP 403")
        if response.status_code == 429:
            raise MophRateLimited(f"{template}: HTTP 429")
        return response

    def _authorized(
        self, method: str, url: str, template: str, json_body: Any = None, **extra: Any
    ) -> dict[str, Any]:
        """A call with the cached token; on 401 one fresh token and one retry."""
        response = self._authorized_response(method, url, template, json_body, **extra)
        if response.status_code >= 500:
            raise MophUnavailable(f"{template}: HTTP {response.status_code}")
        try:
            data = safe_json.loads(response.content)  # too deep: malformed, not RecursionError
        except ValueError:
            raise MophMalformed(f"{template}: body is not JSON") from None
        if not isinstance(data, dict):
            raise MophMalformed(f"{template}: expected an object")
        return data

    # -- claims -----------------------------------------------------------------------

    def submit(self, endpoint: Endpoint, body: dict[str, Any]) -> str:
        """Send one claim; returns MOPH's transaction_uid."""
        template = f"service-admissions/{endpoint}"
        data = self._authorized(
            "POST", self.claim_base + SUBMIT_PATH.format(kind=endpoint), template, body
        )
        status = str(data.get("status", ""))
        message = " ".join(str(data.get(k) or "") for k in ("message", "message_th")).strip()
        payload = data.get("data") if isinstance(data.get("data"), dict) else {}
        uid = str((payload or {}).get("transaction_uid") or "")
        if status in ("200", "201") and uid:
            return uid
        error = _refusal(message, template, status)
        raise error

    def status(self, transaction_uid: str) -> TransactionStatus:
        template = "service-transactions/{uid}/status"
        data = self._authorized(
            "GET", self.claim_base + STATUS_PATH.format(uid=transaction_uid), template
        )
        payload = data.get("data")
        if not isinstance(payload, dict) or not payload.get("status"):
            message = str(data.get("message") or "")
            raise _refusal(message, template, str(data.get("status", "")))
        return TransactionStatus(
            transaction_uid,
            str(payload.get("status")),
            str(payload.get("status_th") or ""),
            str(data.get("message") or ""),
        )


class FdhClient(MophClaimClient):
    """The Financial Data Hub (reference §3e): same token scheme, its own host.

    ``upload_16_files`` sends one batch's ``.txt`` files as repeated multipart
    ``file`` parts with ``type=txt`` to ``/api/v2/data_hub/16_files``.
    """

    UPLOAD_PATH = "api/v2/data_hub/16_files"
    MAX_BYTES = 50 * 1024 * 1024  # the documented per-request limit

    def upload_16_files(self, paths: list[Path]) -> dict[str, Any]:
        template = "data_hub/16_files"
        files = [("file", (p.name, p.read_bytes(), "text/plain")) for p in paths]
        if sum(len(part[1][1]) for part in files) > self.MAX_BYTES:
            raise MophRejected(f"{template}: batch over 50 MB; export a shorter range")
        data = self._authorized(
            "POST", self.claim_base + self.UPLOAD_PATH, template, files=files, data={"type": "txt"}
        )
        status = str(data.get("status", ""))
        if status not in ("200", "201", "success"):
            message = " ".join(str(data.get(k) or "") for k in ("message", "message_th")).strip()
            raise _refusal(message, template, status)
        return data


def _refusal(message: str, template: str, status: str) -> MophError:
    lowered = message.lower()
    if any(marker in lowered for marker in _DUPLICATE_MARKERS):
        return MophDuplicate(f"{template}: status {status}")
    # MOPH's own message is about the record (field names), not about the person.
    return MophRejected(f"{template}: status {status}: {message[:200]}")
