"""Which check-authen-status answers mean "no code that day" (scripted with MockTransport).

Only NHSO's "ไม่พบข้อมูลการ authen" texts and the older ``{success: true, results: []}``
shape are "none"; anything else unexplained raises, so it never leads to a second authen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from integrations.nhso.errors import InvalidRequest, MalformedResponse, NhsoError
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.web import NhsoUrls, NhsoWebClient

CID = "1909900123450"
DAY = dt.date(2026, 3, 16)


def client(body: Any) -> NhsoWebClient:
    return NhsoWebClient(
        NhsoUrls.from_api_base("http://nhso.invalid"),
        limiter=TokenBucket(1000),
        token="t",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)),
    )


@pytest.mark.parametrize(
    "body",
    [
        {"statusAuthen": False, "statusMessage": "ไม่พบข้อมูลการ authen"},
        {"statusAuthen": "false", "statusMessage": "ไม่พบข้อมูลการ authen ด้วยบริการนี้"},
        {"success": True, "results": []},
        {"success": True, "results": ""},
    ],
)
def test_none(body: Any) -> None:
    assert client(body).check_authen_status(CID, DAY).histories == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"statusAuthen": False}, MalformedResponse),
        ({"statusAuthen": False, "statusMessage": ""}, MalformedResponse),
        ({"statusAuthen": False, "statusMessage": "ระบบขัดข้อง"}, InvalidRequest),
        ({"success": False, "results": []}, MalformedResponse),
    ],
)
def test_unexplained_refusals_raise(body: Any, error: type[NhsoError]) -> None:
    with pytest.raises(error):
        client(body).check_authen_status(CID, DAY)
