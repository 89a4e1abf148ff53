"""How AgentClient reads the agent's less documented answers (scripted with MockTransport).

The real-HTTP behaviour against the sandbox is in tests/integration/nhso.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import (
    AlreadyAuthenticated,
    InvalidRequest,
    MalformedResponse,
    NhsoUnavailable,
    NoCard,
)
from integrations.nhso.models import ConfirmSaveRequest
from integrations.nhso.ratelimit import TokenBucket

CID = "1909900123450"


def client(status: int, body: Any) -> AgentClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if isinstance(body, bytes):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body)

    return AgentClient(
        "http://agent.invalid:8189",
        limiter=TokenBucket(1000),
        transport=httpx.MockTransport(answer),
    )


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {}),
        (200, None),
        (200, {"pid": CID}),
    ],
)
def test_no_authen_yet_in_any_of_its_forms(status: int, body: Any) -> None:
    assert client(status, body).latest_authen_code(CID) == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"status": 404, "error": "Not Found"}),
        (400, {"status": 400, "error": "Bad Request", "message": "not found"}),
        (200, {"error": "ไม่พบข้อมูล"}),
    ],
)
def test_a_refused_lookup_is_not_no_authen(status: int, body: Any) -> None:
    # Read as "none", a refusal would let a second authen through (reference §1.5).
    with pytest.raises(InvalidRequest):
        client(status, body).latest_authen_code(CID)
    with pytest.raises(InvalidRequest):
        client(status, body).latest_5_all_hospitals(CID)


def test_latest_lookup_failures_that_settle_nothing_stay_errors() -> None:
    with pytest.raises(NhsoUnavailable):
        client(500, {"status": 500}).latest_authen_code(CID)
    with pytest.raises(MalformedResponse):
        client(200, "PP1234567890").latest_authen_code(CID)


def test_latest_5_single_object_is_a_list_of_one() -> None:
    entry = {"claimType": "PG0060001", "claimCode": "PP1234567890", "hcode": "99999"}
    (only,) = client(200, entry).latest_5_all_hospitals(CID)
    assert only.claim_code == "PP1234567890"


def test_read_500_is_no_card_and_terminals_object_is_a_list() -> None:
    with pytest.raises(NoCard):
        client(500, {"status": 500, "error": "Internal Server Error"}).read()
    (terminal,) = client(200, {"terminalName": "R", "isPresent": True}).terminals()
    assert terminal.card_present


def test_confirm_save_refusals_map_by_text() -> None:
    request = ConfirmSaveRequest(
        pid=CID, claim_type="PG0060001", mobile="0812345678", correlation_id="c"
    )
    duplicate = {"status": 400, "errors": [{"defaultMessage": "ไม่สามารถเลือกบริการซ้ำใน 1 วัน"}]}
    with pytest.raises(AlreadyAuthenticated):
        client(400, duplicate).confirm_save(request)
    with pytest.raises(InvalidRequest) as info:
        client(200, {"error": "Bad Request", "message": f"pid {CID} rejected"}).confirm_save(
            request
        )
    assert CID not in str(info.value)  # NHSO's text is kept, the CID in it is masked
