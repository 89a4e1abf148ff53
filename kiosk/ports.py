"""What the check-in asks of the world: kiosk-owned data and small ports.

The flow (:mod:`kiosk.flow`) and the controller only know these types. Adapters in
``kiosk/adapters/`` translate the real modules (``hardware.card``, ``integrations.jhcis``,
``integrations.nhso``, ``hardware.printer``) to these ports and raise the failures below,
so that the same flow runs under the Kivy app, under tests with fakes and in the demo.

Personal data (citizen ID, names, mobile number) lives only in :class:`Identity`,
:class:`Patient` and the requests built from them; their ``repr`` masks it, so that
a stray log line or an assertion message cannot leak it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from common.cid import mask_cid, mask_name, mask_phone
from common.errors import BilingualError

# The general visit: what a รพ.สต. uses when NHSO cannot tell us the eligible list.
DEFAULT_CLAIM_TYPE = "PG0060001"
DEFAULT_CLAIM_TYPE_NAME = "เข้ารับบริการรักษาทั่วไป (OPD/ IPD/ PP)"

AuthenStatus = Literal["ok", "reused", "pending", "refused", "no_rights", "not_needed"]


# --- data -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Identity:
    """What the card says about its holder (dates in the Christian era)."""

    cid: str
    title_th: str
    first_th: str
    last_th: str
    first_en: str = ""
    last_en: str = ""
    birth_date: dt.date | None = None
    sex: str = ""  # "1" male, "2" female, as JHCIS stores it
    address: str = ""  # the card's parts joined by '#': house no, moo, soi, road, areas
    title_en: str = ""
    birth_year: int | None = None  # what the card gives when it holds the year alone
    photo: bytes | None = None  # read only with the clinic's consent (card.save_photo)

    @property
    def masked_name(self) -> str:
        return mask_name(self.first_th, self.last_th, self.title_th)

    @property
    def masked_name_en(self) -> str:
        return mask_name(self.first_en or self.first_th, self.last_en or self.last_th)

    def __repr__(self) -> str:
        return f"Identity(cid={mask_cid(self.cid)})"


@dataclass(frozen=True)
class VisitRef:
    """A visit in JHCIS (pcucode, visitno), or one held in the local journal (local=True)."""

    pcucode: str
    visitno: int
    queue_no: int | None  # None: no number to call it by (opened in JHCIS, place taken)
    claim_type: str = ""
    claim_code: str | None = None
    local: bool = False
    opened_at: dt.datetime | None = None
    # What the clinic port read for the ticket (integrations.jhcis.ticket_facts): whether
    # the visit still waits, how many visits wait ahead of it (None: not known), and the
    # right JHCIS keeps with it in a patient's words (NHSO's answer of today wins).
    waiting: bool = True
    waiting_ahead: int | None = None
    right: str = ""

    @property
    def queue_label(self) -> str:
        if self.queue_no is None:
            return ""
        # Local numbers must never be mistaken for the clinic's own queue numbers.
        return f"L{self.queue_no:03d}" if self.local else str(self.queue_no)


@dataclass(frozen=True)
class Appointment:
    """The patient's next open vaccine appointment in JHCIS, printed on the ticket."""

    day: dt.date
    vaccine: str


@dataclass(frozen=True, repr=False)
class Patient:
    """The person in JHCIS: found; not there yet (``newly_registered``: the check-in
    registers them); or unknown because the database is down (``offline``)."""

    pcucode: str
    pid: int | None
    mobile: str | None = None
    newly_registered: bool = False
    offline: bool = False  # the clinic database was unreachable; resolved on replay
    visits_today: tuple[VisitRef, ...] = ()
    next_appointment: Appointment | None = None
    #: Why JHCIS's record needs staff before a visit: "deceased" or "discharged".
    needs_staff: str | None = None

    @classmethod
    def unresolved(cls) -> Patient:
        return cls(pcucode="", pid=None, offline=True)

    def visit_today_for(self, claim_type: str) -> VisitRef | None:
        for visit in self.visits_today:
            if visit.claim_type == claim_type:
                return visit
        return None

    def __repr__(self) -> str:
        mobile = mask_phone(self.mobile) if self.mobile else None
        return (
            f"Patient(pcucode={self.pcucode!r}, pid={self.pid!r}, mobile={mobile!r}, "
            f"new={self.newly_registered}, offline={self.offline})"
        )


@dataclass(frozen=True)
class ClaimType:
    code: str
    name: str


@dataclass(frozen=True)
class Rights:
    """NHSO's answer: the main right and the claim types this person may use today."""

    claim_types: tuple[ClaimType, ...]
    main_inscl: str = ""  # code: UCS, OFC, SSS, LGO, WEL...
    main_inscl_name: str = ""
    sub_inscl: str = ""  # NHSO's sub-type code, e.g. 89
    hosp_main: str = ""  # NHSO's main and sub unit (5-digit hcodes)
    hosp_sub: str = ""
    correlation_id: str = ""  # the agent's, echoed back on authen


@dataclass(frozen=True)
class AuthenOutcome:
    claim_code: str
    claim_type: str
    created_at: dt.datetime
    reused: bool = False  # NHSO already had today's code for this claim type


@dataclass(frozen=True, repr=False)
class AuthenRequest:
    checkin_id: str
    identity: Identity
    patient: Patient
    claim_type: str
    mobile: str
    correlation_id: str

    def __repr__(self) -> str:
        return f"AuthenRequest(checkin_id={self.checkin_id!r}, claim_type={self.claim_type!r})"


@dataclass(frozen=True, repr=False)
class VisitRequest:
    """Everything needed to open the visit, now or on replay from the journal.

    ``checkin_id`` is the idempotency key: opening the same request twice must return
    the same visit.
    """

    checkin_id: str
    identity: Identity
    patient: Patient
    claim_type: str | None
    claim_type_name: str
    authen_status: AuthenStatus
    claim_code: str | None = None
    mobile: str | None = None
    mobile_changed: bool = False
    main_inscl: str = ""
    correlation_id: str = ""
    requested_at: dt.datetime | None = None
    sub_inscl: str = ""
    hosp_main: str = ""
    hosp_sub: str = ""

    def __repr__(self) -> str:
        return (
            f"VisitRequest(checkin_id={self.checkin_id!r}, claim_type={self.claim_type!r}, "
            f"authen={self.authen_status})"
        )


@dataclass(frozen=True)
class TicketRequest:
    """What the ticket says. Only the masked name: a ticket gets left on chairs."""

    queue_label: str
    local: bool
    masked_name: str
    claim_type: str | None
    claim_type_name: str
    claim_code: str | None
    authen_status: AuthenStatus
    visit: VisitRef
    issued_at: dt.datetime
    reprint: bool = False
    newly_registered: bool = False
    counter_reason: str | None = None  # set when the patient must see the staff
    next_appointment: Appointment | None = None
    # NHSO's main right of today (code, NHSO's name): the ticket says it in a patient's
    # words; empty (NHSO not asked or down): the right JHCIS keeps (``visit.right``).
    right_code: str = ""
    right_name: str = ""
    service_name: str = ""  # the claim type in the clinic's words ("ตรวจรักษาทั่วไป")


# --- failures adapters raise --------------------------------------------------------------


class CardReadFailure(BilingualError):
    code = "card_unreadable"
    message_th = "อ่านบัตรไม่ได้ กรุณาดึงบัตรออกแล้วเสียบใหม่ โดยหันชิปขึ้น"
    message_en = "The card could not be read. Remove it and insert it again, chip facing up."


class CardRemovedFailure(CardReadFailure):
    code = "card_removed"
    message_th = "บัตรถูกดึงออกระหว่างอ่าน กรุณาเสียบบัตรใหม่"
    message_en = "The card was removed while reading. Please insert it again."


class DatabaseUnavailable(BilingualError):
    code = "database_unavailable"
    message_th = "ระบบฐานข้อมูลของหน่วยบริการไม่ตอบสนอง ระบบจะบันทึกไว้ก่อน"
    message_en = "The clinic database is not answering; the check-in is saved locally."


class NhsoUnavailable(BilingualError):
    code = "nhso_unavailable"
    message_th = "ติดต่อ สปสช. ไม่ได้ ระบบจะขอรหัสยืนยันสิทธิให้ภายหลัง"
    message_en = "NHSO cannot be reached; the Authen Code will be requested later."


class NhsoRefused(BilingualError):
    """NHSO answered and said no (no right, deceased, not Thai, duplicate...)."""

    code = "nhso_refused"
    message_th = "สปสช. ไม่ยืนยันสิทธิ กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์"
    message_en = "NHSO did not confirm your right. Please see the staff at the counter."

    def __init__(
        self, reason: str = "", *, detail: str = "", th: str | None = None, en: str | None = None
    ) -> None:
        # `reason` is NHSO's short machine reason; never personal data.
        self.reason = reason
        super().__init__(detail or reason, th=th, en=en)


class PrinterFailure(BilingualError):
    code = "printer_failed"
    message_th = "เครื่องพิมพ์บัตรคิวขัดข้อง กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์"
    message_en = "The ticket printer is not working. Please see the staff at the counter."

    def __init__(self, detail: str = "", *, kind: str = "offline") -> None:
        self.kind = kind  # paper_out | offline | cover_open | error
        super().__init__(detail or kind)


class JournalFailure(BilingualError):
    code = "journal_failed"
    message_th = "บันทึกข้อมูลไม่สำเร็จ กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์"
    message_en = "The check-in could not be saved. Please see the staff at the counter."


# --- ports --------------------------------------------------------------------------------


class CardReader(Protocol):
    def read(self) -> Identity:
        """Read the inserted card. Raises CardRemovedFailure or CardReadFailure."""
        ...


class CardMonitor(Protocol):
    """Tells the kiosk when a card goes in or out (calls back on its own thread)."""

    def start(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None: ...

    def stop(self) -> None: ...


class ClinicPort(Protocol):
    def identify(self, identity: Identity) -> Patient:
        """Find the person, with today's visits and next appointment; a person JHCIS does
        not know comes back ``newly_registered`` with no pid. Writes nothing.

        Raises DatabaseUnavailable."""
        ...

    def open_visit(self, request: VisitRequest) -> VisitRef:
        """The whole check-in in one transaction: register the walk-in if needed, open
        (or, for a known checkin_id, return) the visit, record a pending authen and the
        confirmed mobile. Raises DatabaseUnavailable."""
        ...


class RightsPort(Protocol):
    def check(self, identity: Identity) -> Rights:
        """Rights and eligible claim types. Raises NhsoUnavailable or NhsoRefused."""
        ...


class AuthenPort(Protocol):
    def authenticate(self, request: AuthenRequest) -> AuthenOutcome:
        """Get the claim code, reusing today's for the same claim type instead of a second
        authen. Raises NhsoUnavailable or NhsoRefused."""
        ...


class PrinterPort(Protocol):
    def print_ticket(self, ticket: TicketRequest) -> None:
        """Print the ticket. Raises PrinterFailure."""
        ...

    def print_test_slip(self) -> None:
        """Print the staff's test slip (no patient on it). Raises PrinterFailure."""
        ...


@dataclass
class KioskServices:
    """The bundle of ports the controller runs the flow's commands against."""

    card: CardReader
    clinic: ClinicPort
    rights: RightsPort
    authen: AuthenPort
    printer: PrinterPort
    monitor: CardMonitor | None = None
    clock: Callable[[], dt.datetime] = field(default=dt.datetime.now)
