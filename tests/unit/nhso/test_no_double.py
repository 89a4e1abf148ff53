"""The no-double-authen rule on its own, with scripted issue/lookup functions.

The same rule over real HTTP against the sandbox is in tests/integration/nhso.
"""

from __future__ import annotations

import datetime as dt

import pytest

from integrations.nhso.errors import (
    AlreadyAuthenticated,
    AuthenOutcomeUnknown,
    InvalidRequest,
    MalformedResponse,
    NhsoError,
    NhsoTimeout,
    NhsoUnavailable,
)
from integrations.nhso.models import AuthenResult
from integrations.nhso.providers import authen_once, check_mobile, same_day

TODAY = dt.date(2026, 11, 25)
CODE = AuthenResult(
    claim_code="PP1000000001",
    claim_type="PG0060001",
    created_at=dt.datetime(2026, 11, 25, 9, 0),
)


def lost(error_cls: type[NhsoError] = NhsoTimeout) -> NhsoError:
    error = error_cls("confirm-save: lost")
    error.maybe_processed = True
    return error


class Script:
    """issue() and lookup() that play a list of outcomes and count their calls."""

    def __init__(self, issues: list[object], lookups: list[object]) -> None:
        self.issues = issues
        self.lookups = lookups
        self.issued = 0
        self.looked = 0

    def _play(self, outcomes: list[object], n: int) -> object:
        outcome = outcomes[min(n, len(outcomes) - 1)]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def issue(self) -> AuthenResult:
        self.issued += 1
        result = self._play(self.issues, self.issued - 1)
        assert isinstance(result, AuthenResult)
        return result

    def lookup(self) -> list[AuthenResult]:
        self.looked += 1
        result = self._play(self.lookups, self.looked - 1)
        assert isinstance(result, list)
        return result

    def run(self, **kwargs: int) -> AuthenResult:
        return authen_once(self.issue, self.lookup, "PG0060001", TODAY, **kwargs)


def test_existing_same_day_code_is_returned_without_issuing() -> None:
    script = Script(issues=[CODE], lookups=[[CODE]])
    result = script.run()
    assert result.claim_code == CODE.claim_code and result.existing is True
    assert script.issued == 0


def test_other_day_or_other_claim_type_does_not_count() -> None:
    yesterday = CODE.model_copy(update={"created_at": dt.datetime(2026, 11, 24, 9, 0)})
    other = CODE.model_copy(update={"claim_type": "PG0130001", "claim_code": "PP2"})
    new = CODE.model_copy(update={"claim_code": "PP1000000009"})
    script = Script(issues=[new], lookups=[[yesterday, other]])
    assert script.run().claim_code == "PP1000000009"
    assert script.issued == 1


def test_lost_answer_found_by_lookup_is_not_issued_again() -> None:
    script = Script(issues=[lost(), CODE], lookups=[[], [CODE]])
    result = script.run()
    assert result.claim_code == CODE.claim_code and result.existing
    assert script.issued == 1 and script.looked == 2


def test_lost_answer_and_failed_lookup_never_retries() -> None:
    script = Script(issues=[lost(), CODE], lookups=[[], NhsoUnavailable("down")])
    with pytest.raises(AuthenOutcomeUnknown):
        script.run()
    assert script.issued == 1


def test_lost_answer_with_clean_lookup_retries_once_only() -> None:
    script = Script(issues=[lost(NhsoUnavailable), lost()], lookups=[[], [], []])
    with pytest.raises(NhsoTimeout):
        script.run()
    assert script.issued == 2 and script.looked == 3
    script = Script(issues=[lost(), CODE], lookups=[[], []])
    assert script.run().claim_code == CODE.claim_code
    assert script.issued == 2
    script = Script(issues=[lost(), CODE], lookups=[[], []])
    with pytest.raises(NhsoTimeout):
        script.run(retries=0)
    assert script.issued == 1


def test_unreadable_answer_counts_as_lost() -> None:
    script = Script(
        issues=[MalformedResponse("confirm-save: not JSON"), CODE], lookups=[[], [CODE]]
    )
    assert script.run().claim_code == CODE.claim_code
    assert script.issued == 1


def test_errors_that_cannot_have_been_processed_are_not_retried() -> None:
    script = Script(issues=[InvalidRequest("nope"), CODE], lookups=[[]])
    with pytest.raises(InvalidRequest):
        script.run()
    assert script.issued == 1 and script.looked == 1


def test_duplicate_refusal_resolves_to_the_existing_code() -> None:
    script = Script(issues=[AlreadyAuthenticated("dup")], lookups=[[], [CODE]])
    assert script.run().claim_code == CODE.claim_code
    other = CODE.model_copy(update={"claim_type": "PG0130001"})
    script = Script(issues=[AlreadyAuthenticated("dup")], lookups=[[], [other]])
    with pytest.raises(AlreadyAuthenticated) as info:
        script.run()
    assert [r.claim_type for r in info.value.existing] == ["PG0130001"]


def test_same_day_helper() -> None:
    assert same_day([CODE], "PG0060001", TODAY) is not None
    assert same_day([CODE], "PG0060001", TODAY + dt.timedelta(days=1)) is None
    no_time = CODE.model_copy(update={"created_at": None})
    assert same_day([no_time], "PG0060001", TODAY) is None


@pytest.mark.parametrize("mobile", ["0812345678", "081-234-5678", "081 234 5678"])
def test_mobile_accepted(mobile: str) -> None:
    assert check_mobile(mobile) == "0812345678"


@pytest.mark.parametrize("mobile", ["812345678", "08123456789", "+66812345678", "abc"])
def test_mobile_refused(mobile: str) -> None:
    from integrations.nhso.errors import InvalidMobile

    with pytest.raises(InvalidMobile):
        check_mobile(mobile)
