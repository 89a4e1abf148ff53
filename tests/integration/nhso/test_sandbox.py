"""The sandbox as NHSO documents it: shapes by right, rules, control panel, header."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest

from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import InvalidRequest
from integrations.nhso.models import ClaimDetailRequest
from integrations.nhso.sandbox import DEFAULT_TOKEN, SANDBOX_HEADER, SandboxServer
from integrations.nhso.web import NhsoWebClient

from .people import DEMO, GENERAL, LGO, MOBILE, OFC, SSS, UNKNOWN

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


@pytest.fixture
def http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=5) as client:
        yield client


def test_every_response_says_sandbox(sandbox: SandboxServer, http: httpx.Client) -> None:
    responses = [
        http.get("/api/smartcard/terminals"),
        http.get("/api/smartcard/read"),
        http.post("/api/nhso-service/confirm-save", json={}),  # 400
        http.get("/no/such/path"),  # 404
        http.get("/authencodestatus/api/check-authen-status"),  # 401, no token
        http.get("/_sandbox/state"),
    ]
    sandbox.set_faults(server_error=True, count=1)
    responses.append(http.get("/api/smartcard/read"))
    sandbox.set_faults(malformed=True, count=1)
    responses.append(http.get("/api/smartcard/read"))
    assert [r.status_code for r in responses] == [200, 200, 400, 404, 401, 200, 503, 200]
    assert all(r.headers.get(SANDBOX_HEADER) == "true" for r in responses)


def test_read_shapes_follow_the_right(sandbox: SandboxServer, http: httpx.Client) -> None:
    def read(cid: str) -> dict[str, object]:
        sandbox.insert_card(cid)
        body = http.get("/api/smartcard/read").json()
        assert isinstance(body, dict)
        return body

    ucs = read(DEMO)
    assert {"hospSub", "hospMainOp", "hospMain", "paidModel", "expireDateTime"} <= set(ucs)
    assert ucs["mainInscl"] == "(UCS) สิทธิหลักประกันสุขภาพแห่งชาติ"
    assert ucs["birthDate"] == "25230415" and "image" not in ucs
    sss = read(SSS)
    assert "hospMain" in sss and not {"hospSub", "hospMainOp", "paidModel"} & set(sss)
    ofc = read(OFC)
    assert not {"hospSub", "hospMainOp", "hospMain", "expireDateTime"} & set(ofc)
    assert str(read(LGO)["mainInscl"]).startswith("(LGO)")
    unknown = read(UNKNOWN)
    assert str(unknown["mainInscl"]).startswith("(UCS)") and unknown["claimTypes"]
    with_photo = http.get("/api/smartcard/read", params={"readImageFlag": "true"}).json()
    assert str(with_photo["image"]).startswith("/9j/")
    card_only = http.get("/api/smartcard/read-card-only").json()
    assert set(card_only) == {"pid", "titleName", "fname", "lname", "birthDate", "sex"}


def test_confirm_save_issues_pp_codes_and_latest_reports_them(
    sandbox: SandboxServer, http: httpx.Client
) -> None:
    assert http.get(f"/api/nhso-service/latest-authen-code/{DEMO}").json() == {}
    correlation = http.get("/api/smartcard/read").json()["correlationId"]
    body = {"pid": DEMO, "claimType": GENERAL, "mobile": MOBILE, "correlationId": correlation}
    saved = http.post("/api/nhso-service/confirm-save/", json=body).json()  # trailing slash
    assert re.fullmatch(r"PP\d{10}", saved["claimCode"])
    assert saved["correlationId"] == correlation
    latest = http.get(f"/api/nhso-service/latest-authen-code/{DEMO}").json()
    assert latest["claimCode"] == saved["claimCode"] and latest["hcode"] == "99999"
    five = http.get(f"/api/nhso-service/latest-5-authen-code-all-hospital/{DEMO}").json()
    assert [e["claimCode"] for e in five] == [saved["claimCode"]]
    draft = http.post("/api/nhso-service/save-as-draft", json=body).json()
    assert "claimCode" not in draft and draft["claimType"] == GENERAL
    refused = http.post("/api/nhso-service/confirm-save", json=body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["defaultMessage"] == "ไม่สามารถเลือกบริการซ้ำใน 1 วัน"
    bad_mobile = http.post("/api/nhso-service/confirm-save", json=body | {"mobile": "123"})
    assert bad_mobile.status_code == 400


def test_check_authen_status_messages(sandbox: SandboxServer, http: httpx.Client) -> None:
    url = "/authencodestatus/api/check-authen-status"
    today = dt.date.today().isoformat()

    def message(**params: str) -> str:
        body = http.get(url, params=params, headers=AUTH).json()
        return str(body["statusMessage"])

    assert message(serviceDate=today) == "กรุณาระบุ personalId"
    assert message(personalId=DEMO) == "กรุณาระบุ SERVICE_DATE"
    assert "yyyy-MM-dd" in message(personalId=DEMO, serviceDate="25/11/2569")
    assert message(personalId=DEMO, serviceDate=today, serviceCode="PG1") == (
        "ไม่พบ serviceCode ที่ระบุ"
    )
    assert message(personalId=DEMO, serviceDate=today) == "ไม่พบข้อมูลการ authen"
    assert message(personalId=DEMO, serviceDate=today, serviceCode=GENERAL) == (
        "ไม่พบข้อมูลการ authen ด้วยบริการนี้"
    )


def _claim(transaction_id: str, pid: str = SSS) -> ClaimDetailRequest:
    now_ms = int(dt.datetime.now().timestamp() * 1000) - 60_000
    return ClaimDetailRequest.model_validate(
        {
            "hcode": "99999",
            "mainInsclCode": "SSS",
            "serviceDateTime": now_ms,
            "invoiceDateTime": now_ms,
            "transactionId": transaction_id,
            "totalAmount": 150.5,
            "paidAmount": 0,
            "privilegeAmount": 150.5,
            "claimServiceCode": GENERAL,
            "pid": pid,
            "sourceId": "TEST",
            "visitNumber": "0001",
            "recorderPid": DEMO,
        }
    )


def test_close_right_and_cancel(sandbox: SandboxServer, web: NhsoWebClient) -> None:
    closed = web.close_right(_claim("99999-0001"))
    assert re.fullmatch(r"EP\d{10}", closed.authen_code)
    status = web.check_authen_status(SSS, dt.date.today())
    assert [(h.claim_code, h.source_channel) for h in status.histories] == [
        (closed.authen_code, "ENDPOINT")
    ]
    with pytest.raises(InvalidRequest, match="transactionId"):
        web.close_right(_claim("99999-0001"))
    with pytest.raises(InvalidRequest):
        web.cancel_close_right(closed.seq, "wrong-transaction")
    cancelled = web.cancel_close_right(closed.seq, "99999-0001")
    assert cancelled.cancelled and cancelled.authen_code == closed.authen_code
    assert web.check_authen_status(SSS, dt.date.today()).histories == []


def test_close_right_refuses_future_and_bad_amounts(web: NhsoWebClient) -> None:
    future = _claim("99999-0002").model_copy(
        update={"service_date_time": int(dt.datetime.now().timestamp() * 1000) + 3_600_000}
    )
    with pytest.raises(InvalidRequest, match="serviceDateTime"):
        web.close_right(future)
    too_precise = _claim("99999-0003").model_copy(update={"total_amount": 1.234})
    with pytest.raises(InvalidRequest, match="totalAmount"):
        web.close_right(too_precise)


def test_control_panel_over_http(sandbox: SandboxServer, http: httpx.Client) -> None:
    assert http.post("/_sandbox/card", json={"cid": None}).status_code == 200
    assert http.get("/api/smartcard/read").status_code == 500  # no card
    http.post("/_sandbox/card", json={"cid": SSS})
    assert http.get("/api/smartcard/read").json()["pid"] == SSS
    set_faults = http.post("/_sandbox/faults", json={"rate_limit": True, "count": 2})
    assert set_faults.json()["rate_limit"] is True
    assert [http.get("/api/smartcard/terminals").status_code for _ in range(3)] == [429, 429, 200]
    assert http.post("/_sandbox/faults", json={"explode": True}).status_code == 400
    assert http.post("/_sandbox/faults", json={"latency_s": "slow"}).status_code == 400
    assert http.post("/_sandbox/faults", json={"timeout": 1}).status_code == 400
    one_path = http.post("/_sandbox/faults", json={"malformed": True, "paths": "terminals"})
    assert one_path.json()["paths"] == ["terminals"]
    http.post("/_sandbox/faults", json={})
    state = http.get("/_sandbox/state").json()
    assert state["sandbox"] is True and state["faults"]["rate_limit"] is False
    http.post("/_sandbox/card", json={"reader": False})
    assert http.get("/api/smartcard/terminals").json() == []


def test_clients_notice_they_talk_to_the_sandbox(agent: AgentClient, web: NhsoWebClient) -> None:
    assert not agent.sandbox_seen and not web.sandbox_seen
    agent.terminals()
    web.check_authen_status(DEMO, dt.date.today())
    assert agent.sandbox_seen and web.sandbox_seen
