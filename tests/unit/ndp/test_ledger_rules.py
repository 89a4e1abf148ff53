"""Which visits may go to NDP: the ledger's rules, status by status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backoffice.ndp.ledger import IN_PROGRESS_S, verdict

NOW = dt.datetime(2026, 3, 3, 10, 0)


def row(status: str, *, age_s: float = 0, code: str | None = None) -> dict[str, Any]:
    return {"status": status, "updated_at": NOW - dt.timedelta(seconds=age_s), "nhso_code": code}


@pytest.mark.parametrize(
    ("claim", "resend", "goes", "reason"),
    [
        (None, False, True, ""),
        (row("linked"), False, True, ""),
        (row("exported"), False, True, ""),
        (row("failed"), False, True, ""),  # refused at the door: NDP does not hold it
        (row("sent", code="1100"), False, False, "sent"),
        (row("sent", code="1100"), True, False, "sent"),  # accepted: never again
        (row("sent", code="5005"), True, False, "sent"),
        (row("sent", code="3000"), False, False, "sent"),
        (row("sent", code="3000"), True, True, ""),  # refused by NHSO: on purpose only
        (row("sent", code="2100"), True, True, ""),
        (row("unknown"), False, False, "outcome_unknown"),
        (row("unknown"), True, True, ""),
        (row("sending", age_s=60), True, False, "in_progress"),  # another send is running
        (row("sending", age_s=IN_PROGRESS_S + 1), False, False, "outcome_unknown"),
        (row("sending", age_s=IN_PROGRESS_S + 1), True, True, ""),  # killed long ago
    ],
)
def test_the_ledger_decides(
    claim: dict[str, Any] | None, resend: bool, goes: bool, reason: str
) -> None:
    ruling = verdict(claim, resend=resend, moment=NOW)
    assert (ruling.may_go, ruling.reason) == (goes, reason)
