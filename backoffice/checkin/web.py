"""Staff-assisted check-in by citizen ID, for a patient without a card (issue 8 §3).

Two ways to open the visit, as JHCIS itself offers (seed §7.2): with an NHSO authen
code obtained without card or agent (AuthenCode, recorded by the staff member's own
citizen ID), or without authen (a second visit of the same day). The citizen ID is
posted, never put in a URL, and the person is carried between steps by JHCIS key.

A child without an ID card (vaccine days, issue 20 item 7) comes this way: NHSO's
documented interfaces give no way for a guardian's card to stand for the child's (the
agent authenticates the card in the reader; AuthenCode takes the child's citizen ID and
the recorder's), so the kiosk sends them here. For a child (under 15 by JHCIS's birth
date) the page asks who brought them, required under 7 (no card exists yet): the
relationship and name, and optionally the guardian's citizen ID, used only to find the
guardian in JHCIS (their JHCIS key is kept, never the ID). It is recorded with the visit
in the same transaction (``kiosk_visit_guardian``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from backoffice.queue.web import ticket_for
from backoffice.reports.visits import visit_detail
from backoffice.web.errors import BadInput, NotFound
from backoffice.web.framework import Page, guard, threaded
from common.cid import is_valid_cid, mask_cid
from common.errors import BilingualError
from common.thaidate import age_on
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.records import (
    CheckinRequest,
    CheckinResult,
    Guardian,
    GuardianRelation,
    Person,
    Visit,
)
from integrations.jhcis.staff import staff_cid
from integrations.jhcis.tables import chospital
from integrations.nhso.errors import InvalidCid, NhsoError
from integrations.nhso.models import AuthenResult
from integrations.nhso.providers import GENERAL_VISIT, EndpointAuthenProvider, check_mobile

CLAIM_TYPES = {GENERAL_VISIT.code: GENERAL_VISIT.name or GENERAL_VISIT.code}
MODES = ("authen", "plain")
RELATIONS: tuple[GuardianRelation, ...] = ("mother", "father", "other")
CHILD_AGE = 15  # the page asks who brought the patient
NO_CARD_AGE = 7  # no ID card exists before this age: who brought them is required


class GuardianNeeded(BilingualError):
    code = "checkin.guardian_needed"
    message_th = "เด็กอายุต่ำกว่า 7 ปี: กรุณาบันทึกผู้ปกครองที่พามา (เกี่ยวข้องเป็น และชื่อ)"
    message_en = "A child under 7: record who brought the child (relationship and name)."


class NhsoDownForStaff(BilingualError):
    """NHSO did not answer an assisted check-in: said to the staff member (the NHSO
    errors speak to patients, "contact staff"), with what they can do now."""

    code = "checkin.nhso_down"
    message_th = (
        "ระบบ สปสช. ไม่ตอบในขณะนี้ ยังไม่ได้เปิด visit: กดขอ Authen อีกครั้งในอีกสักครู่ "
        "(ข้อมูลที่กรอกยังอยู่) หรือถ้าผู้ป่วยรอไม่ได้ ให้กด “ส่งเข้ารับบริการโดยไม่ทำ Authen” "
        "แล้วขอรหัสยืนยันสิทธิ (Authen Code) ภายหลังเมื่อ สปสช. กลับมา"
    )
    message_en = (
        "NHSO is not answering; no visit was opened. Press Authen again in a moment (what "
        "you typed is kept), or if the patient cannot wait, press Visit without Authen and "
        "get the Authen Code later, when NHSO is back."
    )


class GuardianIsPatient(BilingualError):
    code = "checkin.guardian_is_patient"
    message_th = "เลขประจำตัวประชาชนผู้ปกครองเป็นเลขเดียวกับของเด็ก กรุณาตรวจสอบ"
    message_en = "The guardian's citizen ID is the child's own; please check it."


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@guard("staff")
async def checkin_form(page: Page) -> Response:
    return page.render("checkin.html", error=None)


def _province(clinic: ClinicDatabase) -> str:
    """The unit's province for AuthenCode: chospital.provcode as NHSO's 4-digit id."""
    with clinic.engine.connect() as conn:
        code = conn.execute(
            select(chospital.c.provcode).where(chospital.c.hoscode == clinic.unit_code())
        ).scalar()
    text = str(code or "").strip()
    return text + "00" if len(text) == 2 else text


def child_age(who: Person, today: dt.date) -> int | None:
    """The person's age when JHCIS knows the birth and it makes them a child, else None."""
    if who.birth is None:
        return None
    age = age_on(who.birth, today)
    return age if age < CHILD_AGE else None


async def _show_person(
    page: Page, who: Person, error: BilingualError | None = None, mobile: str | None = None
) -> Response:
    today = page.deps.clock().date()
    age = child_age(who, today)
    visit: Visit | None = await threaded(page.deps.clinic.find_today_visit, who, today)
    photo, note = await threaded(page.deps.clinic.staff_notes, who.pcucodeperson, who.pid)
    name = " ".join(p for p in (who.title or "", who.first_name, who.last_name) if p)
    return page.render(
        "checkin_person.html",
        who=who,
        full_name=name,
        masked_cid=mask_cid(who.cid),
        today_visit=visit,
        has_photo=photo,
        card_note=note,
        claim_types=CLAIM_TYPES,
        child=age is not None,
        guardian_required=age is not None and age < NO_CARD_AGE,
        relations=RELATIONS,
        idem=uuid.uuid4().hex,
        # What was typed stays after a failure; else the number JHCIS has on file.
        mobile=mobile if mobile is not None else who.mobile,
        mobile_on_file=mobile is None and bool(who.mobile),
        error=error,
        status=400 if error is not None else 200,
    )


@guard("staff")
async def checkin_find(page: Page) -> Response:
    cid = _digits(page.field("cid", limit=40))
    if not is_valid_cid(cid):
        return page.render("checkin.html", status=400, error=InvalidCid("keypad"))
    who: Person | None = await threaded(page.deps.clinic.find_person_by_cid, cid)
    if who is not None and who.pcucodeperson != page.deps.clinic.unit_code():
        who = None  # another unit's registry is not this unit's staff's to read
    # Who looked up whom, never the citizen ID itself.
    target = f"{who.pcucodeperson}/{who.pid}" if who is not None else None
    await threaded(page.audit, "cid_lookup", target=target, outcome="ok" if who else "not_found")
    if who is None:
        return page.render("checkin.html", status=404, error=None, not_found=True)
    return await _show_person(page, who)


@guard("staff")
async def checkin_open(page: Page) -> Response:
    deps = page.deps
    clinic = deps.clinic
    assert page.session is not None
    mode = page.field("mode", limit=10)
    unit_person = page.field("pcucodeperson", limit=5)
    pid_text = page.field("pid", limit=10)
    idem = page.field("idem", limit=64)
    if mode not in MODES or not pid_text.isdigit() or not idem.isalnum() or len(idem) != 32:
        raise BadInput("checkin form")
    if unit_person != clinic.unit_code():
        raise BadInput("person of another unit")
    who: Person | None = await threaded(clinic.get_person, unit_person, int(pid_text))
    if who is None or not is_valid_cid(who.cid):
        raise BadInput("person")
    now = deps.clock()
    try:
        guardian = await threaded(_guardian, page, who, now.date())
    except BilingualError as exc:
        return await _show_person(page, who, error=exc)
    result: AuthenResult | None = None
    claim_type: str | None = None
    mobile: str | None = None
    if mode == "authen":
        claim_type = page.field("claim_type", limit=12)
        if claim_type not in CLAIM_TYPES:
            raise BadInput("claim type")
        typed = page.field("mobile", limit=20)
        try:
            mobile = check_mobile(_digits(typed))
            result = await threaded(_authen, page, who, claim_type, mobile)
        except BilingualError as exc:
            await threaded(
                page.audit,
                "checkin_authen",
                target=f"{who.pcucodeperson}/{who.pid}",
                outcome=exc.code[:16],
            )
            shown = (
                NhsoDownForStaff(exc.code) if isinstance(exc, NhsoError) and exc.transient else exc
            )
            return await _show_person(page, who, error=shown, mobile=typed)
    # The same one-transaction check-in as the kiosk's: visit, claim fields and mobile.
    request = CheckinRequest(
        key=f"web-{idem}",
        at=now,
        person=who.key,
        claim_type=claim_type,
        claim_code=result.claim_code if result else None,
        mobile=mobile,
        store_mobile=mobile is not None,
        provider=page.session.username,  # a JHCIS account: sign-in reads JHCIS's user table
        channel="web",
        guardian=guardian,
    )
    done: CheckinResult = await threaded(clinic.open_checkin_visit, request, known=who)
    opened = done.visit
    deps.fragments.clear()  # the queue shows the new visit at once
    await threaded(
        page.audit,
        "checkin_open",
        target=f"{opened.pcucode}/{opened.visitno}",
        detail={
            "mode": mode,
            "claim_type": claim_type,
            "existing_code": bool(result and result.existing),
            "guardian": guardian.relation if guardian else None,  # never a name or an ID
        },
    )
    # The first ticket prints by itself; the visit page offers to print it if it failed.
    printed = await _print_first_ticket(page, opened)
    done_flag = "opened_printed" if printed else "print_failed"
    return RedirectResponse(
        f"/visits/{opened.pcucode}/{opened.visitno}?done={done_flag}", status_code=303
    )


async def _print_first_ticket(page: Page, opened: Visit) -> bool:
    """Print the new visit's ticket; False (the visit stands) when the printer fails."""
    row = await threaded(visit_detail, page.deps.clinic, opened.pcucode, opened.visitno)
    if row is None:
        return False

    def print_it() -> None:
        page.deps.printer().print_ticket(ticket_for(page, row.row))

    try:
        await threaded(print_it)
    except (BilingualError, ValueError) as exc:
        code = exc.code if isinstance(exc, BilingualError) else "ticket"
        await threaded(page.audit, "print", target=row.row.key, outcome=code[:16])
        return False
    await threaded(page.audit, "print", target=row.row.key)
    return True


def _guardian(page: Page, who: Person, today: dt.date) -> Guardian | None:
    """Who brought the patient, from the form; None when nobody was named (allowed from
    age 7, when the patient may have a card of their own).

    The guardian's citizen ID only finds them in JHCIS: it is neither kept nor logged."""
    relation = page.field("guardian_relation", limit=10)
    name = " ".join(page.field("guardian_name", limit=100).split())
    cid = _digits(page.field("guardian_cid", limit=40))
    age = child_age(who, today)
    if not (relation or name or cid):
        if age is not None and age < NO_CARD_AGE:
            raise GuardianNeeded()
        return None
    if relation not in RELATIONS or not name:
        raise GuardianNeeded()
    key: tuple[str, int] | None = None
    if cid:
        if not is_valid_cid(cid):
            raise InvalidCid("guardian")
        if cid == who.cid:
            raise GuardianIsPatient()
        found = page.deps.clinic.find_person_by_cid(cid)
        key = found.key if found is not None else None
    return Guardian(relation=relation, name=name, person=key)


def _authen(page: Page, who: Person, claim_type: str, mobile: str) -> AuthenResult:
    deps = page.deps
    assert page.session is not None
    clinic = deps.clinic
    provider = EndpointAuthenProvider(
        deps.nhso_client(),
        hcode=clinic.unit_code(),
        # Configured values first for the province (NHSO's id may differ from JHCIS's);
        # the signed-in staff member is the recorder, else the configured one, else the
        # patient (the provider's self-service default).
        province=deps.settings.nhso.province or _province(clinic),
        recorder_pid=(
            staff_cid(clinic.engine, page.session.username, clinic.unit_code())
            or deps.settings.nhso.recorder_pid
            or None
        ),
        now=deps.clock,
        today=lambda: deps.clock().date(),
    )
    try:
        return provider.authen(who.cid, claim_type, mobile, hn=who.hn)
    finally:
        provider.close()


@guard("staff")
async def person_photo(page: Page) -> Response:
    """The card photo JHCIS keeps, beside the patient on the check-in and visit pages, so
    staff can check who stands before them. Never in a list, never cached."""
    unit = page.request.path_params.get("pcucode", "")
    pid = page.request.path_params.get("pid", "")
    if not (unit.isalnum() and len(unit) == 5 and pid.isdigit() and len(pid) < 10):
        raise NotFound("bad person key")
    if unit != page.deps.clinic.unit_code():
        raise NotFound("another unit's person")
    photo: bytes | None = await threaded(page.deps.clinic.person_photo, unit, int(pid))
    if photo is None:
        raise NotFound("photo")
    await threaded(page.audit, "photo_view", target=f"{unit}/{pid}")
    return Response(photo, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


ROUTES = (
    ("/persons/{pcucode}/{pid}/photo.jpg", "GET", person_photo),
    ("/checkin", "GET", checkin_form),
    ("/checkin/find", "POST", checkin_find),
    ("/checkin/open", "POST", checkin_open),
)
