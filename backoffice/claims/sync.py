"""Claim-code catch-up: find NHSO's claim codes for visits that lack one (seed §9).

For the visits of a day or a range that have no claim code, ask NHSO's
check-authen-status once per person and day, keep the service histories of this unit
(hcode), that day and the visit's service (claim type), and write the code into the
visit through :class:`integrations.jhcis.ClinicDatabase`. Never overwrites a different
existing code: that is a *conflict* a staff member confirms (:meth:`ClaimSync.confirm`).

Resumable: each visit a run settles is recorded in ``kiosk_claim_sync_item``; a run
for the same dates that was interrupted (crash, NHSO down, bad token) is continued
by the next call instead of starting over. Rate-limited by the NHSO client's shared
token bucket. Pending authens the kiosk recorded during outages are resolved the
same way: a code found for their visit closes them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import (
    CHAR,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)

from common.cid import is_valid_cid
from common.errors import BilingualError
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.errors import ClaimCodeConflict, JhcisError
from integrations.jhcis.own_tables import (
    belongs_to_visit,
    ensure_kiosk_tables,
    kiosk_pending_authen,
    kiosk_visit,
)
from integrations.jhcis.records import Visit, VisitClaim
from integrations.jhcis.tables import person, visit
from integrations.jhcis.types import JhcisDate, as_time
from integrations.jhcis.visit_queries import claim_expr, on_days
from integrations.nhso.errors import NhsoError, NotConfigured, TokenInvalid
from integrations.nhso.models import AuthenStatus, ServiceHistory

log = logging.getLogger(__name__)

FLAG_EXCLUDED = "99"
#: Consecutive transient NHSO failures after which a run stops (NHSO is down).
MAX_TRANSIENT_IN_A_ROW = 3
#: check-authen-status requests in flight at once (NHSO takes longer than 1/rate to answer).
LOOKUPS_IN_FLIGHT = 4


class Outcome(StrEnum):
    filled = "filled"  # code written into the visit
    would_fill = "would_fill"  # dry run: a code was found, nothing written
    not_found = "not_found"  # NHSO has no matching code
    conflict = "conflict"  # the visit meanwhile has a different code: staff decide
    ambiguous = "ambiguous"  # several codes could belong to it: staff decide
    failed = "failed"  # this visit could not be checked (see error_code)


class SyncCancelled(BilingualError):
    code = "claims.sync_cancelled"
    message_th = "ยกเลิกการตามรหัสแล้ว: รายการที่ตรวจแล้วยังอยู่ สั่งอีกครั้งเพื่อทำต่อ"
    message_en = "Catch-up cancelled: checked visits are kept; run it again to continue."


SETTLED = frozenset({Outcome.filled, Outcome.not_found, Outcome.conflict, Outcome.ambiguous})


class StatusLookup(Protocol):
    """What the sync needs of NHSO (``integrations.nhso.web.NhsoWebClient``)."""

    def check_authen_status(
        self, cid: str, day: dt.date, service_code: str | None = None
    ) -> AuthenStatus: ...


# -- our progress tables ------------------------------------------------------------

sync_metadata = MetaData()

sync_run = Table(
    "kiosk_claim_sync_run",
    sync_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("date_from", JhcisDate, nullable=False),
    Column("date_to", JhcisDate, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("stopped_code", String(40)),
    Column("started_by", String(35)),
    Column("resumed", Boolean, nullable=False, default=False),
)

sync_item = Table(
    "kiosk_claim_sync_item",
    sync_metadata,
    Column("run_id", Integer, nullable=False),
    Column("pcucode", CHAR(5), nullable=False),
    Column("visitno", Integer, nullable=False),
    Column("visitdate", JhcisDate, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("claim_code", String(50)),
    Column("candidates", String(255)),
    Column("claim_type", String(20)),
    Column("existing_code", String(50)),
    Column("error_code", String(40)),
    Column("checked_at", DateTime, nullable=False),
    PrimaryKeyConstraint("run_id", "pcucode", "visitno"),
)

assert all(t.name.startswith("kiosk_") for t in sync_metadata.sorted_tables)


def ensure_sync_tables(engine: Engine) -> None:
    """Create or complete the sync's ``kiosk_`` tables (idempotent, never alters)."""
    ensure_kiosk_tables(engine, sync_metadata.sorted_tables)


# -- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A visit without a claim code; `cid` never leaves this process."""

    pcucode: str
    visitno: int
    visitdate: dt.date
    pcucodeperson: str
    pid: int
    timestart: dt.time | None
    claim_type: str | None
    cid: str = field(repr=False)


@dataclass(frozen=True)
class SyncItem:
    pcucode: str
    visitno: int
    visitdate: dt.date
    outcome: Outcome
    claim_code: str | None = None
    claim_type: str | None = None
    existing_code: str | None = None
    candidates: tuple[str, ...] = ()
    error_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pcucode": self.pcucode,
            "visitno": self.visitno,
            "visitdate": self.visitdate.isoformat(),
            "outcome": str(self.outcome),
            "claim_code": self.claim_code,
            "claim_type": self.claim_type,
            "existing_code": self.existing_code,
            "candidates": list(self.candidates),
            "error_code": self.error_code,
        }


@dataclass
class SyncReport:
    date_from: dt.date
    date_to: dt.date
    dry_run: bool
    run_id: int | None = None
    resumed: bool = False
    items: list[SyncItem] = field(default_factory=list)
    already_done: int = 0  # visits an earlier, interrupted part of this run settled
    pending_resolved: int = 0
    nhso_requests: int = 0
    stopped: BilingualError | None = None

    @property
    def complete(self) -> bool:
        return self.stopped is None

    def counts(self) -> dict[str, int]:
        out = {str(o): 0 for o in Outcome}
        for item in self.items:
            out[str(item.outcome)] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "resumed": self.resumed,
            "complete": self.complete,
            "stopped": self.stopped.as_dict() if self.stopped else None,
            "counts": self.counts(),
            "already_done": self.already_done,
            "pending_resolved": self.pending_resolved,
            "nhso_requests": self.nhso_requests,
            "items": [i.as_dict() for i in self.items],
        }


class SyncStopped(BilingualError):
    code = "claims.sync_stopped"
    message_th = "หยุดตรวจสอบ Claim Code กลางคัน สั่งใหม่ภายหลังระบบจะทำต่อจากเดิม"
    message_en = "The claim-code check stopped early; run it again later to continue."


class UnknownClaimCode(BilingualError):
    code = "claims.unknown_code"
    message_th = "รหัสนี้ไม่ใช่รหัสที่ สปสช. แจ้งสำหรับ visit นี้ กรุณาตรวจสอบใหม่อีกครั้ง"
    message_en = "NHSO did not report this code for this visit. Run the check again."


# -- matching -------------------------------------------------------------------------


def matching_histories(
    histories: Iterable[ServiceHistory], hcode: str, day: dt.date, used: Iterable[str] = ()
) -> list[ServiceHistory]:
    """This unit's codes of that day, one per code, oldest first, minus codes in `used`."""
    taken = set(used)
    seen: dict[str, ServiceHistory] = {}
    for h in histories:
        if h.hcode is None or h.hcode.strip() != hcode:
            continue
        if h.service_datetime is None or h.service_datetime.date() != day:
            continue
        if h.claim_code in taken:
            continue
        seen.setdefault(h.claim_code, h)
    return sorted(seen.values(), key=lambda h: h.service_datetime or dt.datetime.min)


def _seconds(moment: dt.time | None) -> int | None:
    return None if moment is None else moment.hour * 3600 + moment.minute * 60 + moment.second


def assign(
    visits: Sequence[Candidate], codes: Sequence[ServiceHistory]
) -> dict[int, tuple[Outcome, ServiceHistory | None, tuple[str, ...]]]:
    """Pair one person's visits of a day with that day's codes.

    A visit with a claim type takes the one code of that service; visits without a
    type share the remaining codes, each code going to the visit that started
    closest to its authen time. More codes than visits is ambiguous (staff pick);
    fewer leaves the rest not found (a second visit of the day has no authen).
    """
    result: dict[int, tuple[Outcome, ServiceHistory | None, tuple[str, ...]]] = {}
    taken: set[str] = set()
    for v in visits:
        if not v.claim_type:
            continue
        mine = [c for c in codes if c.service_code == v.claim_type and c.claim_code not in taken]
        if len(mine) == 1:
            result[v.visitno] = (Outcome.filled, mine[0], ())
            taken.add(mine[0].claim_code)
        elif len(mine) > 1:
            result[v.visitno] = (Outcome.ambiguous, None, tuple(c.claim_code for c in mine))
        else:
            result[v.visitno] = (Outcome.not_found, None, ())
    untyped = [v for v in visits if not v.claim_type]
    remaining = [c for c in codes if c.claim_code not in taken]
    if untyped and len(remaining) > len(untyped):
        names = tuple(c.claim_code for c in remaining)
        for v in untyped:
            result[v.visitno] = (Outcome.ambiguous, None, names)
        return result
    free = list(untyped)
    for code in remaining:
        if not free:
            break
        at = _seconds(code.service_datetime.time() if code.service_datetime else None)

        def distance(v: Candidate, at: int | None = at) -> tuple[int, int]:
            start = _seconds(v.timestart)
            gap = abs(start - at) if start is not None and at is not None else 10**6
            return (gap, v.visitno)

        best = min(free, key=distance)
        free.remove(best)
        result[best.visitno] = (Outcome.filled, code, ())
    for v in free:
        result[v.visitno] = (Outcome.not_found, None, ())
    return result


# -- the sync -------------------------------------------------------------------------


class ClaimSync:
    def __init__(
        self,
        clinic: ClinicDatabase,
        lookup: StatusLookup,
        *,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        ensure_tables: bool = True,
        concurrency: int = LOOKUPS_IN_FLIGHT,
    ) -> None:
        self.clinic = clinic
        self.lookup = lookup
        self.clock = clock
        self.concurrency = max(1, concurrency)
        if ensure_tables:
            ensure_sync_tables(clinic.engine)

    # -- reading ---------------------------------------------------------------------

    def candidates(self, start: dt.date, end: dt.date) -> list[Candidate]:
        """This unit's visits in the range that have no claim code, oldest first."""
        unit = self.clinic.unit_code()
        code = claim_expr(self.clinic, "claimcode_nhso", "claim_code")
        ctype = claim_expr(self.clinic, "hiciauthen_nhso", "claim_type")
        has_flag = self.clinic.profile.has_column("visit", "flagservice")
        timestart = self.clinic.profile.present(visit, ("timestart",))
        query = (
            select(
                visit.c.pcucode,
                visit.c.visitno,
                visit.c.visitdate,
                visit.c.pcucodeperson,
                visit.c.pid,
                *timestart,
                ctype.label("claim_type"),
                person.c.idcard,
            )
            .select_from(
                visit.join(
                    person,
                    and_(
                        person.c.pcucodeperson == visit.c.pcucodeperson,
                        person.c.pid == visit.c.pid,
                    ),
                ).outerjoin(kiosk_visit, belongs_to_visit(kiosk_visit))
            )
            .where(
                visit.c.pcucode == unit,
                on_days(visit.c.visitdate, start, end),
                or_(code.is_(None), code == ""),
            )
            .order_by(visit.c.visitdate, visit.c.visitno)
        )
        if has_flag:
            query = query.where(
                or_(visit.c.flagservice.is_(None), visit.c.flagservice != FLAG_EXCLUDED)
            )
        with self.clinic.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            Candidate(
                pcucode=r["pcucode"],
                visitno=int(r["visitno"]),
                visitdate=r["visitdate"],
                pcucodeperson=r["pcucodeperson"],
                pid=int(r["pid"]),
                timestart=as_time(r.get("timestart")),
                claim_type=(r["claim_type"] or "").strip() or None,
                cid=(r["idcard"] or "").strip(),
            )
            for r in rows
        ]

    def _codes_in_use(self, day: dt.date) -> dict[tuple[str, int], set[str]]:
        """Claim codes already on each person's visits of `day` (never handed out twice)."""
        unit = self.clinic.unit_code()
        code = claim_expr(self.clinic, "claimcode_nhso", "claim_code")
        query = (
            select(visit.c.pcucodeperson, visit.c.pid, code.label("code"))
            .select_from(visit.outerjoin(kiosk_visit, belongs_to_visit(kiosk_visit)))
            .where(visit.c.pcucode == unit, visit.c.visitdate == day, code.is_not(None))
        )
        out: dict[tuple[str, int], set[str]] = {}
        with self.clinic.engine.connect() as conn:
            for r in conn.execute(query).mappings():
                if r["code"]:
                    out.setdefault((r["pcucodeperson"], int(r["pid"])), set()).add(r["code"])
        return out

    def _open_pending(self, start: dt.date, end: dt.date) -> dict[tuple[str, int], list[int]]:
        p = kiosk_pending_authen
        # Only rows of the visit that holds the number now (not of a deleted one).
        query = (
            select(p.c.id, p.c.pcucode, p.c.visitno)
            .select_from(p.join(visit, belongs_to_visit(p)))
            .where(p.c.resolved_at.is_(None), p.c.visitdate >= start, p.c.visitdate <= end)
        )
        out: dict[tuple[str, int], list[int]] = {}
        with self.clinic.engine.connect() as conn:
            for r in conn.execute(query).mappings():
                out.setdefault((r["pcucode"], int(r["visitno"])), []).append(int(r["id"]))
        return out

    # -- running ---------------------------------------------------------------------

    def _start_run(self, start: dt.date, end: dt.date, by: str | None) -> tuple[int, bool, int]:
        """(run id, resumed?, visits already settled) for this range."""
        with self.clinic.engine.begin() as conn:
            open_run = conn.execute(
                select(sync_run.c.id)
                .where(
                    sync_run.c.date_from == start,
                    sync_run.c.date_to == end,
                    sync_run.c.finished_at.is_(None),
                )
                .order_by(sync_run.c.id.desc())
                .limit(1)
            ).scalar()
            if open_run is not None:
                done = conn.execute(
                    select(func.count())
                    .select_from(sync_item)
                    .where(sync_item.c.run_id == open_run)
                ).scalar_one()
                conn.execute(
                    update(sync_run)
                    .where(sync_run.c.id == open_run)
                    .values(resumed=True, stopped_code=None)
                )
                return int(open_run), True, int(done)
            new_id = conn.execute(
                insert(sync_run).values(
                    date_from=start,
                    date_to=end,
                    started_at=self.clock().replace(microsecond=0),
                    started_by=by,
                    resumed=False,
                )
            ).inserted_primary_key
            assert new_id is not None
            return int(new_id[0]), False, 0

    def _settled(self, run_id: int) -> set[tuple[str, int]]:
        with self.clinic.engine.connect() as conn:
            rows = conn.execute(
                select(sync_item.c.pcucode, sync_item.c.visitno).where(sync_item.c.run_id == run_id)
            ).all()
        return {(r[0], int(r[1])) for r in rows}

    def _save(self, run_id: int, item: SyncItem) -> None:
        with self.clinic.engine.begin() as conn:
            conn.execute(
                insert(sync_item).values(
                    run_id=run_id,
                    pcucode=item.pcucode,
                    visitno=item.visitno,
                    visitdate=item.visitdate,
                    outcome=str(item.outcome),
                    claim_code=item.claim_code,
                    candidates=",".join(item.candidates)[:255] or None,
                    claim_type=item.claim_type,
                    existing_code=item.existing_code,
                    error_code=item.error_code,
                    checked_at=self.clock().replace(microsecond=0),
                )
            )

    def _finish(self, run_id: int, stopped: BilingualError | None) -> None:
        values: dict[str, Any] = (
            {"stopped_code": stopped.code[:40]}
            if stopped
            else {"finished_at": self.clock().replace(microsecond=0), "stopped_code": None}
        )
        with self.clinic.engine.begin() as conn:
            conn.execute(update(sync_run).where(sync_run.c.id == run_id).values(**values))

    def run(
        self,
        start: dt.date,
        end: dt.date | None = None,
        *,
        dry_run: bool = False,
        by: str | None = None,
        on_item: Callable[[SyncItem], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> SyncReport:
        """Check every visit without a code from `start` to `end` (inclusive).

        A dry run asks NHSO and reports what it would write, and changes nothing
        (not even the progress tables). Returns the per-visit results; a run that
        NHSO stopped (bad token, outage) has ``report.stopped`` set and is continued
        by the next call for the same dates. `progress` hears (visits checked, visits to
        check); when `cancelled` says so the run stops as if NHSO had stopped it
        (``SyncCancelled``), lookups in flight unsettled, to be continued the same way.
        """
        end = end or start
        if end < start:
            raise ValueError("the end date is before the start date")
        report = SyncReport(date_from=start, date_to=end, dry_run=dry_run)
        self.clinic.check()  # connects now; creates the kiosk_ tables the kiosk writes
        settled: set[tuple[str, int]] = set()
        if not dry_run:
            report.run_id, report.resumed, report.already_done = self._start_run(start, end, by)
            settled = self._settled(report.run_id)
        hcode = self.clinic.unit_code()
        pending = self._open_pending(start, end)
        todo = [c for c in self.candidates(start, end) if (c.pcucode, c.visitno) not in settled]

        if progress:
            progress(0, len(todo))

        def record(item: SyncItem, *, save: bool = True) -> None:
            report.items.append(item)
            if on_item:
                on_item(item)
            if progress:
                progress(len(report.items), len(todo))
            if save and report.run_id is not None:
                self._save(report.run_id, item)
                key = (item.pcucode, item.visitno)
                report.pending_resolved += self._settle_pending(item, pending.get(key, []))

        groups = [(day, visits) for day, people in _by_person_day(todo) for visits in people]
        in_use: dict[dt.date, dict[tuple[str, int], set[str]]] = {}
        transient_in_a_row = 0
        # NHSO answers slowly: a few lookups are in flight at once (each still takes a
        # token from the shared rate limiter), while results are written here, in order.
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="claim-sync") as pool:
            flight: deque[tuple[dt.date, list[Candidate], Future[AuthenStatus]]] = deque()
            queue = iter(groups)

            def submit_next() -> None:
                for day, visits in queue:
                    if is_valid_cid(visits[0].cid):
                        lookup = pool.submit(self.lookup.check_authen_status, visits[0].cid, day)
                        flight.append((day, visits, lookup))
                        return
                    for v in visits:
                        record(_failed(v, "claims.invalid_cid"))

            for _ in range(self.concurrency):
                submit_next()
            while flight and report.stopped is None:
                if cancelled and cancelled():
                    report.stopped = SyncCancelled("staff cancelled the catch-up")
                    break
                day, visits, lookup = flight.popleft()
                report.nhso_requests += 1
                try:
                    status = lookup.result()
                except (TokenInvalid, NotConfigured) as exc:
                    report.stopped = exc
                    break
                except NhsoError as exc:
                    # A transient failure is not settled: a resumed run asks again.
                    for v in visits:
                        record(_failed(v, exc.code), save=not exc.transient)
                    transient_in_a_row = transient_in_a_row + 1 if exc.transient else 0
                    if transient_in_a_row >= MAX_TRANSIENT_IN_A_ROW:
                        report.stopped = exc
                        break
                    submit_next()
                    continue
                submit_next()
                transient_in_a_row = 0
                if day not in in_use:
                    in_use[day] = self._codes_in_use(day)
                first = visits[0]
                used = in_use[day].get((first.pcucodeperson, first.pid), set())
                codes = matching_histories(status.histories, hcode, day, used)
                for visitno, (outcome, code, names) in sorted(assign(visits, codes).items()):
                    target = next(v for v in visits if v.visitno == visitno)
                    item = self._apply(target, outcome, code, names, dry_run=dry_run)
                    record(item)
                    if item.claim_code and item.outcome is Outcome.filled:
                        in_use[day].setdefault((first.pcucodeperson, first.pid), set()).add(
                            item.claim_code
                        )
            for _day, _visits, lookup in flight:
                lookup.cancel()  # unsettled: the resumed run asks again
        if not dry_run:
            assert report.run_id is not None
            self._finish(report.run_id, report.stopped)
        if report.stopped is not None:
            log.warning("claim sync stopped early: %s", report.stopped.code)
        return report

    def _apply(
        self,
        v: Candidate,
        outcome: Outcome,
        code: ServiceHistory | None,
        names: tuple[str, ...],
        *,
        dry_run: bool,
    ) -> SyncItem:
        if outcome is not Outcome.filled or code is None:
            return _item(v, outcome, candidates=names)
        found = {"claim_code": code.claim_code, "claim_type": code.service_code or v.claim_type}
        if dry_run:
            return _item(v, Outcome.would_fill, **found)
        target = _visit_of(v)
        at = code.service_datetime or self.clock()
        try:
            self.clinic.set_claim_code(target, code.claim_code, found["claim_type"] or "", at)
        except ClaimCodeConflict:
            existing = self.clinic.visit_claim(target).claim_code
            return _item(v, Outcome.conflict, existing_code=existing, **found)
        except JhcisError as exc:
            return _item(v, Outcome.failed, error_code=exc.code)
        log.info("claim code recorded on visit %s", v.visitno)
        return _item(v, Outcome.filled, **found)

    def _settle_pending(self, item: SyncItem, pending_ids: list[int]) -> int:
        resolved = 0
        for pending_id in pending_ids:
            if item.outcome is Outcome.filled and item.claim_code:
                self.clinic.resolve_pending_authen(
                    pending_id, outcome="found_existing", claim_code=item.claim_code
                )
                resolved += 1
            else:
                self.clinic.note_authen_attempt(pending_id)
        return resolved


# -- staff decisions and results (no NHSO needed) -------------------------------------


def reported_codes(engine: Engine, pcucode: str, visitno: int) -> set[str]:
    """Every code a sync run reported for this visit (found, conflicting or candidate)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(sync_item.c.claim_code, sync_item.c.candidates).where(
                sync_item.c.pcucode == pcucode, sync_item.c.visitno == visitno
            )
        ).all()
    out: set[str] = set()
    for code, candidates in rows:
        if code:
            out.add(str(code))
        out.update(c for c in str(candidates or "").split(",") if c)
    return out


def confirm_code(
    clinic: ClinicDatabase,
    pcucode: str,
    visitno: int,
    claim_code: str,
    *,
    at: dt.datetime | None = None,
) -> VisitClaim:
    """Write a code staff confirmed, replacing a different one if there is one.

    Only a code that a sync run reported for this visit can be confirmed: staff
    choose between NHSO's answers, they do not type codes in.
    """
    if claim_code not in reported_codes(clinic.engine, pcucode, visitno):
        raise UnknownClaimCode(f"visit {visitno}")
    target = clinic.get_visit(pcucode, visitno)
    current = clinic.visit_claim(target)
    with clinic.engine.connect() as conn:
        reported_type = conn.execute(
            select(sync_item.c.claim_type)
            .where(
                sync_item.c.pcucode == pcucode,
                sync_item.c.visitno == visitno,
                sync_item.c.claim_code == claim_code,
            )
            .limit(1)
        ).scalar()
    claim_type = reported_type or current.claim_type or ""
    return clinic.set_claim_code(
        target, claim_code, claim_type, at or dt.datetime.now(), force=True
    )


def last_items(engine: Engine, start: dt.date, end: dt.date) -> list[SyncItem]:
    """The settled results of the latest run for these dates (for the claims page)."""
    with engine.connect() as conn:
        run_id = conn.execute(
            select(sync_run.c.id)
            .where(sync_run.c.date_from == start, sync_run.c.date_to == end)
            .order_by(sync_run.c.id.desc())
            .limit(1)
        ).scalar()
        if run_id is None:
            return []
        rows = conn.execute(
            select(sync_item)
            .where(sync_item.c.run_id == run_id)
            .order_by(sync_item.c.visitdate, sync_item.c.visitno)
        ).mappings()
        return [
            SyncItem(
                pcucode=r["pcucode"],
                visitno=int(r["visitno"]),
                visitdate=r["visitdate"],
                outcome=Outcome(r["outcome"]),
                claim_code=r["claim_code"],
                claim_type=r["claim_type"],
                existing_code=r["existing_code"],
                candidates=tuple(filter(None, (r["candidates"] or "").split(","))),
                error_code=r["error_code"],
            )
            for r in rows
        ]


def _item(v: Candidate, outcome: Outcome, **fields: Any) -> SyncItem:
    return SyncItem(v.pcucode, v.visitno, v.visitdate, outcome, **fields)


def _failed(v: Candidate, error_code: str) -> SyncItem:
    return _item(v, Outcome.failed, error_code=error_code)


def _visit_of(c: Candidate) -> Visit:
    return Visit(
        pcucode=c.pcucode,
        visitno=c.visitno,
        visitdate=c.visitdate,
        pcucodeperson=c.pcucodeperson,
        pid=c.pid,
        queue_no=None,
        timestart=c.timestart,
    )


def _by_person_day(
    todo: Sequence[Candidate],
) -> list[tuple[dt.date, list[list[Candidate]]]]:
    """Visits grouped by day, then by person (one NHSO request each), in visit order."""
    days: dict[dt.date, dict[str, list[Candidate]]] = {}
    for c in todo:
        days.setdefault(c.visitdate, {}).setdefault(c.cid or f"?{c.visitno}", []).append(c)
    return [(day, list(people.values())) for day, people in sorted(days.items())]
