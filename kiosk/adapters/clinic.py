"""The clinic port over ``integrations.jhcis.ClinicDatabase`` (JHCIS, or the demo SQLite).

``identify`` only reads: the person by citizen ID (a person JHCIS does not know yet
comes back ``newly_registered`` with no pid), today's visits with their claim type and
code (a second check-in for the same claim type reprints that visit) and the next
vaccine appointment for the ticket. ``open_visit`` translates the flow's request into
one :meth:`ClinicDatabase.open_checkin_visit`: registering the walk-in, opening the
visit, the pending authen and the confirmed mobile commit together or not at all, with
the check-in id as the idempotency key. An unreachable database is
``DatabaseUnavailable`` (the flow journals the check-in); every other
``BilingualError`` of the database layer is passed on (the patient goes to the counter).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from integrations.jhcis import (
    ClinicDatabase,
    JhcisError,
    JhcisUnavailable,
    Person,
    Visit,
    WalkinIdentity,
)
from integrations.jhcis.appointments import next_vaccine_appointment
from integrations.jhcis.clinic import classify_db_error
from integrations.jhcis.records import CheckinRequest
from integrations.jhcis.ticket_facts import TicketFacts, ticket_facts
from kiosk.ports import (
    Appointment,
    DatabaseUnavailable,
    Identity,
    Patient,
    VisitRef,
    VisitRequest,
)

log = logging.getLogger(__name__)


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except JhcisUnavailable as exc:
        raise DatabaseUnavailable(exc.code) from None


def visit_ref(
    visit: Visit, *, opened_at: dt.datetime | None = None, facts: TicketFacts | None = None
) -> VisitRef:
    """The flow's view of a JHCIS visit; with `facts`, what its ticket says (queue number
    derived for a visit opened in JHCIS, how many wait ahead, the right JHCIS keeps)."""
    return VisitRef(
        pcucode=visit.pcucode,
        visitno=visit.visitno,
        queue_no=facts.queue_no if facts is not None else visit.queue_no,
        claim_type=visit.claim_type or "",
        claim_code=visit.claim_code or None,
        opened_at=opened_at,
        waiting=facts.waiting if facts is not None else True,
        waiting_ahead=facts.waiting_ahead if facts is not None else None,
        right=facts.right() if facts is not None else "",
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
        title_en=identity.title_en,
        first_name_en=identity.first_en,
        last_name_en=identity.last_en,
        birth_year=identity.birth_year,
    )


def checkin_request(
    request: VisitRequest, at: dt.datetime, *, update_person_right: bool = False
) -> CheckinRequest:
    """The flow's request as JHCIS's one check-in call takes it."""
    patient = request.patient
    known = patient.pid is not None and not patient.offline
    return CheckinRequest(
        key=request.checkin_id,
        at=at,
        identity=walkin_identity(request.identity),
        person=(patient.pcucode, patient.pid) if known and patient.pid is not None else None,
        claim_type=request.claim_type,
        claim_code=request.claim_code,
        correlation_id=request.correlation_id or None,
        main_inscl=request.main_inscl or None,
        sub_inscl=request.sub_inscl or None,
        nhso_hosmain=request.hosp_main or None,
        nhso_hossub=request.hosp_sub or None,
        pending_authen=request.authen_status == "pending" and bool(request.claim_type),
        mobile=request.mobile,
        store_mobile=request.mobile_changed and bool(request.mobile),
        # Journaled while the database was down, the flow could not see today's visits:
        # its rule (one visit per person, day and claim type) is applied on replay.
        reuse_same_day=patient.offline,
        refuse_inactive=True,  # a deceased or discharged record goes to staff
        photo=request.identity.photo,
        update_person_right=update_person_right,
    )


class JhcisClinic:
    """ClinicPort: the kiosk's two questions to JHCIS."""

    def __init__(
        self,
        db: ClinicDatabase,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        update_person_right: bool = False,
    ) -> None:
        self.db = db
        self.clock = clock
        self.update_person_right = update_person_right  # clinic.update_person_right

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

    def identify(self, identity: Identity) -> Patient:
        with _reachable():
            person = self.db.find_person_by_cid(identity.cid)
            if person is None:
                return Patient(pcucode=self.db.unit_code(), pid=None, newly_registered=True)
            today = self.clock().date()
            found = self.db.visits_on(person, today)
        # A visit of today is printed again as it stands now: read its ticket's facts.
        visits = tuple(visit_ref(v, facts=self._facts(v)) for v in found)
        if person.inactive_reason:  # the staff page shows the same reason for this person
            log.info("JHCIS records the card holder as %s: sent to staff", person.inactive_reason)
        return Patient(
            pcucode=person.pcucodeperson,
            pid=person.pid,
            mobile=person.mobile or None,
            visits_today=visits,
            next_appointment=self._next_appointment(person, today),
            needs_staff=person.inactive_reason,
        )

    def open_visit(self, request: VisitRequest) -> VisitRef:
        at = request.requested_at or self.clock()
        with _reachable():
            done = self.db.open_checkin_visit(
                checkin_request(request, at, update_person_right=self.update_person_right)
            )
        return visit_ref(done.visit, opened_at=at, facts=self._facts(done.visit))

    def _facts(self, visit: Visit) -> TicketFacts | None:
        """The ticket's queue facts, or None: a courtesy that never stops a check-in (the
        visit stands; its ticket then has the kiosk's number and no waiting count)."""
        try:
            return ticket_facts(self.db, visit)
        except (DBAPIError, JhcisError) as exc:
            log.warning("ticket facts not read: %s", type(exc).__name__)
            return None

    def _next_appointment(self, person: Person, today: dt.date) -> Appointment | None:
        """The ticket's reminder line: a courtesy that never stops a check-in (for example
        a kiosk account without SELECT on ``visitepiappoint``, ``visitepi``, ``cdrug``)."""
        try:
            found = next_vaccine_appointment(
                self.db.engine, person.pcucodeperson, person.pid, today
            )
        except DBAPIError as exc:
            log.warning("next vaccine appointment not read: %s", type(exc.orig).__name__)
            return None
        return Appointment(*found) if found is not None else None
