"""Close right (ปิดสิทธิ, seed §8.3-8.4): ``nhso-claim-detail`` for chosen visits.

For each visit: the amounts JHCIS holds (``money1`` total, ``moneynoclaim`` paid by
the patient, the rest claimed), the right (card inscl kept on the visit, else the
rules' mapping of ``cright``), the service time and ``transactionId = hcode +
visitno``, which NHSO refuses to see twice, so one visit can be closed only once.

Every submission is a row of ``kiosk_close_right`` taken *before* the request
(:mod:`integrations.jhcis.ledger`), then completed with NHSO's ``seq`` and code and
copied to the visit's close-right columns where the JHCIS version has them. A
cancel (``paymentStatus=CANCEL``) clears those columns; a rollback of the cancel
restores them. Visits that cannot be sent are listed with the reason, never skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError

from backoffice.claims.errors import NotInState, RecorderMissing
from backoffice.claims.ndp_tables import link_closed_visit
from backoffice.claims.tables import ensure_claim_tables, kiosk_close_right
from backoffice.exports.jobs import Progress
from backoffice.exports.rules import RuleSet
from backoffice.exports.screening import identity_problems, inscl_of
from backoffice.exports.source import ClaimSource, Visit
from common.cid import is_valid_cid
from common.config import NhsoMode, Settings
from common.secrets import Secrets
from integrations.jhcis import ledger
from integrations.jhcis.clinic import ClinicDatabase
from integrations.nhso.errors import NhsoError
from integrations.nhso.models import CancelClaimResponse, ClaimDetailRequest, Department
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.transport import JsonHttp, parse_model
from integrations.nhso.web import NhsoWebClient, data_error

log = logging.getLogger(__name__)

BANGKOK = ZoneInfo("Asia/Bangkok")
SOURCE_ID = "JHCIS KIOSK"
DEFAULT_SERVICE = "PG0060001"
NHSO_INSCL = frozenset({"WEL", "UCS", "OFC", "LGO", "SSS", "OTH", "COR"})
# NHSO file 20 (rollback of a cancel): the HTTP path is not public (reference §4.1,
# "read it from Swagger"); one constant so the real one is a one-line change.
CLAIM_DETAIL_ROLLBACK = "api/nhso-claim-detail/rollback"


@dataclass(frozen=True)
class Skipped:
    pcucode: str
    visitno: int
    code: str
    message_th: str
    message_en: str


@dataclass
class CloseRightPlan:
    requests: list[tuple[Visit, ClaimDetailRequest]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class CloseRightOutcome:
    pcucode: str
    visitno: int
    status: str  # closed | already | failed | unknown | dry_run | cancelled | restored
    seq: str = ""
    authen_code: str = ""
    error_code: str = ""
    message_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


_REASONS: dict[str, tuple[str, str]] = {
    "missing_cid": ("ไม่มีเลขประจำตัวประชาชน", "No citizen ID on the person."),
    "invalid_cid": ("เลขประจำตัวประชาชนไม่ถูกต้อง", "The citizen ID fails its check digit."),
    "no_visit_date": ("การรับบริการไม่มีวันที่", "The visit has no date."),
    "unmapped_right": (
        "ไม่ทราบสิทธิหลัก (mainInsclCode) ของการรับบริการ",
        "The visit's main right (mainInsclCode) is unknown.",
    ),
    "zero_amount": (
        "ค่าใช้จ่ายที่เบิกเป็นศูนย์ ไม่ต้องปิดสิทธิ",
        "Nothing to claim (amount is zero): no close right needed.",
    ),
    "already_closed": (
        "การรับบริการนี้ปิดสิทธิแล้ว (ห้ามส่งซ้ำ)",
        "This visit's right is already closed (never sent twice).",
    ),
    "future_visit": ("วันเวลารับบริการอยู่ในอนาคต", "The service time is in the future."),
}


def service_moment(visit: Visit) -> dt.datetime:
    """The visit's date and start time in Bangkok (midnight when the time is unknown)."""
    assert visit.visitdate is not None
    start = visit.timestart
    if isinstance(start, dt.timedelta):
        start = (dt.datetime.min + start).time()
    if not isinstance(start, dt.time):
        start = dt.time(0, 0)
    return dt.datetime.combine(visit.visitdate, start, tzinfo=BANGKOK)


def epoch_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def transaction_id(hcode: str, visitno: int) -> str:
    return f"{hcode}{visitno}"


class NhsoCloseRightRollback:
    """The rollback call NHSO's web client lacks, over the same transport rules."""

    def __init__(
        self,
        endpoint_base: str,
        *,
        claim_token: SecretStr | str | None,
        limiter: TokenBucket,
        timeout_s: float = 10.0,
    ) -> None:
        self._http = JsonHttp(
            endpoint_base, kind="web", timeout_s=timeout_s, limiter=limiter, token=claim_token
        )

    def rollback(self, seq: int, transaction: str) -> None:
        template = "nhso-claim-detail/rollback"
        reply = self._http.request(
            "POST",
            CLAIM_DETAIL_ROLLBACK,
            template=template,
            body={"seq": seq, "transactionId": transaction},
        )
        answer = parse_model(CancelClaimResponse, reply.data or {}, template).to_result()
        if not answer.cancelled:  # "Y" = done, as for the cancel
            error = data_error(answer.message or f"HTTP {reply.status}", template)
            assert error is not None
            raise error

    def close(self) -> None:
        self._http.close()


def rollback_from_settings(settings: Settings, secrets: Secrets) -> NhsoCloseRightRollback:
    """The rollback client for the NHSO endpoint the settings name (sandbox included)."""
    from integrations.nhso.providers import SANDBOX_TOKEN, sandbox_url
    from integrations.nhso.ratelimit import shared_limiter
    from integrations.nhso.web import NhsoUrls

    claim_token: SecretStr | str | None = secrets.nhso_claim_token
    base = settings.nhso.api_base_url
    if settings.nhso.mode == NhsoMode.sandbox:
        base = base or sandbox_url(settings)
        claim_token = claim_token or SANDBOX_TOKEN
    return NhsoCloseRightRollback(
        NhsoUrls.from_api_base(base).endpoint_base,
        claim_token=claim_token,
        limiter=shared_limiter(settings.nhso.rate_per_second),
        timeout_s=settings.nhso.timeout_s,
    )


class CloseRightService:
    def __init__(
        self,
        source: ClaimSource,
        client: NhsoWebClient,
        *,
        hcode: str,
        recorder_pid: str,
        rules: RuleSet | None = None,
        rollback: NhsoCloseRightRollback | None = None,
        source_id: str = SOURCE_ID,
        department: Department | None = None,
        clock: Any = None,
    ) -> None:
        self.source = source
        self.engine = source.engine
        # The visit's close-right columns are JHCIS's: only integrations/jhcis writes them.
        self.clinic = ClinicDatabase(source.engine, hcode=hcode)
        self.client = client
        self.hcode = hcode
        self.recorder_pid = recorder_pid
        self.rules = rules or RuleSet()
        self.rollback_client = rollback
        self.source_id = source_id
        self.department = department
        self.clock = clock or (lambda: dt.datetime.now(BANGKOK))
        ensure_claim_tables(self.engine)

    def close(self) -> None:
        self.client.close()
        if self.rollback_client is not None:
            self.rollback_client.close()

    # -- planning ---------------------------------------------------------------------

    def plan(
        self, date_from: dt.date, date_to: dt.date, visitnos: Sequence[int] | None = None
    ) -> CloseRightPlan:
        plan = CloseRightPlan()
        now = self.clock()
        for bundle in self.source.bundles(
            date_from, date_to, pcucode=self.hcode, visitnos=visitnos
        ):
            visit = bundle.visit
            reason = self._reason(visit, now)
            if reason:
                th, en = _REASONS[reason]
                plan.skipped.append(Skipped(visit.pcucode, visit.visitno, reason, th, en))
                continue
            plan.requests.append((visit, self.request_for(visit, now)))
        return plan

    def _reason(self, visit: Visit, now: dt.datetime) -> str:
        problems = identity_problems(visit)
        if problems:
            return problems[0].code
        if inscl_of(visit, self.rules) not in NHSO_INSCL:
            return "unmapped_right"
        total = visit.money1 or Decimal(0)
        if total - (visit.moneynoclaim or Decimal(0)) <= 0:
            return "zero_amount"
        if service_moment(visit) > now:
            return "future_visit"
        existing = ledger.find(
            self.engine, kiosk_close_right, {"pcucode": visit.pcucode, "visitno": visit.visitno}
        )
        if existing and existing["status"] != "failed":
            return "already_closed"
        return ""

    def request_for(self, visit: Visit, now: dt.datetime) -> ClaimDetailRequest:
        total = visit.money1 or Decimal(0)
        paid = visit.moneynoclaim or Decimal(0)
        service = epoch_ms(service_moment(visit))
        return ClaimDetailRequest.model_validate(
            {
                "hcode": self.hcode,
                "department": self.department.model_dump() if self.department else None,
                "mainInsclCode": inscl_of(visit, self.rules),
                "serviceDateTime": service,
                "invoiceDateTime": epoch_ms(now),
                "transactionId": transaction_id(self.hcode, visit.visitno),
                "totalAmount": float(total),
                "paidAmount": float(paid),
                "privilegeAmount": float(total - paid),
                "claimServiceCode": visit.claim_type or DEFAULT_SERVICE,
                "pid": visit.cid,
                "sourceId": self.source_id,
                "visitNumber": str(visit.visitno),
                "recorderPid": self.recorder_pid,
            }
        )

    # -- submitting -------------------------------------------------------------------

    def submit(
        self, plan: CloseRightPlan, *, dry_run: bool = False, progress: Progress | None = None
    ) -> list[CloseRightOutcome]:
        """Send every planned request once; stops at the first token/configuration error."""
        if not dry_run and not is_valid_cid(self.recorder_pid):
            raise RecorderMissing("recorder CID missing or invalid")
        outcomes: list[CloseRightOutcome] = []
        for number, (visit, request) in enumerate(plan.requests):
            if progress:
                progress(number, len(plan.requests))
            if dry_run:
                outcomes.append(CloseRightOutcome(visit.pcucode, visit.visitno, "dry_run"))
                continue
            outcomes.append(self._send_one(visit, request))
            if outcomes[-1].error_code in ("nhso.token_invalid", "nhso.not_configured"):
                break
        return outcomes

    def _send_one(self, visit: Visit, request: ClaimDetailRequest) -> CloseRightOutcome:
        key = {"pcucode": visit.pcucode, "visitno": visit.visitno}
        values = {
            **key,
            "transaction_id": request.transaction_id,
            "main_inscl": request.main_inscl_code,
            "claim_service_code": request.claim_service_code,
            "total_amount": Decimal(str(request.total_amount)),
            "paid_amount": Decimal(str(request.paid_amount)),
            "privilege_amount": Decimal(str(request.privilege_amount)),
        }
        row_id = ledger.take_slot(self.engine, kiosk_close_right, values)
        if row_id is None:
            existing = ledger.find(self.engine, kiosk_close_right, key)
            if not existing or not ledger.retake_slot(
                self.engine, kiosk_close_right, int(existing["id"]), ("failed",)
            ):
                return CloseRightOutcome(visit.pcucode, visit.visitno, "already")
            row_id = int(existing["id"])
        try:
            result = self.client.close_right(request)
        except NhsoError as error:
            # An answer lost after sending, or one that cannot be read, may have closed the
            # right: "unknown", not "failed", so nobody resends it blindly (NHSO would refuse
            # the transactionId anyway).
            status = "unknown" if error.may_have_acted else "failed"
            ledger.set_row(
                self.engine, kiosk_close_right, row_id, status=status, error_code=error.code
            )
            log.warning("close right of visit %s failed: %s", visit.visitno, error.code)
            return CloseRightOutcome(
                visit.pcucode, visit.visitno, status, error_code=error.code, message_en=error.en
            )
        ledger.set_row(
            self.engine, kiosk_close_right, row_id,
            status="closed", seq=str(result.seq), authen_code=result.authen_code, error_code=None,
        )  # fmt: skip
        self._mark_visit(
            visit.pcucode, visit.visitno,
            seq=str(result.seq), authen_code=result.authen_code,
            amount=Decimal(str(request.total_amount)),
        )  # fmt: skip
        # The other half of the claim: the visit's 13 files to NHSO's Digital Platform
        # (backoffice/ndp) are now due; the link survives a failure to make it.
        self._link_ndp(visit, row_id, request.transaction_id)
        return CloseRightOutcome(
            visit.pcucode, visit.visitno, "closed", str(result.seq), result.authen_code
        )

    def _link_ndp(self, visit: Visit, row_id: int, transaction: str) -> None:
        try:
            link_closed_visit(
                self.engine, visit.pcucode, visit.visitno,
                close_right_id=row_id, transaction_id=transaction,
            )  # fmt: skip
        except SQLAlchemyError as exc:
            # The close stands; the 13-file export finds the visit by its close anyway.
            log.warning("NDP link of visit %s not recorded: %s", visit.visitno, type(exc).__name__)

    def _mark_visit(
        self,
        pcucode: str,
        visitno: int,
        *,
        seq: str | None,
        authen_code: str | None,
        amount: Decimal | None,
    ) -> list[str]:
        target = self.clinic.get_visit(pcucode, visitno)
        return self.clinic.set_close_right(target, seq=seq, authen_code=authen_code, amount=amount)

    # -- cancel and rollback ------------------------------------------------------------

    def _closed_row(self, pcucode: str, visitno: int, status: str) -> dict[str, Any]:
        row = ledger.find(self.engine, kiosk_close_right, {"pcucode": pcucode, "visitno": visitno})
        if row is None or row["status"] != status or not row["seq"]:
            raise NotInState(f"visit {visitno}: expected {status}")
        return row

    def cancel(self, pcucode: str, visitno: int, *, dry_run: bool = False) -> CloseRightOutcome:
        row = self._closed_row(pcucode, visitno, "closed")
        if dry_run:
            return CloseRightOutcome(pcucode, visitno, "dry_run", row["seq"], row["authen_code"])
        self.client.cancel_close_right(int(row["seq"]), row["transaction_id"])
        ledger.set_row(self.engine, kiosk_close_right, int(row["id"]), status="cancelled")
        self._mark_visit(pcucode, visitno, seq=None, authen_code=None, amount=None)
        return CloseRightOutcome(pcucode, visitno, "cancelled", row["seq"], row["authen_code"])

    def rollback(self, pcucode: str, visitno: int, *, dry_run: bool = False) -> CloseRightOutcome:
        """Undo a cancel: the close stands again, with its original seq and code."""
        row = self._closed_row(pcucode, visitno, "cancelled")
        if dry_run:
            return CloseRightOutcome(pcucode, visitno, "dry_run", row["seq"], row["authen_code"])
        if self.rollback_client is None:
            raise NotInState("no rollback client configured")
        self.rollback_client.rollback(int(row["seq"]), row["transaction_id"])
        ledger.set_row(self.engine, kiosk_close_right, int(row["id"]), status="closed")
        self._mark_visit(
            pcucode, visitno,
            seq=row["seq"], authen_code=row["authen_code"], amount=row["total_amount"],
        )  # fmt: skip
        return CloseRightOutcome(pcucode, visitno, "restored", row["seq"], row["authen_code"])
