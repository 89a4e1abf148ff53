"""What a queue ticket says about a visit that only JHCIS knows, read when it is printed.

* **The queue number.** The kiosk's own number (``kiosk_visit.queue_no``) for a visit it
  or the staff page opened. A visit opened in JHCIS itself has none: it gets its place
  among the unit's visits of that day in visit-number order, the rule JHCIS's own slip
  seems to print as "ลำดับที่ของวัน" (reference §2, inferred) and the one the kiosk numbers
  by (``ClinicDatabase._next_queue_no``: the day's count). When staff have deleted an
  earlier visit that place can equal a number the kiosk already gave someone today; then
  the visit gets no number (``queue_no`` None) rather than a second ticket with it.
  :func:`day_numbers` is this rule for a whole day; the backoffice's calling line numbers
  the visits it takes in with it too, so a ticket and the board never disagree.
* **How many wait ahead.** The unit's visits of the same day opened before this one (a
  lower visit number: JHCIS numbers ``MAX+1``) by other people that JHCIS still marks
  ``flagservice = '01'``, new and waiting, what a check-in writes and no service point
  has changed yet (reference §2; JHCIS's other codes: screened, finished, ...). It is
  only as right as the staff keep that status: a clinic that does not move visits on in
  JHCIS sees the count grow all day, unless it calls the queue with the backoffice
  (backoffice/calling): a visit its line has called away from the first point is not
  counted (``integrations.jhcis.call_line``, read when the table exists). ``None`` where
  this JHCIS has no ``flagservice``, and for a visit that is itself no longer waiting.
* **The right.** NHSO's main right kept with the visit (JHCIS's ``visit.main_inscl`` or
  our copy), else JHCIS's right of the visit (``visit.rightcode`` in ``cright``: its
  ``mapright`` when that is an NHSO code, else its ``rightname``).

Only reads; MySQL 5.6, MariaDB and SQLite alike (counts with plain comparisons).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, func, not_, select

from integrations.jhcis.call_line import kiosk_call_entry, moved_on
from integrations.jhcis.clinic import FLAG_WAITING, ClinicDatabase
from integrations.jhcis.own_tables import belongs_to_visit, kiosk_visit
from integrations.jhcis.records import Visit
from integrations.jhcis.tables import cright, visit
from integrations.jhcis.visit_queries import claim_expr
from integrations.nhso.main_rights import right_words


@dataclass(frozen=True)
class TicketFacts:
    queue_no: int | None  # None: no number this visit can be called by (see above)
    waiting: bool  # the visit itself still waits for its first service point (or unknown)
    waiting_ahead: int | None  # None: not known here
    main_inscl: str | None = None  # NHSO's main right kept with the visit
    jhcis_mapright: str | None = None
    jhcis_rightname: str | None = None

    def right(self, nhso_code: str | None = None, nhso_name: str | None = None) -> str:
        """The right in a patient's words: NHSO's answer of today when given, else the
        one kept with the visit, else JHCIS's."""
        if nhso_code:
            return right_words(nhso_code, nhso_name)
        if self.main_inscl:
            return right_words(self.main_inscl)
        return right_words(self.jhcis_mapright, self.jhcis_rightname)


def waits_for_service(flag: str | None) -> bool:
    """JHCIS still marks the visit new and waiting (``flagservice`` '01'), or this JHCIS
    keeps no such flag (None): nobody has served it yet."""
    return (flag or "").strip() in ("", FLAG_WAITING)


def day_numbers(conn: Connection, pcucode: str, day: dt.date) -> dict[int, int | None]:
    """Every visit of the unit's day by visit number: the number it is called by (the
    rule above). JHCIS's excluded visits keep their place, as in the kiosk's count."""
    visitnos: list[int] = list(
        conn.execute(
            select(visit.c.visitno)
            .where(visit.c.pcucode == pcucode, visit.c.visitdate == day)
            .order_by(visit.c.visitno)
        ).scalars()
    )
    own: dict[int, int] = {
        int(row.visitno): int(row.queue_no)
        for row in conn.execute(
            select(kiosk_visit.c.visitno, kiosk_visit.c.queue_no).where(
                kiosk_visit.c.pcucode == pcucode, kiosk_visit.c.visitdate == day
            )
        )
    }
    taken = set(own.values())
    numbers: dict[int, int | None] = {}
    for place, visitno in enumerate(visitnos, start=1):
        mine = own.get(int(visitno))
        numbers[int(visitno)] = mine if mine is not None else (None if place in taken else place)
    return numbers


def ticket_facts(clinic: ClinicDatabase, of: Visit) -> TicketFacts:
    """The ticket's facts about `of`, read now (raises the engine's errors)."""
    with clinic.engine.connect() as conn:
        flag, main_inscl, mapright, rightname = _visit_row(clinic, conn, of)
        has_flag = clinic.profile.has_column("visit", "flagservice")
        waiting = not has_flag or waits_for_service(flag)
        return TicketFacts(
            queue_no=(
                of.queue_no
                if of.queue_no is not None
                else day_numbers(conn, of.pcucode, of.visitdate).get(of.visitno)
            ),
            waiting=waiting,
            waiting_ahead=(
                _waiting_ahead(conn, of, clinic.profile.has_table(kiosk_call_entry.name))
                if has_flag and waiting
                else None
            ),
            main_inscl=(main_inscl or "").strip() or None,
            jhcis_mapright=(mapright or "").strip() or None,
            jhcis_rightname=clinic._decoded("cright", "rightname", rightname),
        )


def _same_day(of: Visit) -> list[ColumnElement[bool]]:
    return [visit.c.pcucode == of.pcucode, visit.c.visitdate == of.visitdate]


def _visit_row(
    clinic: ClinicDatabase, conn: Connection, of: Visit
) -> tuple[str | None, str | None, str | None, str | None]:
    flag = clinic.profile.present(visit, ("flagservice",))
    query = (
        select(
            *flag,
            claim_expr(clinic, "main_inscl", "main_inscl").label("main_inscl"),
            cright.c.mapright,
            cright.c.rightname,
        )
        .select_from(
            visit.outerjoin(kiosk_visit, belongs_to_visit(kiosk_visit)).outerjoin(
                cright, cright.c.rightcode == visit.c.rightcode
            )
        )
        .where(visit.c.pcucode == of.pcucode, visit.c.visitno == of.visitno)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None, None, None, None
    return row.get("flagservice"), row["main_inscl"], row["mapright"], row["rightname"]


def _waiting_ahead(conn: Connection, of: Visit, calling: bool) -> int:
    same_person = and_(visit.c.pcucodeperson == of.pcucodeperson, visit.c.pid == of.pid)
    called_away = [not_(moved_on())] if calling else []
    return int(
        conn.execute(
            select(func.count())
            .select_from(visit)
            .where(
                *_same_day(of),
                visit.c.visitno < of.visitno,
                visit.c.flagservice == FLAG_WAITING,
                not_(same_person),
                *called_away,
            )
        ).scalar_one()
    )
