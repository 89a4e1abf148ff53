"""The sandbox's NHSO: seeded people, issued codes and the rules NHSO applies.

Rules implemented (reference §1.4, §3.1, §4.1, §4.2, §5): ``PP`` + 10-digit authen
codes and ``EP`` + 10-digit close-right codes; one code per person, claim type, day
and hospital ("ไม่สามารถเลือกบริการซ้ำใน 1 วัน"); correlation ids valid only for the
card read that issued them; deceased and invalid citizen IDs refused with NHSO's own
texts; unknown citizen IDs get plain UCS rights. A refusal is a :class:`Refusal`
carrying NHSO's message; the server turns it into each API's error shape.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.cid import is_valid_cid
from integrations.nhso.sandbox.cards import CardSource, CardView

SEED_PATH = Path(__file__).with_name("seed.json")

MSG_DUPLICATE = "ไม่สามารถเลือกบริการซ้ำใน 1 วัน"
MSG_DECEASED = "เลขประจำตัวประชาชนที่บันทึกเบิก มีสถานะเสียชีวิตแล้ว"
MSG_INVALID_CID = "เลขประจำตัวประชาชนของผู้รับบริการ ใช้ไม่ได้ หรือไม่มี"
MSG_NO_SERVICE = "ไม่พบ serviceCode ที่ระบุ"
MSG_NO_CLAIM_SERVICE = "ไม่พบ claimServiceCode ที่ระบุ"
MSG_BAD_CORRELATION = "correlationId ไม่ถูกต้อง กรุณาอ่านบัตรใหม่"
MSG_BAD_MOBILE = "mobile ต้องเป็นตัวเลข 10 หลัก"
MSG_DUP_TRANSACTION = "พบการบันทึก transactionId ซ้ำภายในฐานข้อมูล"
MSG_FUTURE = "กรุณาระบุ serviceDateTime ไม่เกินวันเวลาปัจจุบัน"
MSG_AMOUNT = "totalAmount ต้องมีจำนวนหน้าทศนิยมไม่เกิน 8 หลัก และจำนวนทศนิยมไม่เกิน 2 หลัก"
MSG_HCODE = "ไม่พบ hcode ที่ระบุ"
MSG_INSCL = "ไม่พบ mainInsclCode ที่ระบุ"
MSG_SEQ = "ไม่พบ seq ที่ระบุ"
MSG_TRANSACTION = "transactionId ไม่ถูกต้อง"

MAIN_INSCL_CODES = {"WEL", "UCS", "OFC", "LGO", "SSS", "OTH", "COR", "NULL"}
_TITLE_CODES = {"เด็กชาย": "001", "เด็กหญิง": "002", "นาย": "003", "นางสาว": "004", "นาง": "005"}


class Refusal(Exception):
    """NHSO said no; `message` is NHSO's text (no personal data)."""

    def __init__(self, message: str, *, field_name: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field_name = field_name


@dataclass
class Person:
    cid: str
    title_code: str = "003"
    fname: str = ""
    lname: str = ""
    birth_date: str = ""
    sex: str = ""
    main_inscl: str = ""
    sub_inscl: str = ""
    hosp_main: dict[str, str] | None = None
    hosp_main_op: dict[str, str] | None = None
    hosp_sub: dict[str, str] | None = None
    paid_model: str | None = None
    claim_types: list[str] = field(default_factory=list)
    deceased: bool = False
    no_expire: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def main_code(self) -> str:
        match = re.match(r"^\((\w+)\)", self.main_inscl)
        return match.group(1) if match else ""


@dataclass
class AuthenRecord:
    pid: str
    claim_type: str
    claim_code: str
    created: dt.datetime
    hcode: str
    hname: str
    source_channel: str
    correlation_id: str | None = None
    trans_id: str | None = None


@dataclass
class ClaimRecord:
    seq: int
    transaction_id: str
    pid: str
    authen_code: str
    cancelled: bool = False


def _people(seed: dict[str, Any]) -> dict[str, Person]:
    known = set(Person.__dataclass_fields__)
    return {p["cid"]: Person(**{k: v for k, v in p.items() if k in known}) for p in seed["people"]}


class SandboxState:
    def __init__(
        self,
        card: CardSource,
        *,
        seed_path: Path | None = None,
        hcode: str | None = None,
        now: Any = None,
    ) -> None:
        seed = json.loads((seed_path or SEED_PATH).read_text(encoding="utf-8"))
        self.lock = threading.RLock()
        self.card = card
        self.hcode: str = hcode or seed["hcode"]
        self.hname: str = seed["hname"]
        self.claim_type_names: dict[str, str] = seed["claim_type_names"]
        self.default_person: dict[str, Any] = seed["default_person"]
        self.people = _people(seed)
        self.now = now or dt.datetime.now
        self.authens: list[AuthenRecord] = []
        self.claims: list[ClaimRecord] = []
        self.correlations: dict[str, tuple[str, int]] = {}
        self.session = 0
        self._last_card: tuple[str, int] | None = None
        start = random.randint(1_000_000_000, 8_000_000_000)  # noqa: S311 - not security
        self._codes = itertools.count(start)
        self._seqs = itertools.count(10_000_001)
        self._seed_history()

    def _seed_history(self) -> None:
        today = self.now()
        for person in self.people.values():
            for item in person.history:
                self.authens.append(
                    AuthenRecord(
                        pid=person.cid,
                        claim_type=item["claim_type"],
                        claim_code=item["claim_code"],
                        created=(today - dt.timedelta(days=item.get("days_ago", 0))).replace(
                            hour=8, minute=30, second=0, microsecond=0
                        ),
                        hcode=item["hcode"],
                        hname=item["hname"],
                        source_channel="SMARTCARD_AGENT",
                    )
                )

    # -- people ------------------------------------------------------------------

    def person(self, cid: str, card: CardView | None = None) -> Person:
        """Seeded, or plain UCS rights for anyone else (the virtual card included)."""
        seeded = self.people.get(cid)
        if seeded is not None:
            return seeded
        data = copy.deepcopy(self.default_person)
        if card is not None and card.first_name:
            data.update(fname=card.first_name, lname=card.last_name)
            data["title_code"] = _TITLE_CODES.get(card.title, data["title_code"])
            if card.birth_be:
                data["birth_date"] = card.birth_be
            if card.sex:
                data["sex"] = card.sex
        return Person(cid=cid, **data)

    def claim_name(self, code: str) -> str:
        return self.claim_type_names.get(code, code)

    # -- the card session --------------------------------------------------------

    def current_card(self) -> CardView | None:
        with self.lock:
            card = self.card.current()
            seen = (card.cid, card.insertion) if card else None
            if seen != self._last_card:
                # A new card (or none): correlation ids of the last one stop working.
                self.session += 1
                self._last_card = seen
            return card

    def bind_correlation(self, cid: str) -> str:
        with self.lock:
            correlation = str(uuid.uuid4())
            self.correlations[correlation] = (cid, self.session)
            return correlation

    def check_correlation(self, correlation: str, pid: str) -> None:
        with self.lock:
            self.current_card()
            bound = self.correlations.get(correlation)
            if bound is None or bound != (pid, self.session):
                raise Refusal(MSG_BAD_CORRELATION, field_name="correlationId")

    # -- authen -------------------------------------------------------------------

    def _check_person(self, pid: str) -> Person:
        if not is_valid_cid(pid):
            raise Refusal(MSG_INVALID_CID, field_name="pid")
        person = self.person(pid)
        if person.deceased:
            raise Refusal(MSG_DECEASED, field_name="pid")
        return person

    def issue_authen(
        self,
        pid: str,
        claim_type: str,
        *,
        hcode: str | None,
        channel: str,
        correlation_id: str | None = None,
        trans_id: str | None = None,
    ) -> AuthenRecord:
        with self.lock:
            person = self._check_person(pid)
            if claim_type not in person.claim_types:
                raise Refusal(MSG_NO_SERVICE, field_name="claimType")
            where = hcode or self.hcode
            if not re.fullmatch(r"\d{5}", where):
                raise Refusal(MSG_HCODE, field_name="hcode")
            today = self.now().date()
            for record in self.authens:
                if (
                    record.pid == pid
                    and record.claim_type == claim_type
                    and record.hcode == where
                    and record.created.date() == today
                ):
                    raise Refusal(MSG_DUPLICATE, field_name="claimType")
            if trans_id and any(r.trans_id == trans_id for r in self.authens):
                raise Refusal("พบการบันทึก transId ซ้ำภายในฐานข้อมูล", field_name="transId")
            record = AuthenRecord(
                pid=pid,
                claim_type=claim_type,
                claim_code=f"PP{next(self._codes) % 10**10:010d}",
                created=self.now().replace(microsecond=0),
                hcode=where,
                hname=self.hname if where == self.hcode else "",
                source_channel=channel,
                correlation_id=correlation_id,
                trans_id=trans_id,
            )
            self.authens.append(record)
            return record

    def validate_draft(self, pid: str, claim_type: str) -> None:
        person = self._check_person(pid)
        if claim_type not in person.claim_types:
            raise Refusal(MSG_NO_SERVICE, field_name="claimType")

    def history(self, pid: str, *, hcode: str | None = None) -> list[AuthenRecord]:
        """Newest first; only one hospital's when `hcode` is given."""
        with self.lock:
            found = [
                r for r in self.authens if r.pid == pid and (hcode is None or r.hcode == hcode)
            ]
        return sorted(found, key=lambda r: r.created, reverse=True)

    # -- close right ------------------------------------------------------------

    def close_right(self, body: dict[str, Any]) -> ClaimRecord:
        with self.lock:
            required = [
                "hcode",
                "mainInsclCode",
                "serviceDateTime",
                "invoiceDateTime",
                "transactionId",
                "totalAmount",
                "paidAmount",
                "privilegeAmount",
                "claimServiceCode",
                "pid",
                "sourceId",
                "recorderPid",
            ]
            for name in required:
                if body.get(name) in (None, ""):
                    raise Refusal(f"กรุณาระบุ {name}", field_name=name)
            if not re.fullmatch(r"\d{5}", str(body["hcode"])):
                raise Refusal(MSG_HCODE, field_name="hcode")
            if str(body["mainInsclCode"]) not in MAIN_INSCL_CODES:
                raise Refusal(MSG_INSCL, field_name="mainInsclCode")
            now_ms = self.now().timestamp() * 1000
            for name in ("serviceDateTime", "invoiceDateTime"):
                if not isinstance(body[name], int | float) or body[name] > now_ms + 60_000:
                    raise Refusal(MSG_FUTURE, field_name=name)
            for name in ("totalAmount", "paidAmount", "privilegeAmount"):
                if not _amount_ok(body[name]):
                    raise Refusal(MSG_AMOUNT.replace("totalAmount", name), field_name=name)
            if str(body["claimServiceCode"]) not in self.claim_type_names:
                raise Refusal(MSG_NO_CLAIM_SERVICE, field_name="claimServiceCode")
            pid = str(body["pid"])
            self._check_person(pid)
            transaction_id = str(body["transactionId"])
            if any(c.transaction_id == transaction_id for c in self.claims):
                raise Refusal(MSG_DUP_TRANSACTION, field_name="transactionId")
            record = ClaimRecord(
                seq=next(self._seqs),
                transaction_id=transaction_id,
                pid=pid,
                authen_code=f"EP{next(self._codes) % 10**10:010d}",
            )
            self.claims.append(record)
            self.authens.append(
                AuthenRecord(
                    pid=pid,
                    claim_type=str(body["claimServiceCode"]),
                    claim_code=record.authen_code,
                    created=self.now().replace(microsecond=0),
                    hcode=str(body["hcode"]),
                    hname=self.hname if body["hcode"] == self.hcode else "",
                    source_channel="ENDPOINT",
                    trans_id=transaction_id,
                )
            )
            return record

    def cancel_claim(self, seq: object, transaction_id: object, status: object) -> ClaimRecord:
        with self.lock:
            if status != "CANCEL":
                raise Refusal("paymentStatus ต้องเป็น CANCEL", field_name="paymentStatus")
            record = next((c for c in self.claims if c.seq == seq), None)
            if record is None:
                raise Refusal(MSG_SEQ, field_name="seq")
            if record.transaction_id != transaction_id:
                raise Refusal(MSG_TRANSACTION, field_name="transactionId")
            record.cancelled = True
            self.authens = [a for a in self.authens if a.claim_code != record.authen_code]
            return record


def _amount_ok(value: object) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        return False
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    return len(whole) <= 8 and len(frac) <= 2
