"""Client of the NHSO Secure SmartCard Agent's local REST API (reference §1).

The agent carries the hospital's token itself, so no credentials are sent. Its
quirks are handled here: HTTP 500 from /read means "no card", errors come as Spring
bodies, and latest-5 may answer with one object instead of a list.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import httpx

from common.logs import redact
from integrations.nhso.errors import (
    InvalidRequest,
    MalformedResponse,
    NhsoError,
    NoCard,
    error_for_message,
)
from integrations.nhso.models import (
    AgentCardOnly,
    AgentRead,
    AuthenResult,
    ConfirmSaveRequest,
    ConfirmSaveResponse,
    SaveAsDraftResponse,
    SpringError,
    Terminal,
    WireTerminal,
    parse_latest,
)
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.transport import JsonHttp, Reply, parse_model

READ = "/api/smartcard/read"
READ_CARD_ONLY = "/api/smartcard/read-card-only"
TERMINALS = "/api/smartcard/terminals"
CONFIRM_SAVE = "/api/nhso-service/confirm-save"
SAVE_AS_DRAFT = "/api/nhso-service/save-as-draft"
LATEST = "/api/nhso-service/latest-authen-code/"
LATEST_5 = "/api/nhso-service/latest-5-authen-code-all-hospital/"

DEFAULT_AGENT_URL = "http://127.0.0.1:8189"

log = logging.getLogger(__name__)

R = TypeVar("R", AgentRead, AgentCardOnly)


def agent_error(reply: Reply, template: str) -> NhsoError:
    """The error an agent error body means (Spring validation, default or problem+json)."""
    message = ""
    if isinstance(reply.data, dict):
        try:
            message = SpringError.model_validate(reply.data).human_message()
        except ValueError:
            message = ""
    cls = error_for_message(message) if message else InvalidRequest
    # NHSO texts carry no personal data, but a validation message may echo a value.
    return cls(f"{template}: HTTP {reply.status} {redact(message)}".strip())


def _check(reply: Reply, template: str) -> Any:
    if reply.status >= 300 or (isinstance(reply.data, dict) and "error" in reply.data):
        raise agent_error(reply, template)
    return reply.data


class AgentClient:
    """One agent, typically http://127.0.0.1:8189."""

    def __init__(
        self,
        base_url: str = DEFAULT_AGENT_URL,
        *,
        limiter: TokenBucket,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = JsonHttp(
            base_url, kind="agent", timeout_s=timeout_s, limiter=limiter, transport=transport
        )

    @property
    def sandbox_seen(self) -> bool:
        return self.http.sandbox_seen

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AgentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ping(self) -> None:
        """AgentNotRunning unless the agent answers (a HEAD: no card is read)."""
        self.http.ping("agent")

    def terminals(self) -> list[Terminal]:
        data = _check(self.http.request("GET", TERMINALS, template="terminals"), "terminals")
        if data is None:
            return []
        if not isinstance(data, list):
            data = [data]
        return [parse_model(WireTerminal, item, "terminals").to_terminal() for item in data]

    def read(self, *, image: bool = False) -> AgentRead:
        """Card plus NHSO rights; NoCard when the reader is empty (the agent's HTTP 500)."""
        return self._read(AgentRead, READ, "smartcard/read", image)

    def read_card_only(self, *, image: bool = False) -> AgentCardOnly:
        return self._read(AgentCardOnly, READ_CARD_ONLY, "smartcard/read-card-only", image)

    def _read(self, model: type[R], path: str, template: str, image: bool) -> R:
        reply = self.http.request(
            "GET",
            path,
            template=template,
            params={"readImageFlag": "true" if image else "false"},
            pass_statuses=frozenset({500}),
        )
        if reply.status == 500:
            raise NoCard(f"{template}: HTTP 500")
        return parse_model(model, _check(reply, template), template)

    def confirm_save(self, request: ConfirmSaveRequest) -> ConfirmSaveResponse:
        """Issue a claim code. NOT idempotent: callers must follow the no-double rule."""
        template = "nhso-service/confirm-save"
        reply = self.http.request("POST", CONFIRM_SAVE, template=template, body=request.body())
        return parse_model(ConfirmSaveResponse, _check(reply, template), template)

    def save_as_draft(self, request: ConfirmSaveRequest) -> SaveAsDraftResponse:
        template = "nhso-service/save-as-draft"
        reply = self.http.request("POST", SAVE_AS_DRAFT, template=template, body=request.body())
        return parse_model(SaveAsDraftResponse, _check(reply, template), template)

    def latest_authen_code(self, cid: str) -> list[AuthenResult]:
        """This hospital's latest authen for the person ([] when there is none)."""
        return self._latest(LATEST + cid, "latest-authen-code/{pid}")

    def latest_5_all_hospitals(self, cid: str) -> list[AuthenResult]:
        return self._latest(LATEST_5 + cid, "latest-5-authen-code-all-hospital/{pid}")

    def _latest(self, path: str, template: str) -> list[AuthenResult]:
        # Only a 2xx answer without a claimCode means "no authen" (reference §1.5). A
        # refusal settles nothing: read as "none" it would let a second authen through,
        # so every 4xx (and an "error" body) raises like any other agent refusal.
        reply = self.http.request("GET", path, template=template)
        data = _check(reply, template)
        try:
            return parse_latest(data)
        except ValueError:
            raise MalformedResponse(f"{template}: unexpected shape") from None
