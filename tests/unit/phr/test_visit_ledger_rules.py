"""The visit ledger's rules (what may go again) and MOPH's answers read as a ledger needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from integrations.jhcis import visit_ledger as vl
from integrations.moph.envelope import read_upload_answer

NOW = dt.datetime(2026, 1, 20, 10, 0)


def row(status: str, *, content: str = "a", age_s: int = 60, **kw: Any) -> dict[str, Any]:
    base = {"id": 7, "seq": 3, "attempts": 1, "content_sha256": content, "status": status,
            "updated_at": NOW - dt.timedelta(seconds=age_s), "next_try_at": None}  # fmt: skip
    base.update(kw)
    return base


@pytest.mark.parametrize(
    ("last", "resend", "expected"),
    [
        (None, False, ("new", 1, "")),
        (row("sent"), False, ("skip", 0, "sent")),
        (row("sent"), True, ("skip", 0, "sent")),  # never again, not even on purpose
        (row("sent", content="b"), False, ("new", 4, "")),  # corrected: an update
        (row("unknown"), False, ("skip", 0, "unknown")),
        (row("unknown"), True, ("new", 4, "")),
        (row("sending"), True, ("skip", 0, "in_progress")),  # a run is still at it
        (row("sending", age_s=vl.IN_PROGRESS_S), False, ("skip", 0, "unknown")),  # died
        (row("rejected"), False, ("skip", 0, "rejected")),
        (row("rejected", content="b"), False, ("new", 4, "")),
        (row("failed", next_try_at=NOW + dt.timedelta(minutes=1)), False, ("skip", 0, "waiting")),
        (row("failed", next_try_at=NOW), False, ("retry", 0, "")),
        (row("failed", next_try_at=NOW + dt.timedelta(hours=1)), True, ("retry", 0, "")),
    ],
)
def test_what_may_go(last: dict[str, Any] | None, resend: bool, expected: tuple[Any, ...]) -> None:
    found = vl.plan(last, "a", NOW, resend=resend)
    assert (found.action, found.seq, found.reason) == expected
    if found.action == "retry":
        assert found.row_id == 7


def test_back_off_doubles_up_to_six_hours() -> None:
    assert [vl.backoff_s(n) // 60 for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert vl.backoff_s(30) == 6 * 3600


def answer(status: int, body: object) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(status, text=body)
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (200, {"MessageCode": 200, "Message": "OK"}, "accepted"),
        (200, {"MessageCode": 400, "Message": "bad cid"}, "refused"),
        (400, {"message": "invalid json"}, "refused"),
        (422, "no", "refused"),
        (200, {"MessageCode": 500, "Message": "error"}, "unknown"),  # may have acted on it
        (200, "OK", "unknown"),  # unreadable: may have acted on it
        (200, {"Message": "done"}, "unknown"),
        (502, {"MessageCode": 502}, "unknown"),
    ],
)
def test_upload_answers(status: int, body: object, verdict: str) -> None:
    assert read_upload_answer(answer(status, body)).verdict == verdict


def test_an_answer_quoting_a_citizen_id_is_stored_masked() -> None:
    found = read_upload_answer(
        answer(200, {"MessageCode": 400, "Message": "cid 1101700203451 bad"})
    )
    assert found.message == "cid [CID] bad"
