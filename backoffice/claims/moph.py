"""MOPH Claim submissions (seed §16): plan, send once, monitor, resend failures.

Eligibility is :mod:`backoffice.claims.moph_rules`. Each claim (visit x kind) is a
row of ``kiosk_moph_claim`` taken before sending; its ``transaction_uid`` is kept
and later polled for MOPH's verdict (§16.6). A row that failed can be sent again
(``resend``), a row that was sent never is. A lost answer (timeout) leaves the row
``unknown``: a resend then either succeeds or is told "duplicate" by MOPH. The plan
also lists cautions: claims sent without a field MOPH may want (the vaccinator, an
expiry date), which staff can complete in JHCIS before sending.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from backoffice.claims.moph_rules import (
    Caution,
    Eligible,
    Ineligible,
    Kind,
    MophRules,
    assess,
    cautions,
    claim_body,
    endpoint_for,
)
from backoffice.claims.tables import ensure_claim_tables, kiosk_moph_claim
from backoffice.exports.jobs import Progress
from backoffice.exports.source import ClaimSource
from common.config import MOPH_UC_RIGHTS, Settings
from common.logs import register_sensitive
from common.secrets import Secrets
from integrations.jhcis import ledger
from integrations.moph.client import MophClaimClient
from integrations.moph.errors import (
    MophDuplicate,
    MophError,
    MophLoginFailed,
    MophNotConfigured,
    MophTimeout,
    MophTokenRejected,
)

log = logging.getLogger(__name__)

RESENDABLE = ("failed", "unknown")
# Errors about the account, not the record: the run stops at the first one.
STOPPING = (MophNotConfigured, MophLoginFailed, MophTokenRejected)


@dataclass
class MophPlan:
    eligible: list[Eligible] = field(default_factory=list)
    ineligible: list[Ineligible] = field(default_factory=list)
    already: list[tuple[Eligible, str]] = field(default_factory=list)  # item, its status
    cautions: list[Caution] = field(default_factory=list)  # of the eligible ones


@dataclass
class MophOutcome:
    pcucode: str
    visitno: int
    kind: str
    status: str  # sent | duplicate | failed | unknown | already | dry_run | <MOPH status>
    transaction_uid: str = ""
    error_code: str = ""
    message_en: str = ""
    moph_status_th: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def service_from_settings(
    source: ClaimSource,
    hcode: str,
    settings: Settings,
    *,
    secrets: Secrets | None = None,
    rules: MophRules | None = None,
) -> MophClaimService:
    """The service as configured; without `secrets`, one that only plans (no client)."""
    client = None
    if secrets is not None:
        client = MophClaimClient(
            token_base=settings.moph.ic_base_url,
            claim_base=settings.moph.base_url,
            username=secrets.moph_username,
            password=secrets.moph_password,
            hospital_code=hcode,
        )
    return MophClaimService(
        source, client, hcode=hcode, hospital_name=settings.clinic.name, rules=rules,
        rights=settings.moph.rights,
    )  # fmt: skip


class MophClaimService:
    def __init__(
        self,
        source: ClaimSource,
        client: MophClaimClient | None,
        *,
        hcode: str,
        hospital_name: str,
        rules: MophRules | None = None,
        rights: Collection[str] = MOPH_UC_RIGHTS,
    ) -> None:
        self.source = source
        self.engine = source.engine
        self.client = client
        self.hcode = hcode
        self.hospital_name = hospital_name
        self.rules = rules or MophRules()
        self.rights = frozenset(rights)
        ensure_claim_tables(self.engine)

    def _key(self, item: Eligible) -> dict[str, Any]:
        v = item.bundle.visit
        return {"pcucode": v.pcucode, "visitno": v.visitno, "kind": item.kind}

    def plan(
        self,
        date_from: dt.date,
        date_to: dt.date,
        *,
        visitnos: Sequence[int] | None = None,
        kinds: Sequence[Kind] | None = None,
        resend: bool = False,
    ) -> MophPlan:
        """What would be sent; with ``resend``, only the claims that failed before."""
        plan = MophPlan()
        for bundle in self.source.bundles(
            date_from, date_to, pcucode=self.hcode, visitnos=visitnos
        ):
            eligible, ineligible = assess(bundle, self.rules, self.rights)
            if kinds:
                eligible = [e for e in eligible if e.kind in kinds]
                ineligible = [i for i in ineligible if i.kind in kinds or not i.kind]
            if not resend:
                plan.ineligible.extend(ineligible)
            for item in eligible:
                row = ledger.find(self.engine, kiosk_moph_claim, self._key(item))
                if resend:
                    if row is not None and row["status"] in RESENDABLE:
                        plan.eligible.append(item)
                elif row is None or row["status"] == "failed":
                    plan.eligible.append(item)
                else:
                    plan.already.append((item, str(row["status"])))
        self._add_cautions(plan)
        return plan

    def _add_cautions(self, plan: MophPlan) -> None:
        expiry_column = self.source.profile.has_column("visitepi", "datevacineexpire")
        for item in plan.eligible:
            plan.cautions.extend(cautions(item, expiry_column=expiry_column))
        if not expiry_column and any(item.vaccines for item in plan.eligible):
            log.warning("visitepi.datevacineexpire missing: vaccine expiry dates sent empty")
            plan.cautions.insert(0, Caution(self.hcode, 0, "", "no_expiry_column"))

    def body(self, item: Eligible) -> dict[str, Any]:
        return claim_body(
            item, hcode=self.hcode, hospital_name=self.hospital_name, rules=self.rules
        )

    def submit(
        self, plan: MophPlan, *, dry_run: bool = False, progress: Progress | None = None
    ) -> list[MophOutcome]:
        outcomes: list[MophOutcome] = []
        for number, item in enumerate(plan.eligible, start=1):
            if progress:
                progress(number - 1, len(plan.eligible))
            v = item.bundle.visit
            if dry_run:
                outcomes.append(MophOutcome(v.pcucode, v.visitno, item.kind, "dry_run"))
                continue
            outcome = self._send_one(item)
            outcomes.append(outcome)
            if outcome.error_code in {cls.code for cls in STOPPING}:
                break
        return outcomes

    def _send_one(self, item: Eligible) -> MophOutcome:
        v = item.bundle.visit
        # The body carries the patient's name: make sure no log line ever can.
        register_sensitive([v.first_name, v.last_name])
        key = self._key(item)
        row_id = ledger.take_slot(self.engine, kiosk_moph_claim, key)
        if row_id is None:
            row = ledger.find(self.engine, kiosk_moph_claim, key)
            if row is None or not ledger.retake_slot(
                self.engine, kiosk_moph_claim, int(row["id"]), RESENDABLE
            ):
                return MophOutcome(v.pcucode, v.visitno, item.kind, "already")
            row_id = int(row["id"])
        if self.client is None:
            raise MophNotConfigured("no MOPH client")
        try:
            uid = self.client.submit(endpoint_for(item.kind), self.body(item))
        except MophError as error:
            if isinstance(error, MophDuplicate):
                status = "duplicate"
            elif isinstance(error, MophTimeout):
                status = "unknown"
            else:
                status = "failed"
            ledger.set_row(
                self.engine, kiosk_moph_claim, row_id, status=status, error_code=error.code
            )
            log.warning("MOPH %s claim of visit %s: %s", item.kind, v.visitno, error.code)
            return MophOutcome(
                v.pcucode, v.visitno, item.kind, status,
                error_code=error.code, message_en=error.en,
            )  # fmt: skip
        ledger.set_row(
            self.engine, kiosk_moph_claim, row_id,
            status="sent", transaction_uid=uid, error_code=None,
        )  # fmt: skip
        return MophOutcome(v.pcucode, v.visitno, item.kind, "sent", transaction_uid=uid)

    def refresh_statuses(self, *, dry_run: bool = False) -> list[MophOutcome]:
        """Ask MOPH how each sent claim is doing (the seed's monitoring page, §16.6)."""
        table = kiosk_moph_claim
        with self.engine.connect() as conn:
            rows = list(
                conn.execute(
                    select(table.c.id, table.c.pcucode, table.c.visitno, table.c.kind,
                           table.c.transaction_uid)
                    .where(table.c.status == "sent", table.c.transaction_uid.is_not(None))
                    .order_by(table.c.id)
                )
            )  # fmt: skip
        outcomes: list[MophOutcome] = []
        for row in rows:
            if dry_run or self.client is None:
                outcomes.append(
                    MophOutcome(row.pcucode, row.visitno, row.kind, "dry_run", row.transaction_uid)
                )
                continue
            try:
                found = self.client.status(row.transaction_uid)
            except MophError as error:
                outcomes.append(
                    MophOutcome(
                        row.pcucode, row.visitno, row.kind, "failed", row.transaction_uid,
                        error_code=error.code, message_en=error.en,
                    )
                )  # fmt: skip
                if isinstance(error, STOPPING):
                    break
                continue
            ledger.set_row(
                self.engine, table, int(row.id),
                moph_status=found.status, moph_status_th=found.status_th,
                checked_at=ledger.now(),
            )  # fmt: skip
            outcomes.append(
                MophOutcome(
                    row.pcucode, row.visitno, row.kind, found.status, row.transaction_uid,
                    moph_status_th=found.status_th,
                )
            )  # fmt: skip
        return outcomes
