"""In-memory fakes of the kiosk's ports, for tests, the benchmark and offscreen UI renders.

They behave like the real modules at the boundary that matters to the flow (find or
register, idempotent open_visit, no second authen the same day, printer faults) and
can be switched into each failure mode. They are never wired by production code.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from common.cid import cid_check_digit
from kiosk import flow as f
from kiosk.ports import (
    DEFAULT_CLAIM_TYPE,
    DEFAULT_CLAIM_TYPE_NAME,
    AuthenOutcome,
    AuthenRequest,
    CardReadFailure,
    CardRemovedFailure,
    ClaimType,
    DatabaseUnavailable,
    Identity,
    KioskServices,
    NhsoRefused,
    NhsoUnavailable,
    Patient,
    PrinterFailure,
    Rights,
    TicketRequest,
    VisitRef,
    VisitRequest,
)

GENERAL = ClaimType(DEFAULT_CLAIM_TYPE, DEFAULT_CLAIM_TYPE_NAME)
HOME_WARD = ClaimType("PG0140001", "Home Ward")
# What NHSO returns for a UC patient, word for word (as the sandbox's seed has it).
NHSO_UC_CLAIM_TYPES = (
    GENERAL,
    ClaimType("PG0110001", "Self Isolation"),
    ClaimType("PG0120001", "UCEP PLUS (ผู้ป่วยกลุ่มอาการสีเหลืองและสีแดง)"),
    ClaimType("PG0130001", "บริการฟอกเลือดด้วยเครื่องไตเทียม (HD)"),
    HOME_WARD,
    ClaimType("PG0150001", "บริการดูแลอาการเจ็บป่วยเบื้องต้น"),
    ClaimType("PG0180001", "บริการตรวจสุขภาพที่จำเป็นตามกลุ่มวัย (เฉพาะเขต กทม)"),
)


def patient_touches(state: f.FlowState, claim_type: str, mobile: str) -> list[f.Event]:
    """The touches a patient makes on the screen `state` shows to check in for
    `claim_type` with `mobile` (one per keypad key): what the e2e test and the bench
    send and count."""
    session = state.session
    assert session is not None and state.step in f.WAITING_STEPS, state.step
    if state.step == f.Step.RIGHTS_CHECKED:
        if not any(choice.code == claim_type for choice in session.choices):
            claim_type = session.shown_choices[0].code  # not offered: the first there is
        if any(choice.code == claim_type for choice in session.shown_choices):
            return [f.ClaimTypeChosen(claim_type)]
        return [f.OtherServicesClosed() if session.showing_others else f.OtherServicesRequested()]
    chosen = session.claim_type
    offered = any(choice.code == claim_type for choice in session.other_choices)
    if chosen is not None and chosen.code != claim_type and offered:
        return [f.OtherServicesRequested()]
    if session.one_touch:
        return [f.MobileConfirmed()]
    return [*(f.PatientActive() for _ in mobile), f.MobileEntered(mobile)]


def synthetic_cid(serial: int) -> str:
    """A checksum-valid citizen ID that belongs to nobody (starts with 9... test range)."""
    first12 = f"9{serial:011d}"
    return first12 + str(cid_check_digit(first12))


def sample_identity(serial: int = 1) -> Identity:
    return Identity(
        cid=synthetic_cid(serial),
        title_th="นาย",
        first_th="สมชาย",
        last_th="ใจดีทดสอบ",
        first_en="Somchai",
        last_en="Jaidee",
        birth_date=dt.date(1980, 5, 17),
        sex="1",
        address="99 หมู่ 1 ต.ทดสอบ",
    )


class FakeCard:
    def __init__(self, identity: Identity | None = None) -> None:
        self.identity = identity or sample_identity()
        self.fail: Exception | None = None
        self.reads = 0
        self.delay: Callable[[], None] | None = None

    def read(self) -> Identity:
        self.reads += 1
        if self.delay is not None:
            self.delay()
        if self.fail is not None:
            raise self.fail
        return self.identity

    def remove_mid_read(self) -> None:
        self.fail = CardRemovedFailure("removed during read")

    def unreadable(self) -> None:
        self.fail = CardReadFailure("bad ATR")


class FakeMonitor:
    def __init__(self) -> None:
        self.on_inserted: Callable[[], None] | None = None
        self.on_removed: Callable[[], None] | None = None

    def start(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        self.on_inserted, self.on_removed = on_inserted, on_removed

    def stop(self) -> None:
        self.on_inserted = self.on_removed = None

    def insert(self) -> None:
        if self.on_inserted:
            self.on_inserted()

    def remove(self) -> None:
        if self.on_removed:
            self.on_removed()


@dataclass
class FakeClinic:
    """A clinic database: people by CID, visits keyed by the check-in's idempotency key."""

    pcucode: str = "99999"
    people: dict[str, Patient] = field(default_factory=dict)
    visits: dict[str, VisitRef] = field(default_factory=dict)
    registered: list[str] = field(default_factory=list)
    down: bool = False
    open_calls: int = 0
    next_pid: int = 1000
    next_visitno: int = 5000
    on_open: Callable[[VisitRequest], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_person(self, identity: Identity, mobile: str | None = "0812345678") -> Patient:
        patient = Patient(pcucode=self.pcucode, pid=self.next_pid, mobile=mobile)
        self.next_pid += 1
        self.people[identity.cid] = patient
        return patient

    def identify(self, identity: Identity) -> Patient:
        """Reads only, as the real port: an unknown card is a person still to register."""
        if self.down:
            raise DatabaseUnavailable("fake clinic down")
        with self._lock:
            patient = self.people.get(identity.cid)
            if patient is None:
                return Patient(pcucode=self.pcucode, pid=None, newly_registered=True)
            today = tuple(v for v in self.visits.values() if v.pcucode == patient.pcucode)
            mine = tuple(v for v in today if self._owner.get(v.visitno) == identity.cid)
            return replace(patient, visits_today=mine)

    _owner: dict[int, str] = field(default_factory=dict)

    def open_visit(self, request: VisitRequest) -> VisitRef:
        """The whole check-in at once: registers an unknown person, then opens the visit
        (a journaled check-in reuses today's visit of the same claim type)."""
        self.open_calls += 1
        if self.on_open is not None:
            self.on_open(request)  # a test's hook: fail, or take the database down
        if self.down:
            raise DatabaseUnavailable("fake clinic down")
        cid = request.identity.cid
        with self._lock:
            existing = self.visits.get(request.checkin_id)
            if existing is not None:
                return existing
            if cid not in self.people:
                self.people[cid] = Patient(pcucode=self.pcucode, pid=self.next_pid)
                self.next_pid += 1
                self.registered.append(cid)
            if request.patient.offline:
                for earlier in self.visits.values():
                    same = earlier.claim_type == (request.claim_type or "")
                    if same and self._owner.get(earlier.visitno) == cid:
                        return earlier
            visit = VisitRef(
                pcucode=self.pcucode,
                visitno=self.next_visitno,
                queue_no=len(self.visits) + 1,
                claim_type=request.claim_type or "",
                claim_code=request.claim_code,
                opened_at=request.requested_at,
            )
            self.next_visitno += 1
            self.visits[request.checkin_id] = visit
            self._owner[visit.visitno] = cid
        return visit

    def visits_in_order(self) -> list[VisitRef]:
        return sorted(self.visits.values(), key=lambda v: v.visitno)


@dataclass
class FakeRights:
    claim_types: tuple[ClaimType, ...] = (GENERAL,)
    main_inscl: str = "UCS"
    down: bool = False
    refuse: str | None = None
    calls: int = 0

    def check(self, identity: Identity) -> Rights:
        self.calls += 1
        if self.down:
            raise NhsoUnavailable("fake NHSO down")
        if self.refuse is not None:
            raise NhsoRefused(self.refuse)
        return Rights(
            claim_types=self.claim_types,
            main_inscl=self.main_inscl,
            main_inscl_name="สิทธิหลักประกันสุขภาพแห่งชาติ",
            correlation_id=f"corr-{self.calls}",
        )


@dataclass
class FakeAuthen:
    """NHSO authen with its no-double rule: one code per person, claim type and day."""

    down: bool = False
    refuse: str | None = None
    requests: list[AuthenRequest] = field(default_factory=list)
    codes: dict[tuple[str, str], AuthenOutcome] = field(default_factory=dict)
    clock: Callable[[], dt.datetime] = dt.datetime.now

    def authenticate(self, request: AuthenRequest) -> AuthenOutcome:
        self.requests.append(request)
        if self.down:
            raise NhsoUnavailable("fake NHSO down")
        if self.refuse is not None:
            raise NhsoRefused(self.refuse)
        key = (request.identity.cid, request.claim_type)
        if key in self.codes:
            return replace(self.codes[key], reused=True)
        outcome = AuthenOutcome(
            claim_code=f"PP{1000000000 + len(self.codes)}",
            claim_type=request.claim_type,
            created_at=self.clock(),
        )
        self.codes[key] = outcome
        return outcome


@dataclass
class FakePrinter:
    fail: str | None = None  # a PrinterFailure kind
    printed: list[TicketRequest] = field(default_factory=list)
    test_slips: int = 0

    def print_ticket(self, ticket: TicketRequest) -> None:
        if self.fail is not None:
            raise PrinterFailure("fake printer", kind=self.fail)
        self.printed.append(ticket)

    def print_test_slip(self) -> None:
        if self.fail is not None:
            raise PrinterFailure("fake printer", kind=self.fail)
        self.test_slips += 1


@dataclass
class FakeWorld:
    """All fakes together, plus the bundle the controller takes."""

    card: FakeCard = field(default_factory=FakeCard)
    clinic: FakeClinic = field(default_factory=FakeClinic)
    rights: FakeRights = field(default_factory=FakeRights)
    authen: FakeAuthen = field(default_factory=FakeAuthen)
    printer: FakePrinter = field(default_factory=FakePrinter)
    monitor: FakeMonitor = field(default_factory=FakeMonitor)

    def services(self) -> KioskServices:
        return KioskServices(
            card=self.card,
            clinic=self.clinic,
            rights=self.rights,
            authen=self.authen,
            printer=self.printer,
            monitor=self.monitor,
        )
