"""What to say when the flow's state changes: a pure function of two states.

* Entering ``card_read``: the card-read tone. Entering ``go_to_counter`` or
  ``card_error``, or a mistyped mobile number: the error tone.
* ``rights_checked``: choose the service; ``claim_type_chosen``: check the mobile number
  on file, or type one (again after a mistake, or when the patient asks to change it).
* The end screens (and idle with the card still in, once the end screen has timed out)
  name a *reminder*: said at once and again every few seconds while the card is in
  (take the ticket and the card, see the staff, insert again; take the card otherwise).
* Back at idle with no card after a check-in (finished or cancelled, not after staff
  mode or at start-up): insert your card, once.
* A waiting step about to time out (the countdown): are you still there, once.
* ``cancelled`` with the card out: cancelled, insert again (with it in, the reminder
  to take the card, as after any ending).
* A language switch says the step's prompt again in the other language.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import flow as f
from kiosk.voice.catalogue import (
    CANCELLED,
    CARD_ERROR,
    CARD_READ_TONE,
    CHOOSE_CLAIM_TYPE,
    CONFIRM_MOBILE,
    ENTER_MOBILE,
    ERROR_TONE,
    GO_TO_COUNTER,
    INSERT_CARD,
    STILL_THERE,
    TAKE_CARD,
    TAKE_TICKET_AND_CARD,
    Cue,
    Language,
    Prompt,
)

ENDINGS: dict[f.Step, Prompt] = {
    f.Step.DONE: TAKE_TICKET_AND_CARD,
    f.Step.GO_TO_COUNTER: GO_TO_COUNTER,
    f.Step.CARD_ERROR: CARD_ERROR,
}


@dataclass(frozen=True)
class Plan:
    cues: tuple[Cue, ...] = ()
    reminder: Prompt | None = None  # said now and repeated until a plan names another
    language: Language = "th"


def plan(before: f.FlowState | None, after: f.FlowState) -> Plan:
    reminder = _reminder(after)
    cues = () if before is None else _cues(before, after, reminder)
    return Plan(cues, reminder, after.language)


def _reminder(state: f.FlowState) -> Prompt | None:
    if not state.card_present:
        return None
    if state.step in ENDINGS:
        return ENDINGS[state.step]
    if state.step == f.Step.IDLE or state.step in f.END_STEPS:
        return TAKE_CARD  # another ending, or its screen timed out with the card still in
    return None


def _cues(before: f.FlowState, after: f.FlowState, reminder: Prompt | None) -> tuple[Cue, ...]:
    step = after.step
    if step != before.step:
        tone: tuple[Cue, ...] = ()
        if step == f.Step.CARD_READ:
            tone = (CARD_READ_TONE,)
        elif step in (f.Step.GO_TO_COUNTER, f.Step.CARD_ERROR):
            tone = (ERROR_TONE,)
        if step == f.Step.IDLE and before.step in f.STAFF_STEPS:
            return tone
        if step == f.Step.IDLE and before.step == f.Step.CANCELLED and not before.card_present:
            return tone  # the cancelled screen already asked for the card again
        said = _step_prompt(after)
        # An ending without the card in is said once here; with it, by the reminder.
        return tone + ((said,) if said is not None and said is not reminder else ())
    if after.language != before.language:
        said = _step_prompt(after)
        return (said,) if said is not None and said is not reminder else ()
    if after.warning and not before.warning:
        return (STILL_THERE,)
    if step == f.Step.IDLE and before.card_present and not after.card_present:
        return (INSERT_CARD,)  # the card left in after the end screen is out at last
    if step == f.Step.CLAIM_TYPE_CHOSEN:
        return _mobile_change(before.session, after.session)
    return ()


def _step_prompt(state: f.FlowState) -> Prompt | None:
    step = state.step
    if step == f.Step.IDLE:
        return None if state.card_present else INSERT_CARD
    if step == f.Step.RIGHTS_CHECKED:
        return CHOOSE_CLAIM_TYPE
    if step == f.Step.CLAIM_TYPE_CHOSEN and state.session is not None:
        return CONFIRM_MOBILE if state.session.one_touch else ENTER_MOBILE
    if step == f.Step.CANCELLED:
        return None if state.card_present else CANCELLED
    return ENDINGS.get(step)


def _mobile_change(before: f.Session | None, after: f.Session | None) -> tuple[Cue, ...]:
    if before is None or after is None:
        return ()
    if after.mobile_error and not before.mobile_error:
        return (ERROR_TONE, ENTER_MOBILE)
    if after.one_touch != before.one_touch:
        return (CONFIRM_MOBILE if after.one_touch else ENTER_MOBILE,)
    return ()
