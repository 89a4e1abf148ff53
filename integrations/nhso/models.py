"""NHSO payloads as they arrive (wire models) and the one shape of ours they become.

Wire models accept every documented variant (reference nhso-api.md §1.3-§4.2): UCS,
SSS and OFC shapes with or without hospital blocks, ``statusAuthen`` as a boolean or
a string, one object or a list, "(CODE) name" inscl strings, Buddhist-era dates with
00 parts. Unknown fields are ignored, missing optional ones are None. The ``to_*``
functions turn them into :class:`Rights`, :class:`AuthenResult` and friends, which is
all the rest of the product ever sees.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common import safe_json
from common.thaidate import PartialDate, parse_be_yyyymmdd

Sex = Literal["male", "female"]

# ---------------------------------------------------------------------------
# Our models


# Fields that identify a person. They stay out of repr()/str(), so a model that ends up
# in a log line, an exception or a traceback carries no personal data (the log filter
# is the last line of defence, and it cannot know an address or a birth date).
PERSONAL_FIELDS = frozenset(
    {
        "cid", "pid", "personal_id", "recorder_pid", "hn",
        "title_name", "first_name", "last_name", "fname", "lname",
        "birth_date", "birth_date_partial", "birth_date_new", "age",
        "mobile", "phone", "image",
    }
)  # fmt: skip


class _NoPersonalRepr(BaseModel):
    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, ("***" if name in PERSONAL_FIELDS and value is not None else value)


class Model(_NoPersonalRepr):
    model_config = ConfigDict(frozen=True)


class ClaimType(Model):
    code: str
    name: str


class Hospital(Model):
    hcode: str
    hname: str


class Rights(Model):
    """What NHSO says about a person today, whichever API said it."""

    cid: str
    title_code: str | None = None
    first_name: str = ""
    last_name: str = ""
    birth_date: dt.date | None = None  # CE; None when NHSO's date has 00 parts
    birth_date_partial: str | None = None  # ISO at the precision known (2005, 2005-03)
    sex: Sex | None = None
    main_inscl_code: str | None = None
    main_inscl_name: str | None = None
    sub_inscl_code: str | None = None
    sub_inscl_name: str | None = None
    hosp_main: Hospital | None = None
    hosp_sub: Hospital | None = None
    hosp_main_op: Hospital | None = None
    paid_model: str | None = None
    claim_types: list[ClaimType] = Field(default_factory=list)
    correlation_id: str | None = None
    checked_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    def cli_dict(self) -> dict[str, Any]:
        """The `backoffice nhso read --json` contract (issue 5), nothing more."""
        return {
            "cid": self.cid,
            "title_code": self.title_code,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "main_inscl_code": self.main_inscl_code,
            "main_inscl_name": self.main_inscl_name,
            "sub_inscl_code": self.sub_inscl_code,
            "sub_inscl_name": self.sub_inscl_name,
            "hosp_main": self.hosp_main.model_dump() if self.hosp_main else None,
            "hosp_sub": self.hosp_sub.model_dump() if self.hosp_sub else None,
            "claim_types": [c.model_dump() for c in self.claim_types],
            "correlation_id": self.correlation_id,
        }

    def offers(self, claim_type: str) -> bool:
        return any(c.code == claim_type for c in self.claim_types)


class CardInfo(Model):
    """What `read-card-only` returns: the card, no rights."""

    cid: str
    title_code: str | None = None
    first_name: str = ""
    last_name: str = ""
    birth_date: dt.date | None = None
    sex: Sex | None = None


class Terminal(Model):
    name: str
    card_present: bool


class AuthenResult(Model):
    claim_code: str
    claim_type: str | None = None
    created_at: dt.datetime | None = None
    hcode: str | None = None
    #: True when this code was found by a lookup rather than issued just now.
    existing: bool = False

    def cli_dict(self) -> dict[str, Any]:
        return {
            "claim_code": self.claim_code,
            "claim_type": self.claim_type,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }

    def on_day(self, day: dt.date) -> bool:
        return self.created_at is not None and self.created_at.date() == day


class ServiceHistory(Model):
    claim_code: str
    service_code: str | None = None
    service_name: str | None = None
    hcode: str | None = None
    hname: str | None = None
    service_datetime: dt.datetime | None = None
    source_channel: str | None = None

    def as_authen(self) -> AuthenResult:
        return AuthenResult(
            claim_code=self.claim_code,
            claim_type=self.service_code,
            created_at=self.service_datetime,
            hcode=self.hcode,
            existing=True,
        )


class AuthenStatus(Model):
    """check-authen-status normalized (v1.1, legacy flat, and the old results-string shape)."""

    status_authen: bool
    message: str = ""
    histories: list[ServiceHistory] = Field(default_factory=list)


class CloseRightResult(Model):
    seq: int
    authen_code: str


class CancelResult(Model):
    cancelled: bool
    authen_code: str | None = None
    message: str = ""


# ---------------------------------------------------------------------------
# Small parsers shared by the wire models

_INSCL_RE = re.compile(r"^\s*\((\w+)\)\s*(.*)$", re.DOTALL)


def split_inscl(raw: str | None) -> tuple[str | None, str | None]:
    """ "(UCS) สิทธิหลักประกันสุขภาพแห่งชาติ" -> ("UCS", "สิทธิหลัก..."); "UCS" -> ("UCS", None)."""
    text = (raw or "").strip()
    if not text:
        return None, None
    match = _INSCL_RE.match(text)
    if match:
        return match.group(1), match.group(2).strip() or None
    if re.fullmatch(r"\w{1,5}", text) and text.isascii():
        return text, None
    return None, text


def parse_sex(raw: object) -> Sex | None:
    text = str(raw or "").strip().lower()
    if text in {"ชาย", "1", "m", "male", "นาย"}:
        return "male"
    if text in {"หญิง", "2", "f", "female"}:
        return "female"
    return None


def parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in {"true", "y", "yes", "1"}


def parse_local_datetime(raw: object) -> dt.datetime | None:
    """NHSO's ISO local times (no zone); a bare date counts as midnight."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.replace(tzinfo=None)
    text = str(raw).strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            return dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time())
        except ValueError:
            return None
    if moment.tzinfo is not None:
        # NHSO's clock is Thai time; keep wall time comparable with local dates.
        moment = moment.astimezone(dt.timezone(dt.timedelta(hours=7))).replace(tzinfo=None)
    return moment


def partial_birth_date(raw: object) -> PartialDate | None:
    """BE "yyyyMMdd" (agent), CE/BE ISO strings (RealPerson) or {year, month, day}."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dict):
        try:
            year = int(raw.get("year") or 0)
            month = int(raw.get("month") or 0) or None
            day = int(raw.get("day") or 0) or None
        except (TypeError, ValueError):
            return None
        if year <= 0:
            return None
        if year > 2400:  # Buddhist era
            year -= 543
        if month is None:
            day = None
        return PartialDate(year, month, day)
    text = str(raw).strip()
    if re.fullmatch(r"\d{8}", text):
        return parse_be_yyyymmdd(text)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2}).*", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return partial_birth_date({"year": year, "month": month, "day": day})
    return None


class Wire(_NoPersonalRepr):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class WireHospital(Wire):
    hcode: str | None = None
    hname: str | None = None

    def to_hospital(self) -> Hospital | None:
        if not self.hcode:
            return None
        return Hospital(hcode=self.hcode, hname=self.hname or "")


def _hospital(block: WireHospital | None) -> Hospital | None:
    return block.to_hospital() if block else None


def _birth(raw: object) -> tuple[dt.date | None, str | None]:
    partial = partial_birth_date(raw)
    if partial is None:
        return None, None
    return partial.to_date(), partial.iso()


# ---------------------------------------------------------------------------
# Agent (Secure SmartCard Agent, §1)


class WireTerminal(Wire):
    terminal_name: str = Field("", alias="terminalName")
    is_present: bool = Field(False, alias="isPresent")

    def to_terminal(self) -> Terminal:
        return Terminal(name=self.terminal_name, card_present=self.is_present)


class WireClaimType(Wire):
    claim_type: str = Field(alias="claimType")
    claim_type_name: str | None = Field(None, alias="claimTypeName")


class AgentRead(Wire):
    """`GET /api/smartcard/read` (UCS, SSS and OFC shapes)."""

    pid: str
    title_name: str | None = Field(None, alias="titleName")
    fname: str | None = None
    lname: str | None = None
    nation: str | None = None
    birth_date: str | None = Field(None, alias="birthDate")
    sex: str | None = None
    trans_date: str | None = Field(None, alias="transDate")
    main_inscl: str | None = Field(None, alias="mainInscl")
    main_inscl_name: str | None = Field(None, alias="mainInsclName")
    sub_inscl: str | None = Field(None, alias="subInscl")
    sub_inscl_name: str | None = Field(None, alias="subInsclName")
    age: str | None = None
    check_date: str | None = Field(None, alias="checkDate")
    claim_types: list[WireClaimType] = Field(default_factory=list, alias="claimTypes")
    image: str | None = None
    correlation_id: str | None = Field(None, alias="correlationId")
    hosp_sub: WireHospital | None = Field(None, alias="hospSub")
    hosp_main_op: WireHospital | None = Field(None, alias="hospMainOp")
    hosp_main: WireHospital | None = Field(None, alias="hospMain")
    paid_model: str | None = Field(None, alias="paidModel")
    start_date_time: str | None = Field(None, alias="startDateTime")
    expire_date_time: str | None = Field(None, alias="expireDateTime")

    @field_validator("claim_types", mode="before")
    @classmethod
    def _objects_only(cls, value: object) -> object:
        # Elided samples ("...") and nulls are not claim types; a missing list is none.
        if value is None:
            return []
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
        return value

    @field_validator("pid", mode="before")
    @classmethod
    def _pid_text(cls, value: object) -> object:
        return str(value).strip() if value is not None else value

    def to_rights(self) -> Rights:
        main_code, main_name = split_inscl(self.main_inscl)
        sub_code, sub_name = split_inscl(self.sub_inscl)
        birth, partial = _birth(self.birth_date)
        return Rights(
            cid=self.pid,
            title_code=self.title_name or None,
            first_name=(self.fname or "").strip(),
            last_name=(self.lname or "").strip(),
            birth_date=birth,
            birth_date_partial=partial,
            sex=parse_sex(self.sex),
            main_inscl_code=main_code,
            main_inscl_name=self.main_inscl_name or main_name,
            sub_inscl_code=sub_code,
            sub_inscl_name=self.sub_inscl_name or sub_name,
            hosp_main=_hospital(self.hosp_main),
            hosp_sub=_hospital(self.hosp_sub),
            hosp_main_op=_hospital(self.hosp_main_op),
            paid_model=self.paid_model,
            claim_types=[
                ClaimType(code=c.claim_type, name=c.claim_type_name or c.claim_type)
                for c in self.claim_types
            ],
            correlation_id=self.correlation_id or None,
            checked_at=parse_local_datetime(self.check_date or self.trans_date),
            expires_at=parse_local_datetime(self.expire_date_time),
        )


class AgentCardOnly(Wire):
    """`GET /api/smartcard/read-card-only`."""

    pid: str
    title_name: str | None = Field(None, alias="titleName")
    fname: str | None = None
    lname: str | None = None
    birth_date: str | None = Field(None, alias="birthDate")
    sex: str | None = None
    image: str | None = None

    def to_card(self) -> CardInfo:
        birth, _ = _birth(self.birth_date)
        return CardInfo(
            cid=self.pid,
            title_code=self.title_name or None,
            first_name=(self.fname or "").strip(),
            last_name=(self.lname or "").strip(),
            birth_date=birth,
            sex=parse_sex(self.sex),
        )


class ConfirmSaveRequest(Wire):
    pid: str
    claim_type: str = Field(alias="claimType")
    mobile: str
    correlation_id: str = Field(alias="correlationId")
    hn: str | None = None
    hcode: str | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class ConfirmSaveResponse(Wire):
    pid: str | None = None
    claim_type: str | None = Field(None, alias="claimType")
    correlation_id: str | None = Field(None, alias="correlationId")
    created_date: str | None = Field(None, alias="createdDate")
    claim_code: str = Field(alias="claimCode")

    def to_result(self, hcode: str | None = None) -> AuthenResult:
        return AuthenResult(
            claim_code=self.claim_code,
            claim_type=self.claim_type,
            created_at=parse_local_datetime(self.created_date),
            hcode=hcode,
        )


class SaveAsDraftResponse(Wire):
    pid: str | None = None
    claim_type: str | None = Field(None, alias="claimType")
    created_date: str | None = Field(None, alias="createdDate")


class LatestAuthen(Wire):
    """One entry of latest-authen-code / latest-5-authen-code-all-hospital."""

    claim_type: str | None = Field(None, alias="claimType")
    claim_code: str | None = Field(None, alias="claimCode")
    claim_date_time: str | None = Field(None, alias="claimDateTime")
    hcode: str | None = None
    check_date: str | None = Field(None, alias="checkDate")

    def to_result(self) -> AuthenResult | None:
        if not self.claim_code:
            return None
        return AuthenResult(
            claim_code=self.claim_code,
            claim_type=self.claim_type,
            created_at=parse_local_datetime(self.claim_date_time or self.check_date),
            hcode=self.hcode,
            existing=True,
        )


def parse_latest(data: object) -> list[AuthenResult]:
    """latest-authen-code answers (object, list, {} or null); entries without a code skipped."""
    items: list[object]
    if data is None:
        items = []
    elif isinstance(data, list):
        items = list(data)
    elif isinstance(data, dict):
        items = [data]
    else:
        raise ValueError("expected an object or a list")
    results = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("expected objects in the list")
        result = LatestAuthen.model_validate(item).to_result()
        if result is not None:
            results.append(result)
    return results


class SpringErrorDetail(Wire):
    default_message: str | None = Field(None, alias="defaultMessage")
    code: str | None = None
    object_name: str | None = Field(None, alias="objectName")


class SpringError(Wire):
    """The agent's error body (Spring validation or default error, or a problem+json)."""

    timestamp: str | None = None
    status: int | None = None
    error: str | None = None
    message: str | None = None
    title: str | None = None
    detail: str | None = None
    path: str | None = None
    errors: list[SpringErrorDetail] = Field(default_factory=list)

    @field_validator("errors", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
        return value

    def human_message(self) -> str:
        for item in self.errors:
            if item.default_message:
                return item.default_message
        return self.message or self.detail or self.title or self.error or ""


# ---------------------------------------------------------------------------
# check-authen-status (§3.1), its legacy shapes (§3.3)


class WireCodeName(Wire):
    id: str | None = None
    code: str | None = None
    name: str | None = None


class WireServiceHistory(Wire):
    hospital: WireHospital | None = None
    service_date_time: str | None = Field(None, alias="serviceDateTime")
    claim_code: str | None = Field(None, alias="claimCode")
    service: WireCodeName | None = None
    source_channel: str | None = Field(None, alias="sourceChannel")
    # legacy flat v1 entries
    hcode: str | None = None
    hname: str | None = None
    service_date: str | None = Field(None, alias="serviceDate")
    service_code: str | None = Field(None, alias="serviceCode")
    service_name: str | None = Field(None, alias="serviceName")

    def to_history(self) -> ServiceHistory | None:
        if not self.claim_code:
            return None
        hospital = self.hospital or WireHospital(hcode=self.hcode, hname=self.hname)
        service = self.service or WireCodeName(code=self.service_code, name=self.service_name)
        return ServiceHistory(
            claim_code=self.claim_code,
            service_code=service.code or service.id,
            service_name=service.name,
            hcode=hospital.hcode,
            hname=hospital.hname,
            service_datetime=parse_local_datetime(self.service_date_time or self.service_date),
            source_channel=self.source_channel,
        )


class CheckAuthenStatus(Wire):
    status_authen: bool = Field(False, alias="statusAuthen")
    status_message: str | None = Field(None, alias="statusMessage")
    personal_id: str | None = Field(None, alias="personalId")
    service_histories: list[WireServiceHistory] = Field(
        default_factory=list, alias="serviceHistories"
    )

    @field_validator("status_authen", mode="before")
    @classmethod
    def _bool(cls, value: object) -> bool:
        return parse_bool(value)

    @field_validator("service_histories", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, dict):
            return [value]
        return value


class _OldResultEntry(Wire):
    hospital_code: str | None = Field(None, alias="hospitalCode")
    service_date: str | None = Field(None, alias="serviceDate")
    auth_code: str | None = Field(None, alias="authCode")


def parse_authen_status(data: object) -> AuthenStatus:
    """Any of the three check-authen-status shapes -> AuthenStatus (ValueError otherwise)."""
    if not isinstance(data, dict):
        raise ValueError("expected an object")
    if "success" in data and "results" in data and "statusAuthen" not in data:
        results = data["results"]
        if isinstance(results, str):
            results = safe_json.loads(results) if results.strip() else []
        if isinstance(results, dict):
            results = [results]
        if not isinstance(results, list):
            raise ValueError("results is not a list")
        histories = []
        for item in results:
            entry = _OldResultEntry.model_validate(item)
            if entry.auth_code:
                histories.append(
                    ServiceHistory(
                        claim_code=entry.auth_code,
                        hcode=entry.hospital_code,
                        service_datetime=parse_local_datetime(entry.service_date),
                    )
                )
        return AuthenStatus(
            status_authen=parse_bool(data["success"]) and bool(histories), histories=histories
        )
    if "statusAuthen" not in data and "serviceHistories" not in data:
        raise ValueError("not a check-authen-status answer")
    wire = CheckAuthenStatus.model_validate(data)
    found = [h for h in (w.to_history() for w in wire.service_histories) if h is not None]
    return AuthenStatus(
        status_authen=wire.status_authen, message=wire.status_message or "", histories=found
    )


# ---------------------------------------------------------------------------
# NHSO ENDPOINT v8 (§4.1, §4.2)


class RealPerson(Wire):
    """`GET api/RealPerson?SOURCE_ID=&PID=` (Bearer)."""

    person_status: str | None = Field(None, alias="personStatus")
    data_error: str | None = Field(None, alias="dataError")
    pid: str | None = None
    title_name: str | None = Field(None, alias="titleName")
    first_name: str | None = Field(None, alias="firstName")
    last_name: str | None = Field(None, alias="lastName")
    fname: str | None = None
    lname: str | None = None
    sex: str | None = None
    birth_date: str | None = Field(None, alias="birthDate")
    birth_date_new: dict[str, Any] | None = Field(None, alias="birthDateNew")
    main_inscl: str | None = Field(None, alias="mainInscl")
    main_inscl_code: str | None = Field(None, alias="mainInsclCode")
    main_inscl_name: str | None = Field(None, alias="mainInsclName")
    sub_inscl_code: str | None = Field(None, alias="subInsclCode")
    sub_inscl_name: str | None = Field(None, alias="subInsclName")
    paid_model: str | None = Field(None, alias="paidModel")
    hosp_sub_new: WireHospital | None = Field(None, alias="hospSubNew")
    hosp_main_op_new: WireHospital | None = Field(None, alias="hospMainOpNew")
    hosp_main_new: WireHospital | None = Field(None, alias="hospMainNew")
    hosp_new: WireHospital | None = Field(None, alias="hospNew")

    @field_validator("main_inscl", mode="before")
    @classmethod
    def _text_only(cls, value: object) -> object:
        return value if isinstance(value, str) or value is None else None

    def to_rights(self, cid: str, claim_types: list[ClaimType]) -> Rights:
        code_from_text, name_from_text = split_inscl(self.main_inscl)
        birth, partial = _birth(self.birth_date_new or self.birth_date)
        return Rights(
            cid=self.pid or cid,
            title_code=self.title_name or None,
            first_name=(self.first_name or self.fname or "").strip(),
            last_name=(self.last_name or self.lname or "").strip(),
            birth_date=birth,
            birth_date_partial=partial,
            sex=parse_sex(self.sex),
            main_inscl_code=self.main_inscl_code or code_from_text,
            main_inscl_name=self.main_inscl_name or name_from_text,
            sub_inscl_code=self.sub_inscl_code,
            sub_inscl_name=self.sub_inscl_name,
            hosp_main=_hospital(self.hosp_main_new) or _hospital(self.hosp_new),
            hosp_sub=_hospital(self.hosp_sub_new),
            hosp_main_op=_hospital(self.hosp_main_op_new),
            paid_model=self.paid_model,
            claim_types=claim_types,
        )


class AuthenCodeRequest(Wire):
    """`POST api/AuthenCode` (Person Authen, no card)."""

    source_id: str = Field(alias="sourceId")
    trans_id: str = Field(alias="transId")
    pid: str
    hcode: str
    recorder_pid: str = Field(alias="recorderPid")
    service_code: str = Field(alias="serviceCode")
    province: str
    phone: str | None = None
    hn: str | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class AuthenCodeResponse(Wire):
    authen_code: str | None = Field(None, alias="authenCode")
    data_error: str | None = Field(None, alias="dataError")


class Department(Wire):
    code: str
    name: str


class ClaimDetailRequest(Wire):
    """`POST api/nhso-claim-detail` (close right), v8 fields."""

    hcode: str
    department: Department | None = None
    main_inscl_code: str = Field(alias="mainInsclCode")
    service_date_time: int = Field(alias="serviceDateTime")  # epoch ms
    invoice_date_time: int = Field(alias="invoiceDateTime")  # epoch ms
    transaction_id: str = Field(alias="transactionId")
    total_amount: float = Field(alias="totalAmount")
    paid_amount: float = Field(alias="paidAmount")
    privilege_amount: float = Field(alias="privilegeAmount")
    claim_service_code: str = Field(alias="claimServiceCode")
    pid: str
    source_id: str = Field(alias="sourceId")
    visit_number: str | None = Field(None, alias="visitNumber")
    recorder_pid: str = Field(alias="recorderPid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class ClaimDetailResponse(Wire):
    seq: int | None = None
    authen_code: str | None = Field(None, alias="authenCode")
    data_error: str | None = Field(None, alias="dataError")


class CancelClaimRequest(Wire):
    seq: int
    transaction_id: str = Field(alias="transactionId")
    payment_status: Literal["CANCEL"] = Field("CANCEL", alias="paymentStatus")

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class CancelClaimResponse(Wire):
    status: str | None = None
    authen_code: str | None = Field(None, alias="authenCode")
    data_error: str | None = Field(None, alias="dataError")

    def to_result(self) -> CancelResult:
        return CancelResult(
            cancelled=(self.status or "").upper() == "Y",
            authen_code=self.authen_code,
            message=self.data_error or "",
        )


__all__ = [
    "AgentCardOnly",
    "AgentRead",
    "AuthenCodeRequest",
    "AuthenCodeResponse",
    "AuthenResult",
    "AuthenStatus",
    "CancelClaimRequest",
    "CancelClaimResponse",
    "CancelResult",
    "CardInfo",
    "CheckAuthenStatus",
    "ClaimDetailRequest",
    "ClaimDetailResponse",
    "ClaimType",
    "CloseRightResult",
    "ConfirmSaveRequest",
    "ConfirmSaveResponse",
    "Department",
    "Hospital",
    "LatestAuthen",
    "RealPerson",
    "Rights",
    "SaveAsDraftResponse",
    "ServiceHistory",
    "SpringError",
    "Terminal",
    "ValidationError",
    "WireTerminal",
    "parse_authen_status",
    "parse_latest",
    "split_inscl",
]
