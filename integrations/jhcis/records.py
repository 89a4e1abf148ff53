"""Typed records the clinic database layer hands to the kiosk and the backoffice.

Fields that identify a person (citizen ID, names, phone, address) are left out of
``repr`` so that a record that ends up in a log line or a traceback leaks nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from common.thaidate import PartialDate

_MOO_RE = re.compile(r"(?:หมู่ที่|หมู่|ม\.)\s*(\d{1,2})(?!\d)")
_ROAD_RE = re.compile(r"(?:ถนน|ถ\.)\s*(\S+)")
_HOUSE_RE = re.compile(r"^\s*(\d+(?:/\d+)?)(?=\s|$)")


def parse_card_address(address: str) -> dict[str, str]:
    """House number, moo and road from the ID card's address line.

    The card separates parts with '#' ("99/1#หมู่ที่ 4##ถนนสาธิต#ตำบล..."); the card
    reader may already have turned them into spaces. Unknown parts are left out.
    """
    first_four = address.split("#")[:4] if "#" in address else [address]
    text = " ".join(part for part in " ".join(first_four).split() if part)
    parts: dict[str, str] = {}
    if match := _HOUSE_RE.match(text):
        parts["house_no"] = match.group(1)
    if match := _MOO_RE.search(text):
        parts["moo"] = match.group(1).zfill(2)
    if match := _ROAD_RE.search(text):
        parts["road"] = match.group(1)
    return parts


@dataclass(frozen=True)
class Person:
    pcucodeperson: str
    pid: int
    cid: str = field(repr=False)
    prename_code: str | None
    title: str | None = field(repr=False)
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    birth: dt.date | PartialDate | None = field(repr=False)  # a year alone: PartialDate
    sex: str | None
    mobile: str | None = field(repr=False)
    hcode: int | None
    typelive: str | None
    dischargetype: str | None
    rightcode: str | None
    rightno: str | None = field(repr=False)
    hosmain: str | None
    hossub: str | None
    newly_registered: bool = False
    deceased: bool = False  # a row in persondeath

    @property
    def inactive_reason(self) -> str | None:
        """Why this record should not get a visit without staff: ``deceased`` (JHCIS has
        its death), ``discharged`` (``dischargetype`` other than '9', e.g. moved away)."""
        if self.deceased:
            return "deceased"
        if (self.dischargetype or "9").strip() not in ("", "9"):
            return "discharged"
        return None

    @property
    def hn(self) -> str:
        """JHCIS uses the person number as the hospital number (HN)."""
        return str(self.pid)

    @property
    def key(self) -> tuple[str, int]:
        return (self.pcucodeperson, self.pid)


_AREA_PREFIXES = ("ตำบล", "แขวง", "อำเภอ", "เขต", "จังหวัด", "ต.", "อ.", "จ.")


def area_name(text: str) -> str:
    """A subdistrict, district or province name as the card prints it ("ตำบลบางเขน"),
    as JHCIS's code tables keep it ("บางเขน")."""
    name = text.strip()
    for prefix in _AREA_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :].strip()
    return name


@dataclass(frozen=True)
class WalkinIdentity:
    """What the ID card gives for registering a new out-of-area person.

    ``birth`` is the exact date; a card that holds only the year (common among elderly
    holders: ``25080000``) gives ``birth=None`` and ``birth_year``. The area names are
    the card's text without their prefixes; JHCIS's code tables turn them into codes
    (integrations/jhcis/card_record.py), or they are reported unresolved.
    """

    cid: str = field(repr=False)
    title: str = field(repr=False)
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    birth: dt.date | None = field(repr=False)
    sex: str  # '1' male, '2' female (JHCIS and the card agree)
    house_no: str = field(default="", repr=False)
    moo: str = field(default="", repr=False)
    road: str = field(default="", repr=False)
    subdistrict_code: str = ""
    district_code: str = ""
    province_code: str = ""
    title_en: str = field(default="", repr=False)
    first_name_en: str = field(default="", repr=False)
    last_name_en: str = field(default="", repr=False)
    subdistrict: str = field(default="", repr=False)
    district: str = field(default="", repr=False)
    province: str = field(default="", repr=False)
    birth_year: int | None = field(default=None, repr=False)

    @classmethod
    def from_card(
        cls,
        *,
        cid: str,
        title: str,
        first_name: str,
        last_name: str,
        birth: dt.date | None,
        sex: str,
        address: str = "",
        title_en: str = "",
        first_name_en: str = "",
        last_name_en: str = "",
        birth_year: int | None = None,
    ) -> WalkinIdentity:
        """Build from the card's fields. The address line gives house number, moo and road;
        its '#'-separated parts 5-7, where present, the subdistrict, district, province."""
        parts = parse_card_address(address)
        areas = address.split("#")[4:7] if address.count("#") >= 6 else ["", "", ""]
        return cls(
            cid=cid,
            title=title,
            first_name=first_name,
            last_name=last_name,
            birth=birth,
            sex=sex,
            house_no=parts.get("house_no", ""),
            moo=parts.get("moo", ""),
            road=parts.get("road", ""),
            title_en=title_en,
            first_name_en=first_name_en,
            last_name_en=last_name_en,
            subdistrict=area_name(areas[0]),
            district=area_name(areas[1]),
            province=area_name(areas[2]),
            birth_year=birth.year if birth is not None else birth_year,
        )


@dataclass(frozen=True)
class VisitClaim:
    claim_type: str | None
    claim_code: str | None
    datetime_claim: dt.datetime | None
    correlation_id: str | None
    main_inscl: str | None = None
    sub_inscl: str | None = None


@dataclass(frozen=True)
class Visit:
    pcucode: str
    visitno: int
    visitdate: dt.date
    pcucodeperson: str
    pid: int
    queue_no: int | None  # None for visits the kiosk did not open
    timestart: dt.time | None = None
    flagservice: str | None = None
    idempotency_key: str | None = None
    claim_type: str | None = None  # NHSO claim type (hiciauthen_nhso), if authenticated
    claim_code: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.pcucode, self.visitno)


@dataclass(frozen=True)
class PendingAuthen:
    id: int
    pcucode: str
    visitno: int
    visitdate: dt.date
    pcucodeperson: str
    pid: int
    cid: str | None = field(repr=False)
    claim_type: str
    mobile: str | None = field(repr=False)
    created_at: dt.datetime
    attempts: int
    last_attempt_at: dt.datetime | None
    resolved_at: dt.datetime | None
    outcome: str | None
    claim_code: str | None


GuardianRelation = Literal["mother", "father", "other"]


@dataclass(frozen=True)
class Guardian:
    """Who brought a patient checked in by staff (a child without an ID card).

    ``person`` is the guardian's JHCIS key when staff found them by citizen ID; the ID
    itself goes no further than that look-up."""

    relation: GuardianRelation
    name: str = field(default="", repr=False)
    person: tuple[str, int] | None = None


@dataclass(frozen=True)
class CheckinRequest:
    """One check-in, as :meth:`ClinicDatabase.open_checkin_visit` writes it, all or nothing.

    ``key`` is the idempotency key: the same request again returns the visit it opened.
    The person is ``person`` (a JHCIS key) when known, else found by the card's citizen
    ID in ``identity``, else registered from it as an out-of-area walk-in.
    ``reuse_same_day`` applies the kiosk's rule (one visit per person, day and claim
    type; a repeat reprints) inside the transaction, for check-ins journaled while the
    database was down: today's visit of that claim type is returned, its missing claim
    code filled in. ``mobile`` goes with a pending authen, and onto the person when
    ``store_mobile``. ``provider`` is the JHCIS account recorded on the visit
    (``visit.username``): the signed-in staff member, else the database's default.
    """

    key: str
    at: dt.datetime
    identity: WalkinIdentity | None = None
    person: tuple[str, int] | None = None
    claim_type: str | None = None
    claim_code: str | None = None
    correlation_id: str | None = None
    main_inscl: str | None = None
    sub_inscl: str | None = None
    pending_authen: bool = False
    mobile: str | None = field(default=None, repr=False)
    store_mobile: bool = False
    reuse_same_day: bool = False
    provider: str | None = None
    #: The kiosk's rule: a person JHCIS records as deceased or discharged gets no visit
    #: without staff (PersonNeedsStaff); a staff member's own check-in may go ahead.
    refuse_inactive: bool = False
    #: The card's JPEG, read only with the clinic's consent setting on: saved to
    #: personimages for a new person, or one without a photo (or any, `replace_photo`).
    photo: bytes | None = field(default=None, repr=False)
    replace_photo: bool = False
    #: NHSO's main and sub unit from today's rights check (main_inscl and sub_inscl
    #: above are its right). A new walk-in is registered with them; a known person's
    #: record is updated only where the clinic asks (`update_person_right`), as JHCIS's
    #: "ปรับปรุงสิทธิ์" does, the old values kept in kiosk_person_right.
    nhso_hosmain: str | None = None
    nhso_hossub: str | None = None
    update_person_right: bool = False
    channel: str = "kiosk"  # who checks in (kiosk, web), recorded with a right update
    #: Who brought the patient (staff check-in of a child without a card): recorded in
    #: kiosk_visit_guardian with the visit this request opens.
    guardian: Guardian | None = None


@dataclass(frozen=True)
class CheckinResult:
    person: Person
    visit: Visit
    #: Today's visit of the same claim type, opened by another check-in (reuse_same_day).
    reused: bool = False
