"""Clients of NHSO's web APIs, Bearer-token authenticated (reference §3.1, §4.1, §4.2).

* check-authen-status (authencodestatus): the claim codes a person got on a day;
* RealPerson and AuthenCode (nhsoendpoint): rights and an authen code without the
  agent or a card;
* nhso-claim-detail (nhsoendpoint): close right, and its cancel.

NHSO reports most refusals as HTTP 200 with a ``dataError`` or ``statusMessage`` text;
those texts are mapped onto the error taxonomy by :func:`error_for_message`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from common.logs import redact
from integrations.nhso.errors import (
    MalformedResponse,
    NhsoError,
    NotConfigured,
    error_for_message,
)
from integrations.nhso.models import (
    AuthenCodeRequest,
    AuthenCodeResponse,
    AuthenStatus,
    CancelClaimRequest,
    CancelClaimResponse,
    CancelResult,
    ClaimDetailRequest,
    ClaimDetailResponse,
    CloseRightResult,
    RealPerson,
    parse_authen_status,
    parse_bool,
)
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.transport import JsonHttp, Reply, parse_model

PROD_ENDPOINT_BASE = "https://nhsoapi.nhso.go.th/nhsoendpoint/"
PROD_STATUS_BASE = "https://authenucws.nhso.go.th/authencodestatus/"

CHECK_AUTHEN_STATUS = "api/check-authen-status"
REAL_PERSON = "api/RealPerson"
AUTHEN_CODE = "api/AuthenCode"
CLAIM_DETAIL = "api/nhso-claim-detail"
# Not found in public code (reference §4.1 "read them from Swagger"): our best guess,
# kept in one place so the real path is a one-line change.
CLAIM_DETAIL_CANCEL = "api/nhso-claim-detail/cancel"

_ANSWERS = ("พบข้อมูลการ authen", "ไม่พบข้อมูลการ authen")


@dataclass(frozen=True)
class NhsoUrls:
    endpoint_base: str  # .../nhsoendpoint/
    status_base: str  # .../authencodestatus/

    @classmethod
    def from_api_base(cls, api_base_url: str) -> NhsoUrls:
        """Empty: production. A host root (the test zone, our sandbox): both APIs under it."""
        if not api_base_url:
            return cls(PROD_ENDPOINT_BASE, PROD_STATUS_BASE)
        parts = urlsplit(api_base_url)
        path = parts.path.rstrip("/")
        for suffix in ("/nhsoendpoint", "/authencodestatus"):
            if path.endswith(suffix):
                path = path[: -len(suffix)]
        root = f"{parts.scheme}://{parts.netloc}{path}"
        return cls(root + "/nhsoendpoint/", root + "/authencodestatus/")


def data_error(message: str | None, template: str) -> NhsoError | None:
    if not message or not message.strip():
        return None
    return error_for_message(message)(f"{template}: {redact(message.strip())}")


class NhsoWebClient:
    """NHSO's web APIs for one hospital's tokens."""

    def __init__(
        self,
        urls: NhsoUrls,
        *,
        limiter: TokenBucket,
        token: SecretStr | str | None,
        claim_token: SecretStr | str | None = None,
        timeout_s: float = 10.0,
        ca_bundle: str = "",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.urls = urls
        self._has_token = bool(_value(token))
        self._has_claim_token = bool(_value(claim_token))
        self._claim_token = claim_token
        self.endpoint, self.status = (
            JsonHttp(
                base,
                kind="web",
                timeout_s=timeout_s,
                limiter=limiter,
                token=token,
                ca_bundle=ca_bundle,
                transport=transport,
            )
            for base in (urls.endpoint_base, urls.status_base)
        )

    @property
    def sandbox_seen(self) -> bool:
        """True once an answer came from our sandbox, not NHSO."""
        return self.endpoint.sandbox_seen or self.status.sandbox_seen

    def close(self) -> None:
        self.endpoint.close()
        self.status.close()

    def ping(self) -> None:
        """NhsoUnavailable unless NHSO's API host answers a HEAD (no token, no person)."""
        self.endpoint.ping("nhsoendpoint")

    def _need_token(self) -> None:
        if not self._has_token:
            raise NotConfigured("nhso_token secret not set")

    def check_authen_status(
        self, cid: str, day: dt.date, service_code: str | None = None
    ) -> AuthenStatus:
        """Every claim code NHSO holds for the person on `day` (any hospital)."""
        self._need_token()
        template = "check-authen-status"
        params = {"personalId": cid, "serviceDate": day.isoformat()}
        if service_code:
            params["serviceCode"] = service_code
        reply = self.status.request("GET", CHECK_AUTHEN_STATUS, template=template, params=params)
        _refuse_4xx(reply, template)
        try:
            status = parse_authen_status(reply.data)
        except ValueError:
            raise MalformedResponse(f"{template}: unexpected shape") from None
        message = status.message.strip()
        # "found" / "not found" are answers; any other message is a refusal. Without a
        # message only the older {success: true, results} shape is an answer: anything
        # unexplained read as "none" would let a second authen through.
        if status.status_authen or message.lower().startswith(_ANSWERS):
            return status
        if not message and _older_answer(reply.data):
            return status
        raise data_error(message, template) or MalformedResponse(f"{template}: no status message")

    def real_person(self, cid: str, source_id: str) -> RealPerson:
        """Rights by citizen ID, no card (RealPerson); dataError becomes an error."""
        self._need_token()
        template = "RealPerson"
        reply = self.endpoint.request(
            "GET", REAL_PERSON, template=template, params={"SOURCE_ID": source_id, "PID": cid}
        )
        _refuse_4xx(reply, template)
        person = parse_model(RealPerson, reply.data, template)
        error = data_error(person.data_error, template)
        if error is not None:
            raise error
        return person

    def authen_code(self, request: AuthenCodeRequest) -> str:
        """Issue an authen code without the agent. NOT idempotent (see providers)."""
        self._need_token()
        template = "AuthenCode"
        reply = self.endpoint.request("POST", AUTHEN_CODE, template=template, body=request.body())
        _refuse_4xx(reply, template)
        answer = parse_model(AuthenCodeResponse, reply.data, template)
        error = data_error(answer.data_error, template)
        if error is not None:
            raise error
        if not answer.authen_code:
            raise MalformedResponse(f"{template}: neither authenCode nor dataError")
        return answer.authen_code

    def close_right(self, request: ClaimDetailRequest) -> CloseRightResult:
        """Close right (nhso-claim-detail); store the returned seq for a cancel."""
        template = "nhso-claim-detail"
        token = self._claim()
        reply = self.endpoint.request(
            "POST", CLAIM_DETAIL, template=template, body=request.body(), token=token
        )
        _refuse_4xx(reply, template)
        answer = parse_model(ClaimDetailResponse, reply.data, template)
        error = data_error(answer.data_error, template)
        if error is not None:
            raise error
        if answer.seq is None or not answer.authen_code:
            raise MalformedResponse(f"{template}: seq or authenCode missing")
        return CloseRightResult(seq=answer.seq, authen_code=answer.authen_code)

    def cancel_close_right(self, seq: int, transaction_id: str) -> CancelResult:
        template = "nhso-claim-detail/cancel"
        token = self._claim()
        body = CancelClaimRequest(seq=seq, transaction_id=transaction_id).body()
        reply = self.endpoint.request(
            "POST", CLAIM_DETAIL_CANCEL, template=template, body=body, token=token
        )
        _refuse_4xx(reply, template)
        result = parse_model(CancelClaimResponse, reply.data, template).to_result()
        if not result.cancelled:
            error = data_error(result.message or "not cancelled", template)
            if error is not None:
                raise error
        return result

    def _claim(self) -> SecretStr | str | None:
        if not self._has_claim_token:
            raise NotConfigured("nhso_claim_token secret not set")
        return self._claim_token


def _value(token: SecretStr | str | None) -> str:
    if token is None:
        return ""
    return token.get_secret_value() if isinstance(token, SecretStr) else token


def _older_answer(data: object) -> bool:
    """The older check-authen-status shape ``{success, results}`` with success true."""
    return (
        isinstance(data, dict)
        and "statusAuthen" not in data
        and "results" in data
        and parse_bool(data.get("success"))
    )


def _refuse_4xx(reply: Reply, template: str) -> None:
    """A 4xx that the transport let through: NHSO's message if it sent one."""
    if reply.status < 400:
        return
    message = ""
    if isinstance(reply.data, dict):
        for key in ("dataError", "statusMessage", "message", "error"):
            value = reply.data.get(key)
            if isinstance(value, str) and value.strip():
                message = value
                break
    error = data_error(message or f"HTTP {reply.status}", template)
    assert error is not None
    raise error
