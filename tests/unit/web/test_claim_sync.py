"""Claim-code catch-up on a seeded SQLite clinic, NHSO answers scripted per citizen ID."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from backoffice.claims.sync import (
    ClaimSync,
    Outcome,
    UnknownClaimCode,
    assign,
    confirm_code,
    last_items,
    matching_histories,
    sync_item,
)
from backoffice.testing import seed_day
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.own_tables import kiosk_pending_authen
from integrations.jhcis.records import Visit
from integrations.nhso.errors import NhsoTimeout, NhsoUnavailable, TokenInvalid
from integrations.nhso.models import AuthenStatus, ServiceHistory

DAY = dt.date(2026, 1, 15)
AT = dt.datetime(2026, 1, 15, 8, 0)


class ScriptedNhso:
    """check-authen-status answers by CID; errors can be queued per call."""

    def __init__(self, clinic: ClinicDatabase) -> None:
        self.clinic = clinic
        self.histories: dict[str, list[ServiceHistory]] = {}
        self.errors: list[Exception] = []
        self.calls: list[tuple[str, dt.date]] = []

    def add(
        self,
        visit: Visit,
        code: str,
        *,
        hcode: str | None = None,
        hour: int = 8,
        minute: int = 5,
        service: str = "PG0060001",
        day: dt.date = DAY,
    ) -> None:
        cid = self.cid_of(visit)
        self.histories.setdefault(cid, []).append(
            ServiceHistory(
                claim_code=code, service_code=service, hcode=hcode or self.clinic.unit_code(),
                service_datetime=dt.datetime.combine(day, dt.time(hour, minute)),
            )
        )  # fmt: skip

    def cid_of(self, visit: Visit) -> str:
        from integrations.jhcis.tables import person

        with self.clinic.engine.connect() as conn:
            return str(
                conn.execute(
                    select(person.c.idcard).where(
                        person.c.pcucodeperson == visit.pcucodeperson, person.c.pid == visit.pid
                    )
                ).scalar_one()
            )

    def check_authen_status(
        self, cid: str, day: dt.date, service_code: str | None = None
    ) -> AuthenStatus:
        self.calls.append((cid, day))
        if self.errors:
            raise self.errors.pop(0)
        found = self.histories.get(cid, [])
        return AuthenStatus(status_authen=bool(found), histories=found)


@pytest.fixture
def clinic(jhcis_sqlite_url: str) -> Iterator[ClinicDatabase]:
    db = ClinicDatabase.from_url(jhcis_sqlite_url)
    yield db
    db.dispose()


@pytest.fixture
def day(clinic: ClinicDatabase) -> dict[str, list[Visit]]:
    return seed_day(clinic, AT, with_code=1, without_code=3, pending=1)


def code_of(clinic: ClinicDatabase, visit: Visit) -> str | None:
    return clinic.visit_claim(visit).claim_code


def test_fills_found_codes_and_leaves_the_rest(
    clinic: ClinicDatabase, day: dict[str, list[Visit]]
) -> None:
    nhso = ScriptedNhso(clinic)
    a, b, _c = day["uncoded"]
    nhso.add(a, "PP1000000001")
    nhso.add(b, "PP1000000002", hcode="12345")  # another unit's code: not ours
    report = ClaimSync(clinic, nhso).run(DAY)
    by_visit = {i.visitno: i for i in report.items}
    assert by_visit[a.visitno].outcome is Outcome.filled
    assert by_visit[b.visitno].outcome is Outcome.not_found
    assert code_of(clinic, a) == "PP1000000001"
    assert code_of(clinic, b) is None
    coded = day["coded"][0]
    assert coded.visitno not in by_visit  # visits with a code are not asked about
    # the walk-in's CID is valid; its visit was asked about too
    assert by_visit[day["walkin"][0].visitno].outcome is Outcome.not_found
    assert report.complete and report.nhso_requests == len(nhso.calls) == 5
    # The same range again: nothing new to write, one fewer visit to ask about.
    again = ClaimSync(clinic, nhso).run(DAY)
    assert a.visitno not in {i.visitno for i in again.items}


def test_dry_run_writes_nothing(clinic: ClinicDatabase, day: dict[str, list[Visit]]) -> None:
    nhso = ScriptedNhso(clinic)
    a = day["uncoded"][0]
    nhso.add(a, "PP1000000001")
    report = ClaimSync(clinic, nhso).run(DAY, dry_run=True)
    assert {i.outcome for i in report.items if i.visitno == a.visitno} == {Outcome.would_fill}
    assert code_of(clinic, a) is None
    assert report.run_id is None
    with clinic.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sync_item)).scalar_one() == 0


def test_pending_authen_is_resolved_by_the_found_code(
    clinic: ClinicDatabase, day: dict[str, list[Visit]]
) -> None:
    nhso = ScriptedNhso(clinic)
    pending_visit = day["pending"][0]
    nhso.add(pending_visit, "PP2000000001")
    other = day["uncoded"][0]
    report = ClaimSync(clinic, nhso).run(DAY)
    assert report.pending_resolved == 1
    assert clinic.list_pending_authens() == []
    resolved = clinic.list_pending_authens(include_resolved=True)[0]
    assert resolved.claim_code == "PP2000000001" and resolved.outcome == "found_existing"
    assert code_of(clinic, pending_visit) == "PP2000000001"
    assert code_of(clinic, other) is None


def test_unresolved_pending_counts_an_attempt(
    clinic: ClinicDatabase, day: dict[str, list[Visit]]
) -> None:
    ClaimSync(clinic, ScriptedNhso(clinic)).run(DAY)
    with clinic.engine.connect() as conn:
        attempts = conn.execute(select(kiosk_pending_authen.c.attempts)).scalar_one()
    assert attempts == 1


def test_a_stopped_run_resumes_where_it_stopped(
    clinic: ClinicDatabase, day: dict[str, list[Visit]]
) -> None:
    nhso = ScriptedNhso(clinic)
    for visit in day["uncoded"]:
        nhso.add(visit, f"PP30000000{visit.visitno % 100:02d}")
    nhso.errors = [NhsoTimeout("t")] * 3  # three in a row: NHSO is down, stop
    first = ClaimSync(clinic, nhso, concurrency=1).run(DAY)
    assert not first.complete and first.stopped is not None
    assert first.stopped.code == "nhso.timeout"
    assert all(i.outcome is Outcome.failed for i in first.items)
    second = ClaimSync(clinic, nhso).run(DAY)
    assert second.resumed and second.run_id == first.run_id and second.complete
    assert {code_of(clinic, v) for v in day["uncoded"]} == {
        f"PP30000000{v.visitno % 100:02d}" for v in day["uncoded"]
    }
    # After it finished, the next call is a new run.
    third = ClaimSync(clinic, nhso).run(DAY)
    assert not third.resumed and third.run_id != first.run_id


def test_resume_skips_visits_already_settled(
    clinic: ClinicDatabase, day: dict[str, list[Visit]]
) -> None:
    nhso = ScriptedNhso(clinic)
    nhso.errors = [None, None, TokenInvalid("401")]  # type: ignore[list-item]

    class Once(ScriptedNhso):
        def check_authen_status(
            self, cid: str, day: dt.date, service_code: str | None = None
        ) -> AuthenStatus:
            error = nhso.errors.pop(0) if nhso.errors else None
            if error:
                raise error
            return ScriptedNhso.check_authen_status(self, cid, day, service_code)

    flaky = Once(clinic)
    first = ClaimSync(clinic, flaky, concurrency=1).run(DAY)
    assert first.stopped is not None and first.stopped.code == "nhso.token_invalid"
    settled = len(first.items)
    assert settled == 2
    second = ClaimSync(clinic, flaky, concurrency=1).run(DAY)
    assert second.already_done == 2
    asked_again = {i.visitno for i in second.items} & {i.visitno for i in first.items}
    assert not asked_again


def test_a_transient_failure_is_retried_not_settled(
    clinic: ClinicDatabase, day: dict[str, list[Visit]]
) -> None:
    nhso = ScriptedNhso(clinic)
    nhso.errors = [NhsoUnavailable("503")]
    first = ClaimSync(clinic, nhso).run(DAY)
    assert first.complete and first.counts()["failed"] == 1
    assert len(last_items(clinic.engine, DAY, DAY)) == len(first.items) - 1


def test_conflict_is_left_for_staff_and_confirm_replaces(
    clinic: ClinicDatabase, day: dict[str, list[Visit]]
) -> None:
    a = day["uncoded"][0]
    nhso = ScriptedNhso(clinic)
    nhso.add(a, "PP4000000001")

    class Racing(ScriptedNhso):
        """Someone records another code while we are asking NHSO."""

        def check_authen_status(
            self, cid: str, day: dt.date, service_code: str | None = None
        ) -> AuthenStatus:
            if cid == nhso.cid_of(a) and code_of(clinic, a) is None:
                clinic.set_claim_code(a, "PP4999999999", "PG0060001", AT)
            return nhso.check_authen_status(cid, day, service_code)

    report = ClaimSync(clinic, Racing(clinic)).run(DAY)
    item = next(i for i in report.items if i.visitno == a.visitno)
    assert item.outcome is Outcome.conflict
    assert item.existing_code == "PP4999999999" and item.claim_code == "PP4000000001"
    assert code_of(clinic, a) == "PP4999999999"  # never overwritten by the sync
    with pytest.raises(UnknownClaimCode):
        confirm_code(clinic, a.pcucode, a.visitno, "PP0000000000")
    confirm_code(clinic, a.pcucode, a.visitno, "PP4000000001")
    assert code_of(clinic, a) == "PP4000000001"


def test_invalid_cid_is_not_sent(clinic: ClinicDatabase, day: dict[str, list[Visit]]) -> None:
    from sqlalchemy import update

    from integrations.jhcis.tables import person

    a = day["uncoded"][0]
    with clinic.engine.begin() as conn:
        conn.execute(update(person).where(person.c.pid == a.pid).values(idcard="1234567890123"))
    nhso = ScriptedNhso(clinic)
    report = ClaimSync(clinic, nhso).run(DAY)
    item = next(i for i in report.items if i.visitno == a.visitno)
    assert item.outcome is Outcome.failed and item.error_code == "claims.invalid_cid"
    assert "1234567890123" not in {cid for cid, _ in nhso.calls}


# -- matching rules without a database --------------------------------------------


def hist(
    code: str,
    hour: int,
    *,
    hcode: str = "99901",
    service: str | None = "PG0060001",
    day: dt.date = DAY,
) -> ServiceHistory:
    return ServiceHistory(claim_code=code, service_code=service, hcode=hcode,
                          service_datetime=dt.datetime.combine(day, dt.time(hour, 0)))  # fmt: skip


def cand(visitno: int, hour: int | None, claim_type: str | None = None):  # type: ignore[no-untyped-def]
    from backoffice.claims.sync import Candidate

    return Candidate("99901", visitno, DAY, "99901", 1,
                     dt.time(hour, 0) if hour is not None else None, claim_type, "x")  # fmt: skip


def test_matching_keeps_only_this_unit_that_day_and_unused_codes() -> None:
    histories = [
        hist("PP1", 9),
        hist("PP1", 9),  # duplicate entries collapse
        hist("PP2", 9, hcode="11111"),
        hist("PP3", 9, day=DAY - dt.timedelta(days=1)),
        hist("PP4", 8),
        hist("PP5", 10),
    ]
    kept = matching_histories(histories, "99901", DAY, used={"PP5"})
    assert [h.claim_code for h in kept] == ["PP4", "PP1"]


def test_two_visits_one_code_goes_to_the_nearer_visit() -> None:
    result = assign([cand(1, 8), cand(2, 13)], [hist("PP1", 12)])
    assert result[2][0] is Outcome.filled and result[2][1].claim_code == "PP1"  # type: ignore[union-attr]
    assert result[1][0] is Outcome.not_found


def test_more_codes_than_untyped_visits_is_ambiguous() -> None:
    result = assign([cand(1, 8)], [hist("PP1", 8), hist("PP2", 9, service="PG0150001")])
    assert result[1][0] is Outcome.ambiguous and result[1][2] == ("PP1", "PP2")


def test_a_typed_visit_takes_its_service_code() -> None:
    codes = [hist("PP1", 8), hist("PP2", 9, service="PG0150001")]
    result = assign([cand(1, 8, "PG0150001")], codes)
    assert result[1][1].claim_code == "PP2"  # type: ignore[union-attr]
    typed_missing = assign([cand(1, 8, "PG0130001")], codes)
    assert typed_missing[1][0] is Outcome.not_found
