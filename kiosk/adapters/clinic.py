"""The clinic port over ``integrations.jhcis.ClinicDatabase`` (JHCIS, or the demo SQLite).

``identify`` finds the person by citizen ID or registers an out-of-area walk-in, and
lists today's visits with their claim type and code (a second check-in for the same
claim type reprints that visit). ``open_visit`` opens the visit with the check-in id as
the idempotency key, records a pending authen and the confirmed mobile. An unreachable
database is ``DatabaseUnavailable`` (the flow journals the check-in); every other
``BilingualError`` of the database layer is passed on (the patient goes to the counter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from integrations.jhcis import ClinicDatabase, JhcisUnavailable, Person, Visit, WalkinIdentity
from integrations.jhcis.clinic import classify_db_error
from kiosk.ports import DatabaseUnavailable, Identity, Patient, VisitRef, VisitRequest


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except JhcisUnavailable as exc:
        raise DatabaseUnavailable(exc.code) from None


def visit_ref(visit: Visit, *, opened_at: dt.datetime | None = None) -> VisitRef:
    return VisitRef(
        pcucode=visit.pcucode,
        visitno=visit.visitno,
        queue_no=visit.queue_no or 0,
        claim_type=visit.claim_type or "",
        claim_code=visit.claim_code or None,
        opened_at=opened_at,
    )


def walkin_identity(identity: Identity) -> WalkinIdentity:
    return WalkinIdentity.from_card(
        cid=identity.cid,
        title=identity.title_th,
        first_name=identity.first_th,
        last_name=identity.last_th,
        birth=identity.birth_date,
        sex=identity.sex or "1",
        address=identity.address,
    )


class JhcisClinic:
    """ClinicPort: the kiosk's two questions to JHCIS."""

    def __init__(
        self, db: ClinicDatabase, *, clock: Callable[[], dt.datetime] = dt.datetime.now
    ) -> None:
        self.db = db
        self.clock = clock

    def ping(self) -> None:
        """Does JHCIS answer now? (kiosk.device_status asks while the kiosk is idle.)

        The first contact reads the schema's profile (and creates our kiosk_ tables); the
        profile is kept, so every later call also runs a trivial query.
        """
        with _reachable():
            _ = self.db.profile
            try:
                with self.db.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except DBAPIError as exc:
                raise classify_db_error(exc) from None

    def _person(self, identity: Identity) -> Person:
        found = self.db.find_person_by_cid(identity.cid)
        if found is not None:
            return found
        return self.db.register_walkin(walkin_identity(identity), at=self.clock())

    def identify(self, identity: Identity) -> Patient:
        with _reachable():
            person = self._person(identity)
            today = self.clock().date()
            visits = tuple(visit_ref(v) for v in self.db.visits_on(person, today))
        return Patient(
            pcucode=person.pcucodeperson,
            pid=person.pid,
            mobile=person.mobile or None,
            newly_registered=person.newly_registered,
            visits_today=visits,
        )

    def open_visit(self, request: VisitRequest) -> VisitRef:
        patient = request.patient
        at = request.requested_at or self.clock()
        with _reachable():
            person: Person | None = None
            if patient.pid is not None and not patient.offline:
                person = self.db.get_person(patient.pcucode, patient.pid)
            if person is None:  # journaled while the database was down: resolve it now
                person = self._person(request.identity)
            if patient.offline:
                existing = self._same_day_visit(person, request, at)
                if existing is not None:
                    return visit_ref(existing, opened_at=at)
            visit = self.db.open_visit(
                person,
                at=at,
                idempotency_key=request.checkin_id,
                claim_type=request.claim_type,
                claim_code=request.claim_code,
                correlation_id=request.correlation_id or None,
                main_inscl=request.main_inscl or None,
            )
            if request.authen_status == "pending" and request.claim_type:
                self.db.record_pending_authen(visit, request.claim_type, request.mobile, at=at)
            if request.mobile_changed and request.mobile:
                self.db.update_mobile(person, request.mobile)
        return visit_ref(visit, opened_at=at)

    def _same_day_visit(
        self, person: Person, request: VisitRequest, at: dt.datetime
    ) -> Visit | None:
        """Today's visit of this person for the same claim type, opened by another check-in.

        A check-in journaled while the database was down could not see today's visits,
        so the flow's rule (one visit per person, day and claim type; a repeat reprints)
        is applied here on replay. A replay of this very check-in is left to
        ``open_visit``, which answers it idempotently.
        """
        if self.db.find_visit_by_key(request.checkin_id) is not None:
            return None
        for visit in self.db.visits_on(person, at.date()):
            if visit.claim_type == request.claim_type:
                if request.claim_code and request.claim_type and not visit.claim_code:
                    self.db.set_claim_code(
                        visit, request.claim_code, request.claim_type, at,
                        request.correlation_id or None,
                    )  # fmt: skip
                    return self.db.get_visit(visit.pcucode, visit.visitno)
                return visit
        return None
