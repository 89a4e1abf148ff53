"""The local journal: durable, ordered, and replayed idempotently."""

from __future__ import annotations

import datetime as dt
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.journal import Journal, replay, request_from_json, request_to_json
from kiosk.ports import JournalFailure, Patient, VisitRequest
from kiosk.testing import FakeClinic, sample_identity

NOW = dt.datetime(2026, 11, 25, 8, 0)


def request(n: int, *, offline: bool = True, at: dt.datetime = NOW) -> VisitRequest:
    patient = Patient.unresolved() if offline else Patient("99999", 7, mobile="0812345678")
    return VisitRequest(
        checkin_id=f"checkin-{n}",
        identity=sample_identity(n),
        patient=patient,
        claim_type="PG0060001",
        claim_type_name="ทั่วไป",
        authen_status="pending",
        claim_code=None if n % 2 else f"PP{n}",
        mobile="0812345678",
        requested_at=at + dt.timedelta(minutes=n),
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "journal" / "kiosk-journal.sqlite"


def test_append_numbers_locally_per_day_and_is_idempotent(path: Path) -> None:
    journal = Journal(path)
    first = journal.append(request(1), "99999")
    second = journal.append(request(2), "99999")
    again = journal.append(request(1), "99999")
    tomorrow = journal.append(request(3, at=NOW + dt.timedelta(days=1)))
    assert (first.queue_no, second.queue_no, again.queue_no, tomorrow.queue_no) == (1, 2, 1, 1)
    assert first.local and first.queue_label == "L001" and first.pcucode == "99999"
    assert journal.pending_count() == 3
    assert [e.checkin_id for e in journal.entries()] == ["checkin-1", "checkin-2", "checkin-3"]


def test_journal_is_wal_and_private(path: Path) -> None:
    journal = Journal(path)
    journal.append(request(1))
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & (stat.S_IRWXG | stat.S_IRWXO) == 0
    assert stat.S_IMODE(path.parent.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO) == 0
    (wal_mode,) = journal._conn.execute("PRAGMA journal_mode").fetchone()
    assert wal_mode == "wal"


def test_entries_survive_reopening(path: Path) -> None:
    Journal(path).append(request(1))
    reopened = Journal(path)
    (entry,) = reopened.entries("pending")
    assert entry.request is not None
    assert entry.request.identity.cid == sample_identity(1).cid


def test_serialisation_round_trip() -> None:
    original = request(4, offline=False)
    back = request_from_json(request_to_json(original))
    assert back.identity == original.identity
    assert back.patient.pid == 7 and back.patient.mobile == "0812345678"
    assert replace(back, patient=original.patient) == original


def test_replay_in_order_and_registers_unknown_people_once(path: Path) -> None:
    journal = Journal(path)
    for n in range(1, 6):
        journal.append(request(n))
    clinic = FakeClinic()
    clinic.add_person(sample_identity(2))
    report = replay(journal, clinic)
    assert (report.replayed, report.failed, report.remaining) == (5, 0, 0)
    assert list(clinic.visits) == [f"checkin-{n}" for n in range(1, 6)]
    assert sample_identity(2).cid not in clinic.registered
    assert len(clinic.registered) == 4
    # Claim codes obtained while the database was down reach the visit.
    assert clinic.visits["checkin-2"].claim_code == "PP2"
    entries = journal.entries()
    assert all(e.status == "replayed" and e.request is None for e in entries)
    assert entries[0].visit is not None and entries[0].visit.visitno == 5000


def test_replay_twice_gives_one_visit(path: Path) -> None:
    journal = Journal(path)
    journal.append(request(1))
    clinic = FakeClinic()
    replay(journal, clinic)
    report = replay(journal, clinic)
    assert report.replayed == 0 and len(clinic.visits) == 1 and clinic.open_calls == 1


class Crash(BaseException):
    """A power cut: nothing after it runs."""


def test_crash_between_opening_visit_and_marking_it(path: Path) -> None:
    journal = Journal(path)
    for n in (1, 2):
        journal.append(request(n))
    clinic = FakeClinic()

    def power_cut(_seq: int, _visit: object) -> None:
        raise Crash

    journal.mark_replayed = power_cut  # type: ignore[method-assign,assignment]
    with pytest.raises(Crash):
        replay(journal, clinic)
    assert len(clinic.visits) == 1  # the visit is in JHCIS, the journal does not know yet
    journal.close()

    restarted = Journal(path)
    assert restarted.pending_count() == 2
    report = replay(restarted, clinic)
    assert report.replayed == 2
    assert list(clinic.visits) == ["checkin-1", "checkin-2"]
    assert clinic.open_calls == 3  # the first was asked twice and answered the same visit
    assert restarted.pending_count() == 0


def test_outage_during_replay_stops_and_keeps_order(path: Path) -> None:
    journal = Journal(path)
    for n in (1, 2, 3):
        journal.append(request(n))
    clinic = FakeClinic()

    def fail_after_first(req: VisitRequest) -> None:
        if req.checkin_id == "checkin-2":
            clinic.down = True

    clinic.on_open = fail_after_first
    report = replay(journal, clinic)
    assert report.stopped_by_outage and report.replayed == 1 and report.remaining == 2
    clinic.down = False
    clinic.on_open = None
    replay(journal, clinic)
    assert list(clinic.visits) == ["checkin-1", "checkin-2", "checkin-3"]


def test_an_entry_the_clinic_rejects_is_set_aside(path: Path) -> None:
    journal = Journal(path)
    for n in (1, 2):
        journal.append(request(n))
    clinic = FakeClinic()

    def reject_first(req: VisitRequest) -> None:
        if req.checkin_id == "checkin-1":
            raise JournalFailure("rejected")

    clinic.on_open = reject_first
    report = replay(journal, clinic)
    assert (report.replayed, report.failed, report.remaining) == (1, 1, 0)
    (failed,) = journal.entries("failed")
    assert failed.checkin_id == "checkin-1" and failed.last_error == "journal_failed"
    assert failed.request is not None  # kept for the staff to finish by hand


def test_unwritable_location_is_a_journal_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises((JournalFailure, OSError)):
        Journal(blocker / "journal.sqlite")
