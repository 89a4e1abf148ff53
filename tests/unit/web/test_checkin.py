"""Assisted check-in in-process; NHSO's AuthenCode answered by a recording transport."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from backoffice.testing import TEST_RECORDER_CID
from backoffice.web.deps import WebDeps
from integrations.jhcis.tables import person
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.web import NhsoUrls, NhsoWebClient

from .conftest import csrf_of

ClientFor = Callable[[str | None], TestClient]


def _a_person(deps: WebDeps) -> tuple[str, int, str]:
    with deps.clinic.engine.connect() as conn:
        row = conn.execute(
            select(person.c.pcucodeperson, person.c.pid, person.c.idcard)
            .where(person.c.idcard.is_not(None))
            .order_by(person.c.pid.desc())
            .limit(1)
        ).one()
    return str(row[0]), int(row[1]), str(row[2])


def _find(client: TestClient, cid: str) -> tuple[str, str]:
    page = client.post("/checkin/find", data={"csrf_token": csrf_of(client), "cid": cid})
    assert page.status_code == 200, page.text[:500]
    idem = re.search(r'name="idem" value="([0-9a-f]{32})"', page.text)
    assert idem
    return page.text, idem.group(1)


def _recording_nhso(deps: WebDeps) -> list[dict[str, object]]:
    """NHSO answers AuthenCode with a code and records each request body."""
    sent: list[dict[str, object]] = []

    def nhso(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/api/AuthenCode"):
            sent.append(json.loads(request.content))
            return httpx.Response(200, json={"authenCode": "PP5550000001", "dataError": None})
        # check-authen-status before issuing: nothing yet today
        return httpx.Response(
            200, json={"statusAuthen": False, "statusMessage": "ไม่พบข้อมูลการ authen"}
        )

    deps.nhso_client = lambda: NhsoWebClient(
        NhsoUrls.from_api_base("http://nhso.test"),
        limiter=TokenBucket(1000),
        token="t",
        transport=httpx.MockTransport(nhso),
    )
    return sent


def _authen_form(client: TestClient, unit: str, pid: int, idem: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_of(client),
        "mode": "authen",
        "pcucodeperson": unit,
        "pid": str(pid),
        "idem": idem,
        "claim_type": "PG0060001",
        "mobile": "081-234-5678",
    }


def test_configured_province_and_recorder_are_used(deps: WebDeps, client_for: ClientFor) -> None:
    configured = "1101700203450"  # checksum-valid, synthetic
    nhso = deps.settings.nhso.model_copy(update={"province": "1000", "recorder_pid": configured})
    deps.settings = deps.settings.model_copy(update={"nhso": nhso})
    sent = _recording_nhso(deps)
    unit, pid, cid = _a_person(deps)
    client = client_for("t_admin")  # no idcard in JHCIS user: the configured recorder
    _page, idem = _find(client, cid)
    reply = client.post("/checkin/open", data=_authen_form(client, unit, pid, idem))
    assert reply.status_code == 200, reply.text[:500]
    assert [(b["province"], b["recorderPid"]) for b in sent] == [("1000", configured)]


def test_authen_without_card_sends_the_staff_recorder(deps: WebDeps, client_for: ClientFor) -> None:
    sent = _recording_nhso(deps)
    unit, pid, cid = _a_person(deps)
    client = client_for("t_staff")
    page, idem = _find(client, cid)
    assert cid not in page and "x-xxxx-xxxxx-" in page
    form = _authen_form(client, unit, pid, idem)
    reply = client.post("/checkin/open", data=form, follow_redirects=False)
    assert reply.status_code == 303, reply.text[:500]
    assert len(sent) == 1
    body = sent[0]
    assert body["pid"] == cid and body["recorderPid"] == TEST_RECORDER_CID
    assert body["hcode"] == deps.clinic.unit_code() and body["province"] == "9900"
    visit_page = client.get(reply.headers["location"]).text
    assert "PP5550000001" in visit_page
    # A double submit of the same form opens no second visit.
    again = client.post("/checkin/open", data=form, follow_redirects=False)
    assert again.headers["location"] == reply.headers["location"]
    assert deps.clinic.get_person(unit, pid).mobile == "0812345678"  # type: ignore[union-attr]


def test_nhso_refusal_is_shown_and_no_visit_opened(deps: WebDeps, client_for: ClientFor) -> None:
    def nhso(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/api/AuthenCode"):
            return httpx.Response(200, json={"authenCode": None, "dataError": "Invalid Token"})
        return httpx.Response(
            200, json={"statusAuthen": False, "statusMessage": "ไม่พบข้อมูลการ authen"}
        )

    deps.nhso_client = lambda: NhsoWebClient(
        NhsoUrls.from_api_base("http://nhso.test"),
        limiter=TokenBucket(1000),
        token="t",
        transport=httpx.MockTransport(nhso),
    )
    unit, pid, cid = _a_person(deps)
    client = client_for("t_staff")
    _page, idem = _find(client, cid)
    reply = client.post(
        "/checkin/open",
        data={
            "csrf_token": csrf_of(client), "mode": "authen", "pcucodeperson": unit,
            "pid": str(pid), "idem": idem, "claim_type": "PG0060001", "mobile": "0812345678",
        },
    )  # fmt: skip
    assert reply.status_code == 400
    assert 'data-error-code="nhso.token_invalid"' in reply.text
    assert deps.clinic.find_visit_by_key(f"web-{idem}") is None


def test_visit_without_authen_and_bad_mobile(deps: WebDeps, client_for: ClientFor) -> None:
    unit, pid, cid = _a_person(deps)
    client = client_for("t_staff")
    _page, idem = _find(client, cid)
    bad = client.post(
        "/checkin/open",
        data={
            "csrf_token": csrf_of(client), "mode": "authen", "pcucodeperson": unit,
            "pid": str(pid), "idem": idem, "claim_type": "PG0060001", "mobile": "12",
        },
    )  # fmt: skip
    assert 'data-error-code="nhso.invalid_mobile"' in bad.text
    reply = client.post(
        "/checkin/open",
        data={
            "csrf_token": csrf_of(client), "mode": "plain", "pcucodeperson": unit,
            "pid": str(pid), "idem": idem,
        },
        follow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 303
    opened = deps.clinic.find_visit_by_key(f"web-{idem}")
    assert opened is not None and deps.clinic.visit_claim(opened).claim_code is None
    viewer = client_for("t_viewer")
    refused = viewer.post(
        "/checkin/open",
        data={
            "csrf_token": csrf_of(viewer),
            "mode": "plain",
            "pcucodeperson": unit,
            "pid": str(pid),
            "idem": idem,
        },
    )
    assert refused.status_code == 403


def test_staff_see_the_card_photo_and_why_the_kiosk_sent_a_person_to_them(
    deps: WebDeps, client_for: ClientFor
) -> None:
    from integrations.jhcis.tables import persondeath, personimages

    unit, pid, cid = _a_person(deps)
    jpeg = b"\xff\xd8\xff\xe0 a card photo \xff\xd9"
    with deps.clinic.engine.begin() as conn:
        conn.execute(personimages.insert().values(pcucodeperson=unit, pid=pid, photo=jpeg))
        conn.execute(persondeath.insert().values(pcucodeperson=unit, pid=pid))
    staff = client_for("t_staff")
    page, _idem = _find(staff, cid)
    assert f'src="/persons/{unit}/{pid}/photo.jpg"' in page
    assert "persondeath" in page or "เสียชีวิต" in page  # the reason, for staff only
    photo = staff.get(f"/persons/{unit}/{pid}/photo.jpg")
    assert photo.status_code == 200 and photo.content == jpeg
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["cache-control"] == "no-store"
    assert client_for("t_viewer").get(f"/persons/{unit}/{pid}/photo.jpg").status_code == 403
    assert staff.get(f"/persons/{unit}/99999999/photo.jpg").status_code == 404
