"""A visitno reused after staff deleted JHCIS's newest visit (kiosk_visit keeps the old
row): claim sync and the visits report must not give the new visit the old row's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select

from backoffice.claims.sync import ClaimSync
from backoffice.reports.visits import visits_between
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.commands import create_demo
from integrations.jhcis.records import Person, Visit
from integrations.jhcis.tables import person, visit

AT = dt.datetime(2026, 1, 15, 9, 0)
DAY = AT.date()


class NoLookup:
    def check_authen_status(self, cid: str, day: dt.date) -> object:
        raise AssertionError("candidates() never asks NHSO")


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[ClinicDatabase]:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    create_demo(create_engine(url), persons=12, visits=0, seed=7, end=DAY)
    db = ClinicDatabase.from_url(url)
    yield db
    db.dispose()


def two_people(clinic: ClinicDatabase) -> list[Person]:
    with clinic.engine.connect() as conn:
        cids = conn.execute(
            select(person.c.idcard).where(person.c.idcard.is_not(None)).order_by(person.c.pid)
        ).scalars()
        found = [clinic.find_person_by_cid(str(c)) for c in list(cids)[:2]]
    assert all(found)
    return [p for p in found if p]


def reuse_a_visitno(clinic: ClinicDatabase) -> tuple[Visit, Visit]:
    first, second = two_people(clinic)
    old = clinic.open_visit(first, at=AT, idempotency_key="old", claim_type="PG0060001")
    clinic.record_pending_authen(old, "PG0060001", None, at=AT)
    with clinic.engine.begin() as conn:  # staff delete it in JHCIS; our rows stay
        conn.execute(
            delete(visit).where(visit.c.pcucode == old.pcucode, visit.c.visitno == old.visitno)
        )
    new = clinic.open_visit(second, at=AT + dt.timedelta(minutes=5), idempotency_key="new")
    assert new.visitno == old.visitno and new.pid != old.pid
    return old, new


def test_sync_candidates_see_only_the_new_visits_row(clinic: ClinicDatabase) -> None:
    _old, new = reuse_a_visitno(clinic)
    sync = ClaimSync(clinic, NoLookup())  # type: ignore[arg-type]
    found = [c for c in sync.candidates(DAY, DAY) if c.visitno == new.visitno]
    assert [(c.pid, c.claim_type) for c in found] == [(new.pid, None)]
    assert sync._open_pending(DAY, DAY) == {}  # the pending row was the deleted visit's


def test_report_shows_the_new_visit_once_without_the_old_pending(clinic: ClinicDatabase) -> None:
    _old, new = reuse_a_visitno(clinic)
    rows = [r for r in visits_between(clinic, DAY, DAY) if r.visitno == new.visitno]
    assert [(r.pid, r.queue_no, r.claim_type, r.pending_authen) for r in rows] == [
        (new.pid, new.queue_no, None, False)
    ]
