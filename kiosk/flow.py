"""The check-in as an explicit state machine: no I/O, no threads, no UI.

``Flow.handle(state, event, now)`` returns the next :class:`FlowState` and the commands
(effects) to perform. The controller performs them against the ports of
:mod:`kiosk.ports` and feeds the results back as events. Each state is named for the
milestone reached; when the next step is automatic its command is already in flight and
the screen shows progress, otherwise the screen waits for a touch.

::

  idle --card in--> reading_card --read--> card_read --found/registered/db down--> identified
  identified --rights--> claim_type_chosen (one type offered; the main one for a patient
                         with a mobile on file; NHSO down) | rights_checked (choose)
             --no rights / refused--> authenticated (visit still opened, patient to counter)
  rights_checked <--other services-- claim_type_chosen
  claim_type_chosen --mobile confirmed or typed--> mobile_confirmed --authen--> authenticated
                    (same claim type already visited today: reprint that visit's ticket)
  authenticated --visit opened--> visit_opened | --db down--> journaling --> visit_opened
  visit_opened --printed--> done | go_to_counter (no rights, refused, printer failed)
  rights_checked, claim_type_chosen --cancel touched / no touch--> cancelled --> idle

The claim types offered are those NHSO returned that the clinic allows
(``FlowConfig.claim_choices``), in the clinic's order, each named in the patient's words.
Card removed in any patient state leads to ``cancelled`` (a short screen that says so),
then ``idle``; the session (all personal data) is dropped at once. A waiting step warns
``warning_s`` before its timeout (``FlowState.warning``: the screen counts down, a touch
dismisses it). Results are tagged with the check-in they belong to; late results from an
abandoned check-in are ignored. A check-in authenticates at most once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from kiosk.ports import (
    DEFAULT_CLAIM_TYPE,
    DEFAULT_CLAIM_TYPE_NAME,
    AuthenOutcome,
    AuthenRequest,
    AuthenStatus,
    ClaimType,
    Identity,
    Patient,
    Rights,
    TicketRequest,
    VisitRef,
    VisitRequest,
)

Language = Literal["th", "en"]
CounterReason = Literal[
    "no_rights", "refused", "printer", "database", "timeout", "error", "registration"
]
StaffActionName = Literal["exit", "replay", "test_print", "back"]
# Why a check-in ended without a visit: the card came out, Cancel was touched, no touch.
CancelReason = Literal["card_removed", "cancelled", "timeout"]

MOBILE_RE = re.compile(r"^0\d{9}$")
GENERAL_VISIT = ClaimType(DEFAULT_CLAIM_TYPE, DEFAULT_CLAIM_TYPE_NAME)


class Step(StrEnum):
    IDLE = "idle"
    READING_CARD = "reading_card"
    CARD_READ = "card_read"  # identity known; finding (or registering) the person
    IDENTIFIED = "identified"  # person known (or database down); asking NHSO for rights
    RIGHTS_CHECKED = "rights_checked"  # waiting: choose a claim type
    CLAIM_TYPE_CHOSEN = "claim_type_chosen"  # waiting: confirm the mobile or type one
    MOBILE_CONFIRMED = "mobile_confirmed"  # authen in flight
    AUTHENTICATED = "authenticated"  # authen settled (code, pending, refused...); opening visit
    JOURNALING = "journaling"  # database down: writing the check-in to the local journal
    VISIT_OPENED = "visit_opened"  # printing the ticket
    DONE = "done"  # ticket printed: take it and the card
    GO_TO_COUNTER = "go_to_counter"
    CARD_ERROR = "card_error"
    CANCELLED = "cancelled"  # ended before a visit (card out, Cancel, no touch); says so
    STAFF_PIN = "staff_pin"
    STAFF_MENU = "staff_menu"


WAITING_STEPS = frozenset({Step.RIGHTS_CHECKED, Step.CLAIM_TYPE_CHOSEN})
BUSY_STEPS = frozenset(
    {
        Step.READING_CARD,
        Step.CARD_READ,
        Step.IDENTIFIED,
        Step.MOBILE_CONFIRMED,
        Step.AUTHENTICATED,
        Step.JOURNALING,
        Step.VISIT_OPENED,
    }
)
END_STEPS = frozenset({Step.DONE, Step.GO_TO_COUNTER, Step.CARD_ERROR, Step.CANCELLED})
STAFF_STEPS = frozenset({Step.STAFF_PIN, Step.STAFF_MENU})
# Where the staff gesture is honoured: nobody is in the middle of a check-in.
STAFF_ENTRY_STEPS = frozenset({Step.IDLE}) | END_STEPS


def new_checkin_id() -> str:
    return uuid.uuid4().hex


def is_valid_mobile(number: str) -> bool:
    return bool(MOBILE_RE.match(number))


# --- state ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimChoice:
    """A claim type as the clinic offers it: NHSO's code, and words a patient knows."""

    code: str
    th: str
    en: str

    def label(self, language: Language) -> str:
        return self.th if language == "th" else self.en


@dataclass(frozen=True)
class Session:
    """One check-in: every piece of personal data the kiosk holds lives here."""

    checkin_id: str
    identity: Identity | None = None
    patient: Patient | None = None
    rights: Rights | None = None
    nhso_down: bool = False
    claim_type: ClaimType | None = None
    # What this patient may choose: the clinic's main claim type (when NHSO returned it)
    # and the others under "other services", both already filtered and in clinic order.
    main_choice: ClaimChoice | None = None
    other_choices: tuple[ClaimChoice, ...] = ()
    showing_others: bool = False
    mobile: str | None = None
    mobile_changed: bool = False
    editing_mobile: bool = False
    mobile_error: bool = False
    authen_attempts: int = 0
    authen: AuthenOutcome | None = None
    authen_status: AuthenStatus | None = None
    visit: VisitRef | None = None
    reprint: bool = False

    @property
    def one_touch(self) -> bool:
        """The returning patient's screen: claim type settled, mobile on file, confirm."""
        return self.mobile is not None and not self.editing_mobile

    @property
    def choices(self) -> tuple[ClaimChoice, ...]:
        main = (self.main_choice,) if self.main_choice is not None else ()
        return main + self.other_choices

    @property
    def shown_choices(self) -> tuple[ClaimChoice, ...]:
        """What the claim-type screen shows: the main type alone, or the others."""
        if self.main_choice is not None and not self.showing_others:
            return (self.main_choice,)
        return self.other_choices

    def claim_label(self, language: Language) -> str:
        """The chosen claim type in the patient's words (NHSO's name if the clinic has none)."""
        claim = self.claim_type
        if claim is None:
            return ""
        for choice in self.choices:
            if choice.code == claim.code:
                return choice.label(language)
        return claim.name


@dataclass(frozen=True)
class FlowState:
    step: Step = Step.IDLE
    session: Session | None = None
    seq: int = 0  # bumped on every change the screen shows; timeouts carry it
    timeout_s: float | None = None
    language: Language = "th"
    card_present: bool = False
    counter_reason: CounterReason | None = None
    error_code: str | None = None
    pin_attempts: int = 0
    # A waiting step is about to time out: the screen counts down, a touch clears it.
    warning: bool = False
    cancel_reason: CancelReason | None = None
    # The staff menu's last test print: "" none yet, "ok", or the printer failure's kind.
    test_print: str = ""


@dataclass(frozen=True)
class FlowConfig:
    patient_timeout_s: float = 45.0  # no touch for this long cancels, the warning included
    warning_s: float = 10.0
    end_screen_s: float = 12.0
    cancelled_screen_s: float = 6.0
    busy_timeout_s: float = 60.0
    default_language: Language = "th"
    default_claim_type: ClaimType = GENERAL_VISIT
    # The clinic's claim types in its order, the first being the main one. Empty: every
    # type NHSO returns, under NHSO's name, with the default claim type as the main one.
    claim_choices: tuple[ClaimChoice, ...] = ()
    max_pin_attempts: int = 3

    @property
    def warning_for(self) -> float:
        return min(self.warning_s, self.patient_timeout_s / 2)

    def timeout_for(self, step: Step) -> float | None:
        if step == Step.IDLE:
            return None
        if step in BUSY_STEPS:
            return self.busy_timeout_s
        if step == Step.CANCELLED:
            return self.cancelled_screen_s
        if step in END_STEPS:
            return self.end_screen_s
        if step in WAITING_STEPS:
            return self.patient_timeout_s - self.warning_for
        return self.patient_timeout_s

    @property
    def main_claim(self) -> str:
        return self.claim_choices[0].code if self.claim_choices else self.default_claim_type.code

    def choice_for(self, claim: ClaimType) -> ClaimChoice:
        for choice in self.claim_choices:
            if choice.code == claim.code:
                return choice
        return ClaimChoice(claim.code, claim.name, claim.name)

    def offered(self, claims: Iterable[ClaimType]) -> tuple[ClaimChoice, ...]:
        """NHSO's claim types for this patient that the clinic allows, main one first."""
        returned = {claim.code: claim for claim in claims}
        if self.claim_choices:
            found = [choice for choice in self.claim_choices if choice.code in returned]
        else:
            found = [self.choice_for(claim) for claim in returned.values()]
        return tuple(sorted(found, key=lambda choice: choice.code != self.main_claim))


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class CardInserted(Event):
    checkin_id: str = field(default_factory=new_checkin_id)


@dataclass(frozen=True)
class CardRemoved(Event):
    pass


@dataclass(frozen=True)
class Result(Event):
    """The outcome of a command, for the check-in that asked for it."""

    checkin_id: str


@dataclass(frozen=True)
class CardRead(Result):
    identity: Identity


@dataclass(frozen=True)
class CardReadFailed(Result):
    code: str


@dataclass(frozen=True)
class PatientIdentified(Result):
    patient: Patient


@dataclass(frozen=True)
class ClinicUnavailable(Result):
    pass


@dataclass(frozen=True)
class RightsChecked(Result):
    rights: Rights


@dataclass(frozen=True)
class NhsoDown(Result):
    pass


@dataclass(frozen=True)
class NhsoSaidNo(Result):
    reason: str = ""


@dataclass(frozen=True)
class Authenticated(Result):
    outcome: AuthenOutcome


@dataclass(frozen=True)
class VisitOpened(Result):
    visit: VisitRef


@dataclass(frozen=True)
class Journaled(Result):
    visit: VisitRef


@dataclass(frozen=True)
class JournalFailed(Result):
    code: str = "journal_failed"


@dataclass(frozen=True)
class TicketPrinted(Result):
    pass


@dataclass(frozen=True)
class PrinterFailed(Result):
    kind: str = "offline"


@dataclass(frozen=True)
class CommandFailed(Result):
    """An adapter failed in a way the flow has no specific answer for."""

    code: str = "error"


@dataclass(frozen=True)
class ClaimTypeChosen(Event):
    code: str


@dataclass(frozen=True)
class OtherServicesRequested(Event):
    """The patient asked for the claim types besides the main one."""


@dataclass(frozen=True)
class OtherServicesClosed(Event):
    """Back from the other services to where the patient was."""


@dataclass(frozen=True)
class CancelTouched(Event):
    """The patient touched Cancel on a choice screen."""


@dataclass(frozen=True)
class MobileConfirmed(Event):
    pass


@dataclass(frozen=True)
class MobileEditRequested(Event):
    pass


@dataclass(frozen=True)
class MobileEditCancelled(Event):
    pass


@dataclass(frozen=True)
class MobileEntered(Event):
    number: str

    def __repr__(self) -> str:
        return "MobileEntered(number=<hidden>)"


@dataclass(frozen=True)
class PatientActive(Event):
    """A touch that changes nothing in the flow (a keypad digit): restart the timer."""


@dataclass(frozen=True)
class Timeout(Event):
    seq: int


@dataclass(frozen=True)
class LanguageToggled(Event):
    pass


@dataclass(frozen=True)
class StaffGesture(Event):
    pass


@dataclass(frozen=True)
class StaffPinEntered(Event):
    ok: bool  # the controller compares the PIN; the flow never sees it


@dataclass(frozen=True)
class StaffAction(Event):
    action: StaffActionName


@dataclass(frozen=True)
class TestSlipPrinted(Event):
    """The staff's test slip: `failure` is the printer failure's kind, or None."""

    failure: str | None = None


# --- commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    pass


@dataclass(frozen=True)
class ReadCard(Command):
    checkin_id: str


@dataclass(frozen=True)
class IdentifyPatient(Command):
    checkin_id: str
    identity: Identity


@dataclass(frozen=True)
class CheckRights(Command):
    checkin_id: str
    identity: Identity


@dataclass(frozen=True)
class Authenticate(Command):
    request: AuthenRequest

    @property
    def checkin_id(self) -> str:
        return self.request.checkin_id


@dataclass(frozen=True)
class OpenVisit(Command):
    request: VisitRequest

    @property
    def checkin_id(self) -> str:
        return self.request.checkin_id


@dataclass(frozen=True)
class JournalVisit(Command):
    request: VisitRequest

    @property
    def checkin_id(self) -> str:
        return self.request.checkin_id


@dataclass(frozen=True)
class PrintTicket(Command):
    checkin_id: str
    ticket: TicketRequest


@dataclass(frozen=True)
class NotePrintFailure(Command):
    """Tell the staff side a visit stands without a ticket (reprint from the backoffice)."""

    visit: VisitRef
    kind: str


@dataclass(frozen=True)
class RecordCheckin(Command):
    """A check-in ended with a visit: for the health file (no personal data)."""

    visit: VisitRef
    outcome: Literal["done", "counter"]
    authen_status: AuthenStatus


@dataclass(frozen=True)
class ReplayJournal(Command):
    pass


@dataclass(frozen=True)
class PrintTestSlip(Command):
    pass


@dataclass(frozen=True)
class ExitApp(Command):
    pass


@dataclass(frozen=True)
class Transition:
    state: FlowState
    commands: tuple[Command, ...] = ()


# --- the machine ------------------------------------------------------------------------


class Flow:
    def __init__(self, config: FlowConfig | None = None) -> None:
        self.config = config or FlowConfig()

    def initial(self) -> FlowState:
        return FlowState(language=self.config.default_language)

    # State changes go through here so that seq and timeout are never forgotten; any
    # change clears the timeout warning (a touch, a result, a language switch).
    def _to(
        self, state: FlowState, step: Step, *, warning: bool = False, **changes: object
    ) -> FlowState:
        new = replace(state, step=step, seq=state.seq + 1, **changes)  # type: ignore[arg-type]
        new = replace(new, warning=warning)
        timeout = self.config.warning_for if warning else self.config.timeout_for(step)
        return replace(new, timeout_s=timeout)

    def _idle(self, state: FlowState) -> FlowState:
        return self._to(
            state,
            Step.IDLE,
            session=None,
            counter_reason=None,
            error_code=None,
            cancel_reason=None,
            pin_attempts=0,
            language=self.config.default_language,
        )

    def _cancel(self, state: FlowState, reason: CancelReason) -> FlowState:
        """Ended before a visit: the data goes now; the screen says so, in the patient's
        language, before idle (a reset without a word leaves an elderly patient lost)."""
        return self._to(
            state,
            Step.CANCELLED,
            session=None,
            counter_reason=None,
            error_code=None,
            cancel_reason=reason,
        )

    def _start(self, state: FlowState, checkin_id: str) -> Transition:
        fresh = self._idle(state)
        new = self._to(fresh, Step.READING_CARD, session=Session(checkin_id), card_present=True)
        return Transition(new, (ReadCard(checkin_id),))

    def handle(self, state: FlowState, event: Event, now: dt.datetime) -> Transition:
        same = Transition(state)
        step = state.step
        if isinstance(event, CardInserted):
            state = replace(state, card_present=True)
            if step == Step.IDLE or step in END_STEPS:
                return self._start(state, event.checkin_id)
            return Transition(state)
        if isinstance(event, CardRemoved):
            state = replace(state, card_present=False)
            if step in STAFF_STEPS or step == Step.IDLE:
                return Transition(state)
            if step in END_STEPS:
                return Transition(self._idle(state))
            return Transition(self._cancel(state, "card_removed"))
        if isinstance(event, Timeout):
            if event.seq != state.seq or step == Step.IDLE:
                return same
            if step in BUSY_STEPS:
                return Transition(self._counter(state, "timeout", "timeout"))
            if step in WAITING_STEPS:
                if not state.warning:
                    return Transition(self._to(state, step, warning=True))
                return Transition(self._cancel(state, "timeout"))
            return self._leave(state)
        if isinstance(event, LanguageToggled):
            other: Language = "en" if state.language == "th" else "th"
            return Transition(self._to(state, step, language=other))
        if isinstance(event, StaffGesture):
            if step in STAFF_ENTRY_STEPS:
                return Transition(self._to(self._idle(state), Step.STAFF_PIN))
            return same
        if step in STAFF_STEPS:
            return self._staff(state, event)
        if isinstance(event, Result):
            session = state.session
            if session is None or event.checkin_id != session.checkin_id:
                return same  # a late answer for a check-in that is gone
            return self._result(state, session, event, now)
        if isinstance(event, PatientActive):
            if step in WAITING_STEPS:
                return Transition(self._to(state, step))
            return same
        if state.session is not None and step in WAITING_STEPS:
            return self._touch(state, state.session, event, now)
        return same

    def _leave(self, state: FlowState) -> Transition:
        """Back to idle; a card left in (e.g. after staff mode) starts a new check-in."""
        if state.card_present and state.step in STAFF_STEPS:
            return self._start(state, new_checkin_id())
        return Transition(self._idle(state))

    def _counter(
        self, state: FlowState, reason: CounterReason, code: str | None = None
    ) -> FlowState:
        return self._to(state, Step.GO_TO_COUNTER, counter_reason=reason, error_code=code)

    # --- results of commands ---

    def _result(
        self, state: FlowState, session: Session, event: Result, now: dt.datetime
    ) -> Transition:
        step = state.step
        if isinstance(event, CommandFailed) and step in BUSY_STEPS:
            return Transition(self._counter(state, "error", event.code))
        if step == Step.READING_CARD:
            if isinstance(event, CardRead):
                new_session = replace(session, identity=event.identity)
                return Transition(
                    self._to(state, Step.CARD_READ, session=new_session),
                    (IdentifyPatient(session.checkin_id, event.identity),),
                )
            if isinstance(event, CardReadFailed):
                return Transition(self._to(state, Step.CARD_ERROR, error_code=event.code))
        elif step == Step.CARD_READ and session.identity is not None:
            if isinstance(event, PatientIdentified | ClinicUnavailable):
                patient = (
                    event.patient if isinstance(event, PatientIdentified) else Patient.unresolved()
                )
                if patient.needs_staff:  # JHCIS records a death or a discharge: staff decide
                    return Transition(
                        self._to(
                            state,
                            Step.GO_TO_COUNTER,
                            session=replace(session, patient=patient),
                            counter_reason="registration",
                            error_code=patient.needs_staff,
                        )
                    )
                return Transition(
                    self._to(state, Step.IDENTIFIED, session=replace(session, patient=patient)),
                    (CheckRights(session.checkin_id, session.identity),),
                )
        elif step == Step.IDENTIFIED:
            return self._rights_result(state, session, event, now)
        elif step == Step.MOBILE_CONFIRMED:
            return self._authen_result(state, session, event, now)
        elif step in (Step.AUTHENTICATED, Step.JOURNALING):
            return self._visit_result(state, session, event, now)
        elif step == Step.VISIT_OPENED and session.visit is not None:
            visit = session.visit
            status = session.authen_status or "pending"
            if isinstance(event, TicketPrinted):
                if state.counter_reason is not None:
                    new = self._to(state, Step.GO_TO_COUNTER)
                    return Transition(new, (RecordCheckin(visit, "counter", status),))
                return Transition(
                    self._to(state, Step.DONE), (RecordCheckin(visit, "done", status),)
                )
            if isinstance(event, PrinterFailed):
                return Transition(
                    self._counter(state, "printer", "printer_failed"),
                    (
                        NotePrintFailure(visit, event.kind),
                        RecordCheckin(visit, "counter", status),
                    ),
                )
        return Transition(state)

    def _rights_result(
        self, state: FlowState, session: Session, event: Result, now: dt.datetime
    ) -> Transition:
        if isinstance(event, RightsChecked):
            rights = event.rights
            offered = self.config.offered(rights.claim_types)
            main = offered[0] if offered and offered[0].code == self.config.main_claim else None
            session = replace(
                session,
                rights=rights,
                main_choice=main,
                other_choices=offered[1:] if main is not None else offered,
            )
            if not offered:  # none at all, or none this clinic provides: staff decide
                return self._to_counter(state, session, "no_rights", now)
            if len(offered) == 1 or (main is not None and self._main_goes_first(session)):
                return self._claim_type(state, session, self._nhso_claim(session, offered[0]), now)
            return Transition(self._to(state, Step.RIGHTS_CHECKED, session=session))
        if isinstance(event, NhsoDown):
            default = self.config.default_claim_type
            session = replace(session, nhso_down=True, main_choice=self.config.choice_for(default))
            return self._claim_type(state, session, default, now)
        if isinstance(event, NhsoSaidNo):
            return self._to_counter(state, session, "refused", now)
        return Transition(state)

    def _to_counter(
        self,
        state: FlowState,
        session: Session,
        reason: Literal["no_rights", "refused"],
        now: dt.datetime,
    ) -> Transition:
        """No usable right: the staff finish the visit. A patient who already has one
        today (came back, or pulled the card and tried again) gets its ticket again."""
        patient = session.patient
        if patient is not None and patient.visits_today:
            return self._reprint(
                state, session, patient.visits_today[0], reason, now, counter=reason
            )
        return self._settle(state, session, reason, now, counter=reason)

    def _reprint(
        self,
        state: FlowState,
        session: Session,
        visit: VisitRef,
        status: AuthenStatus,
        now: dt.datetime,
        *,
        counter: CounterReason | None = None,
    ) -> Transition:
        """The visit already stands: print its ticket again, no authen, no new visit."""
        session = replace(session, visit=visit, reprint=True, authen_status=status)
        new = self._to(state, Step.VISIT_OPENED, session=session, counter_reason=counter)
        return Transition(
            new, (PrintTicket(session.checkin_id, self._ticket(session, now, counter)),)
        )

    @staticmethod
    def _main_goes_first(session: Session) -> bool:
        """Skip the claim-type question for the main type (the confirm screen names it and
        offers the others): saves a returning patient a touch. Not for a patient who has
        to type a number anyway, nor one back the same day (they may come for another)."""
        patient = session.patient
        return (
            patient is not None
            and not patient.visits_today
            and patient.mobile is not None
            and is_valid_mobile(patient.mobile)
        )

    @staticmethod
    def _nhso_claim(session: Session, choice: ClaimChoice) -> ClaimType:
        """NHSO's own claim type (its name goes on the visit and the ticket)."""
        rights = session.rights
        for claim in rights.claim_types if rights else ():
            if claim.code == choice.code:
                return claim
        return ClaimType(choice.code, choice.th)

    def _claim_type(
        self, state: FlowState, session: Session, claim: ClaimType, now: dt.datetime
    ) -> Transition:
        session = replace(session, claim_type=claim, showing_others=False)
        patient = session.patient
        existing = patient.visit_today_for(claim.code) if patient is not None else None
        if existing is not None:
            # Same day, same claim type: NHSO refuses a second authen; the visit stands.
            status: AuthenStatus = "reused" if existing.claim_code else "pending"
            return self._reprint(state, session, existing, status, now)
        mobile = patient.mobile if patient is not None else None
        if mobile is not None and not is_valid_mobile(mobile):
            mobile = None  # JHCIS often holds landlines or junk; ask instead
        session = replace(session, mobile=mobile, editing_mobile=mobile is None)
        return Transition(self._to(state, Step.CLAIM_TYPE_CHOSEN, session=session))

    def _authen_result(
        self, state: FlowState, session: Session, event: Result, now: dt.datetime
    ) -> Transition:
        if isinstance(event, Authenticated):
            status: AuthenStatus = "reused" if event.outcome.reused else "ok"
            return self._settle(state, replace(session, authen=event.outcome), status, now)
        if isinstance(event, NhsoDown):
            return self._settle(state, session, "pending", now)
        if isinstance(event, NhsoSaidNo):
            return self._settle(state, session, "refused", now, counter="refused")
        return Transition(state)

    def _visit_result(
        self, state: FlowState, session: Session, event: Result, now: dt.datetime
    ) -> Transition:
        if isinstance(event, VisitOpened | Journaled):
            session = replace(session, visit=event.visit)
            new = self._to(state, Step.VISIT_OPENED, session=session)
            ticket = self._ticket(session, now, state.counter_reason)
            return Transition(new, (PrintTicket(session.checkin_id, ticket),))
        if isinstance(event, ClinicUnavailable) and state.step == Step.AUTHENTICATED:
            request = self._visit_request(session, now)
            return Transition(self._to(state, Step.JOURNALING), (JournalVisit(request),))
        if isinstance(event, JournalFailed) and state.step == Step.JOURNALING:
            return Transition(self._counter(state, "database", event.code))
        return Transition(state)

    def _settle(
        self,
        state: FlowState,
        session: Session,
        status: AuthenStatus,
        now: dt.datetime,
        counter: CounterReason | None = None,
    ) -> Transition:
        """Authen is settled one way or another: open the visit for the staff anyway."""
        session = replace(session, authen_status=status)
        new = self._to(state, Step.AUTHENTICATED, session=session, counter_reason=counter)
        return Transition(new, (OpenVisit(self._visit_request(session, now)),))

    # --- touches ---

    def _touch(
        self, state: FlowState, session: Session, event: Event, now: dt.datetime
    ) -> Transition:
        if isinstance(event, CancelTouched):
            return Transition(self._cancel(state, "cancelled"))
        has_others = session.main_choice is not None and bool(session.other_choices)
        if isinstance(event, OtherServicesRequested) and has_others:
            changed = replace(session, showing_others=True)
            return Transition(self._to(state, Step.RIGHTS_CHECKED, session=changed))
        if state.step == Step.RIGHTS_CHECKED:
            return self._choose(state, session, event, now)
        return self._mobile(state, session, event, now)

    def _choose(
        self, state: FlowState, session: Session, event: Event, now: dt.datetime
    ) -> Transition:
        if isinstance(event, OtherServicesClosed) and session.showing_others:
            if session.main_choice is None:
                return Transition(state)  # the others are all there is
            # Back where the patient came from: the main type's question or its confirm.
            back = Step.RIGHTS_CHECKED if session.claim_type is None else Step.CLAIM_TYPE_CHOSEN
            changed = replace(session, showing_others=False)
            return Transition(self._to(state, back, session=changed))
        if isinstance(event, ClaimTypeChosen):
            for choice in session.choices:
                if choice.code == event.code:
                    return self._claim_type(state, session, self._nhso_claim(session, choice), now)
        return Transition(state)

    def _mobile(
        self, state: FlowState, session: Session, event: Event, now: dt.datetime
    ) -> Transition:
        if isinstance(event, MobileConfirmed) and session.one_touch:
            return self._mobile_done(state, session, now)
        if isinstance(event, MobileEditRequested):
            changed = replace(session, editing_mobile=True, mobile_error=False)
            return Transition(self._to(state, state.step, session=changed))
        if isinstance(event, MobileEditCancelled) and session.mobile is not None:
            changed = replace(session, editing_mobile=False, mobile_error=False)
            return Transition(self._to(state, state.step, session=changed))
        if isinstance(event, MobileEntered):
            if not is_valid_mobile(event.number):
                changed = replace(session, mobile_error=True)
                return Transition(self._to(state, state.step, session=changed))
            on_file = session.patient.mobile if session.patient else None
            changed = replace(
                session,
                mobile=event.number,
                mobile_changed=event.number != on_file,
                editing_mobile=False,
                mobile_error=False,
            )
            return self._mobile_done(state, changed, now)
        return Transition(state)

    def _mobile_done(self, state: FlowState, session: Session, now: dt.datetime) -> Transition:
        if session.nhso_down or session.authen_attempts > 0:
            return self._settle(state, session, "pending", now)
        session = replace(session, authen_attempts=session.authen_attempts + 1)
        assert session.identity is not None and session.patient is not None
        assert session.claim_type is not None and session.mobile is not None
        request = AuthenRequest(
            checkin_id=session.checkin_id,
            identity=session.identity,
            patient=session.patient,
            claim_type=session.claim_type.code,
            mobile=session.mobile,
            correlation_id=session.rights.correlation_id if session.rights else "",
        )
        new = self._to(state, Step.MOBILE_CONFIRMED, session=session)
        return Transition(new, (Authenticate(request),))

    # --- staff ---

    def _staff(self, state: FlowState, event: Event) -> Transition:
        if isinstance(event, StaffPinEntered) and state.step == Step.STAFF_PIN:
            if event.ok:
                return Transition(self._to(state, Step.STAFF_MENU, pin_attempts=0, test_print=""))
            attempts = state.pin_attempts + 1
            if attempts >= self.config.max_pin_attempts:
                return self._leave(state)
            return Transition(self._to(state, Step.STAFF_PIN, pin_attempts=attempts))
        if isinstance(event, StaffAction):
            if event.action == "back":
                return self._leave(state)
            if state.step == Step.STAFF_MENU:
                commands: dict[str, Command] = {
                    "exit": ExitApp(),
                    "replay": ReplayJournal(),
                    "test_print": PrintTestSlip(),
                }
                return Transition(self._to(state, state.step), (commands[event.action],))
        if isinstance(event, TestSlipPrinted) and state.step == Step.STAFF_MENU:
            known = ("paper_out", "cover_open", "offline")
            result = (
                "ok"
                if event.failure is None
                else (event.failure if event.failure in known else "error")
            )
            return Transition(self._to(state, state.step, test_print=result))
        return Transition(state)

    # --- requests built from the session ---

    def _visit_request(self, session: Session, now: dt.datetime) -> VisitRequest:
        assert session.identity is not None and session.patient is not None
        claim = session.claim_type
        rights = session.rights
        return VisitRequest(
            checkin_id=session.checkin_id,
            identity=session.identity,
            patient=session.patient,
            claim_type=claim.code if claim else None,
            claim_type_name=claim.name if claim else "",
            authen_status=session.authen_status or "pending",
            claim_code=session.authen.claim_code if session.authen else None,
            mobile=session.mobile,
            mobile_changed=session.mobile_changed,
            main_inscl=rights.main_inscl if rights else "",
            sub_inscl=rights.sub_inscl if rights else "",
            hosp_main=rights.hosp_main if rights else "",
            hosp_sub=rights.hosp_sub if rights else "",
            correlation_id=rights.correlation_id if rights else "",
            requested_at=now,
        )

    def _ticket(
        self, session: Session, now: dt.datetime, counter: CounterReason | None = None
    ) -> TicketRequest:
        assert session.visit is not None and session.identity is not None
        visit = session.visit
        claim = session.claim_type
        claim_code = session.authen.claim_code if session.authen else visit.claim_code
        return TicketRequest(
            queue_label=visit.queue_label,
            local=visit.local,
            masked_name=session.identity.masked_name,
            claim_type=claim.code if claim else None,
            claim_type_name=claim.name if claim else "",
            claim_code=claim_code,
            authen_status=session.authen_status or "pending",
            visit=visit,
            issued_at=now,
            reprint=session.reprint,
            newly_registered=bool(session.patient and session.patient.newly_registered),
            counter_reason=counter,
            next_appointment=session.patient.next_appointment if session.patient else None,
            right_code=session.rights.main_inscl if session.rights else "",
            right_name=session.rights.main_inscl_name if session.rights else "",
            service_name=session.claim_label("th"),  # the ticket is in Thai
        )


def personal_values(session: Session | None) -> list[str]:
    """Every personal value the session holds (for tests and for the log filter)."""
    if session is None:
        return []
    values: list[str] = []
    if session.identity is not None:
        values.extend(
            str(getattr(session.identity, f.name))
            for f in dataclasses.fields(session.identity)
            if f.name in {"cid", "first_th", "last_th", "first_en", "last_en", "address"}
        )
    if session.mobile:
        values.append(session.mobile)
    if session.patient is not None and session.patient.mobile:
        values.append(session.patient.mobile)
    return [v for v in values if v]
