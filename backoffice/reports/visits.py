"""Read-only views of the clinic's visits for the queue, visit detail and reports.

Only reads: every write goes through :class:`integrations.jhcis.ClinicDatabase`. The
claim fields follow the same rule as the database layer: JHCIS's own ``visit``
columns where this JHCIS version has them, else our ``kiosk_visit`` copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from common.cid import mask_cid, mask_name
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.own_tables import belongs_to_visit, kiosk_pending_authen, kiosk_visit
from integrations.jhcis.records import Visit
from integrations.jhcis.tables import ctitle, person, visit
from integrations.jhcis.types import as_time
from integrations.jhcis.visit_queries import claim_expr, on_days

WALKIN_TYPELIVE = "4"
MAX_ROWS = 5000

# JHCIS cflagservice codes seen in public tools (reference §2); others show the code.
FLAG_SERVICE: dict[str, tuple[str, str]] = {
    "01": ("รอรับบริการ", "Waiting"),
    "02": ("ซักประวัติแล้ว", "Screened"),
    "03": ("จบบริการ", "Finished"),
    "04": ("รับยาแล้ว", "Medicine given"),
    "99": ("ยกเลิก/ไม่นับ", "Excluded"),
}


@dataclass(frozen=True)
class VisitRow:
    pcucode: str
    visitno: int
    visitdate: dt.date
    pcucodeperson: str
    pid: int
    timestart: dt.time | None
    flagservice: str | None
    queue_no: int | None
    by_kiosk: bool
    masked_name: str
    claim_type: str | None
    claim_code: str | None
    datetime_claim: dt.datetime | None
    new_out_of_area: bool
    pending_authen: bool
    rightcode: str | None

    @property
    def key(self) -> str:
        return f"{self.pcucode}/{self.visitno}"

    @property
    def visit(self) -> Visit:
        """The visit as the database layer names it (for its reads: ticket, guardian)."""
        return Visit(
            pcucode=self.pcucode,
            visitno=self.visitno,
            visitdate=self.visitdate,
            pcucodeperson=self.pcucodeperson,
            pid=self.pid,
            queue_no=self.queue_no,
            timestart=self.timestart,
            flagservice=self.flagservice,
        )


@dataclass(frozen=True)
class VisitDetail:
    row: VisitRow
    full_name: str
    masked_cid: str
    birth: dt.date | None
    hosmain: str | None
    username: str | None


def _pending_open() -> Any:
    p = kiosk_pending_authen
    keys = (p.c.pcucode, p.c.visitno, p.c.pcucodeperson, p.c.pid, p.c.visitdate)
    return (
        select(*keys, func.count().label("n"))
        .where(p.c.resolved_at.is_(None))
        .group_by(*keys)
        .subquery("pending_open")
    )


def _base_query(clinic: ClinicDatabase) -> Select[Any]:
    pending = _pending_open()
    optional_visit = clinic.profile.present(visit, ("timestart", "flagservice", "rightcode"))
    optional_person = clinic.profile.present(person, ("typelive", "datein", "birth", "hosmain"))
    optional_visit_more = clinic.profile.present(visit, ("username",))
    return select(
        visit.c.pcucode,
        visit.c.visitno,
        visit.c.visitdate,
        visit.c.pcucodeperson,
        visit.c.pid,
        *optional_visit,
        *optional_visit_more,
        person.c.fname,
        person.c.lname,
        person.c.idcard,
        *optional_person,
        ctitle.c.titlename,
        kiosk_visit.c.queue_no,
        kiosk_visit.c.idempotency_key,
        claim_expr(clinic, "hiciauthen_nhso", "claim_type").label("claim_type"),
        claim_expr(clinic, "claimcode_nhso", "claim_code").label("claim_code"),
        claim_expr(clinic, "datetime_claim", "datetime_claim").label("datetime_claim"),
        pending.c.n.label("pending_n"),
    ).select_from(
        visit.outerjoin(
            person,
            and_(person.c.pcucodeperson == visit.c.pcucodeperson, person.c.pid == visit.c.pid),
        )
        .outerjoin(ctitle, ctitle.c.titlecode == person.c.prename)
        .outerjoin(kiosk_visit, belongs_to_visit(kiosk_visit))
        .outerjoin(pending, belongs_to_visit(pending))
    )


def _row(m: Any) -> VisitRow:
    visitdate = m["visitdate"]
    datein = m.get("datein")
    code = (m["claim_code"] or "").strip() or None
    return VisitRow(
        pcucode=m["pcucode"],
        visitno=int(m["visitno"]),
        visitdate=visitdate,
        pcucodeperson=m["pcucodeperson"],
        pid=int(m["pid"]),
        timestart=as_time(m.get("timestart")),
        flagservice=m.get("flagservice"),
        queue_no=m["queue_no"],
        by_kiosk=m["idempotency_key"] is not None,
        masked_name=mask_name(m["fname"] or "", m["lname"] or "", m["titlename"] or ""),
        claim_type=(m["claim_type"] or "").strip() or None,
        claim_code=code,
        datetime_claim=m["datetime_claim"],
        new_out_of_area=(m.get("typelive") == WALKIN_TYPELIVE and datein == visitdate),
        pending_authen=bool(m["pending_n"]),
        rightcode=m.get("rightcode"),
    )


def visits_between(
    clinic: ClinicDatabase, start: dt.date, end: dt.date, *, limit: int = MAX_ROWS
) -> list[VisitRow]:
    """This unit's visits from `start` to `end` (inclusive), in visit-number order."""
    unit = clinic.unit_code()
    query = (
        _base_query(clinic)
        .where(visit.c.pcucode == unit, on_days(visit.c.visitdate, start, end))
        .order_by(visit.c.visitdate, visit.c.visitno)
        .limit(limit)
    )
    with clinic.engine.connect() as conn:
        return [_row(m) for m in conn.execute(query).mappings()]


def search_day(clinic: ClinicDatabase, day: dt.date, text: str, *, names: bool) -> list[VisitRow]:
    """The day's visits matching `text`: a citizen ID (13 digits), an HN, queue or visit
    number, or (when `names`, for roles that may read them) every word in the first or
    last name. Plain LIKE and equality: MySQL 5.6, MariaDB and SQLite alike."""
    text = " ".join(text.split())
    digits = text.replace("-", "").replace(" ", "")
    if digits.isdigit():
        n = int(digits)
        if len(digits) == 13:
            test: Any = person.c.idcard == digits
        else:
            test = or_(visit.c.pid == n, kiosk_visit.c.queue_no == n, visit.c.visitno == n)
    elif names and text:
        words = [w.replace("%", "").replace("_", "") for w in text.split()]
        test = and_(
            *(or_(person.c.fname.like(f"%{w}%"), person.c.lname.like(f"%{w}%")) for w in words)
        )
    else:
        return []
    query = (
        _base_query(clinic)
        .where(visit.c.pcucode == clinic.unit_code(), on_days(visit.c.visitdate, day, day), test)
        .order_by(visit.c.visitno)
        .limit(MAX_ROWS)
    )
    with clinic.engine.connect() as conn:
        return [_row(m) for m in conn.execute(query).mappings()]


def visit_detail(clinic: ClinicDatabase, pcucode: str, visitno: int) -> VisitDetail | None:
    """One of this unit's visits; None for another unit's (as for a missing one)."""
    if pcucode != clinic.unit_code():
        return None
    query = _base_query(clinic).where(
        visit.c.pcucode == clinic.unit_code(), visit.c.visitno == visitno
    )
    with clinic.engine.connect() as conn:
        m = conn.execute(query).mappings().first()
    if m is None:
        return None
    parts = [m["titlename"] or "", m["fname"] or "", m["lname"] or ""]
    return VisitDetail(
        row=_row(m),
        full_name=" ".join(p.strip() for p in parts if p and p.strip()),
        masked_cid=mask_cid(m["idcard"] or ""),
        birth=m.get("birth"),
        hosmain=m.get("hosmain"),
        username=m.get("username"),
    )


def flag_label(code: str | None, lang: str) -> str:
    if not code:
        return ""
    pair = FLAG_SERVICE.get(code)
    if pair is None:
        return code
    return pair[0] if lang == "th" else pair[1]
