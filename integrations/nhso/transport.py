"""The one way this package speaks HTTP: JSON in and out, every failure classified.

Each request first takes a token from the shared rate limiter, runs with explicit
timeouts and TLS verification that cannot be turned off (an extra CA bundle may be
added), and sends a Bearer token the logs never see. Transport failures become
:mod:`integrations.nhso.errors`; the ``maybe_processed`` flag on a raised error says
whether the server may have acted on the request (what the no-double-authen rule
needs to know). Details name endpoints by path template, never by URL, because URLs
carry citizen IDs.
"""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from common import safe_json
from common.logs import register_sensitive
from integrations.nhso.errors import (
    AgentNotRunning,
    MalformedResponse,
    NhsoError,
    NhsoTimeout,
    NhsoUnavailable,
    NotConfigured,
    RateLimited,
    TokenInvalid,
)
from integrations.nhso.ratelimit import TokenBucket

log = logging.getLogger(__name__)

# httpx logs every request URL at INFO and httpcore traces headers at DEBUG: both can
# carry citizen IDs and tokens. Keep them quiet however the root logger is set up.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

Kind = Literal["agent", "web"]
M = TypeVar("M", bound=BaseModel)

USER_AGENT = "jhcis-kiosk/0.1"
#: A HEAD is answered by anything listening, whatever the status (404, 405, 501): only a
#: gateway's 502-504 says that what stands behind it is not there.
ANSWERED = frozenset(range(100, 600)) - {502, 503, 504}
#: Every answer of our NHSO sandbox carries this header (value "true").
SANDBOX_HEADER = "X-NHSO-Sandbox"


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any  # parsed JSON, or None when the body was empty or not JSON
    headers: Mapping[str, str]


@functools.lru_cache(maxsize=8)
def tls_context(ca_bundle: str = "") -> ssl.SSLContext:
    """System trust plus an optional extra bundle; verification always on.

    Cached: loading the system store takes a noticeable fraction of a second, and a
    context may be shared by any number of clients and threads.
    """
    context = ssl.create_default_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise NotConfigured(f"CA bundle unusable: {type(exc).__name__}") from None
    return context


def reveal(token: SecretStr | str | None) -> str | None:
    if token is None:
        return None
    value = token.get_secret_value() if isinstance(token, SecretStr) else token
    return value or None


class JsonHttp:
    """A JSON-over-HTTP client bound to one base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        kind: Kind,
        timeout_s: float,
        limiter: TokenBucket,
        token: SecretStr | str | None = None,
        ca_bundle: str = "",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.kind = kind
        self.limiter = limiter
        #: True once any answer carried the sandbox header: screens must then say so.
        self.sandbox_seen = False
        self._token = reveal(token)
        if self._token:
            # The PII filter then masks it wherever it might still surface.
            register_sensitive([self._token])
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            verify=tls_context(ca_bundle),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> JsonHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        template: str,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        token: SecretStr | str | None = None,
        pass_statuses: frozenset[int] = frozenset(),
        anonymous: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request. `template` (e.g. "latest-authen-code/{pid}") names it in errors.

        429, 401/403 and 5xx become errors unless listed in `pass_statuses`; other
        statuses come back as a Reply for the caller to interpret. `headers` are sent
        as given (an API's own headers, such as NDP's ``Request-id``).
        """
        sent = dict(headers or {})
        bearer = None if anonymous else reveal(token) or self._token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        self.limiter.acquire()
        try:
            response = self._client.request(
                method, path.lstrip("/"), params=params, json=body, headers=sent
            )
        except httpx.ConnectTimeout:
            raise self._unreachable(template, "connect timeout") from None
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise NhsoUnavailable(f"{template}: TLS certificate not trusted") from None
            raise self._unreachable(template, "connection refused") from None
        except httpx.TimeoutException as exc:
            error: NhsoError = NhsoTimeout(f"{template}: {type(exc).__name__}")
            error.maybe_processed = True
            raise error from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            error = NhsoUnavailable(f"{template}: answer lost ({type(exc).__name__})")
            error.maybe_processed = True
            raise error from None
        except (httpx.UnsupportedProtocol, httpx.ProxyError) as exc:
            raise NhsoUnavailable(f"{template}: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            # Anything else (an answer that cannot be decoded, too many redirects, ...)
            # happened after the request left: it may have been processed.
            error = NhsoUnavailable(f"{template}: {type(exc).__name__}")
            error.maybe_processed = True
            raise error from None
        if response.headers.get(SANDBOX_HEADER, "").lower() == "true":
            self.sandbox_seen = True
        data = _json_or_none(response)
        status = response.status_code
        if status not in pass_statuses:
            if status == 429:
                limited = RateLimited(f"{template}: HTTP 429")
                limited.retry_after_s = _retry_after(response.headers.get("Retry-After"))
                raise limited
            if status in (401, 403):
                raise TokenInvalid(f"{template}: HTTP {status}")
            if status >= 500:
                error = NhsoUnavailable(f"{template}: HTTP {status}")
                error.maybe_processed = True
                raise error
        if 200 <= status < 300 and data is None and response.content.strip():
            malformed = MalformedResponse(f"{template}: body is not JSON")
            # NHSO took a POST in (2xx) and its answer is unreadable: an authen, a close
            # right or an upload may have happened, so callers must not resend blindly.
            malformed.maybe_processed = method.upper() not in ("GET", "HEAD")
            raise malformed
        return Reply(status=status, data=data, headers=response.headers)

    def ping(self, template: str) -> None:
        """Return when something answers a HEAD at the base URL; raise as a request does
        otherwise. No token and no parameters: it asks about nobody."""
        self.request("HEAD", "", template=template, pass_statuses=ANSWERED, anonymous=True)

    def _unreachable(self, template: str, what: str) -> NhsoError:
        if self.kind == "agent":
            return AgentNotRunning(f"{template}: {what}")
        return NhsoUnavailable(f"{template}: {what}")


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not used by NHSO's gateways [I])."""
    try:
        seconds = float(value or "")
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        # Nesting past any real answer's is malformed too (a ValueError, not RecursionError).
        return safe_json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def parse_model(model: type[M], data: Any, template: str) -> M:
    """Validate a wire model; the error names fields only (pydantic's text quotes values)."""
    if not isinstance(data, dict):
        raise MalformedResponse(f"{template}: expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise MalformedResponse(f"{template}: bad fields {', '.join(fields)}") from None
