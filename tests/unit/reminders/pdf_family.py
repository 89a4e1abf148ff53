"""Houses, births, parents and recorded guardians for the known appointment cases
(``integrations.jhcis.synth_cases``), shared by the unit and MariaDB PDF tests.

Person columns ``mother``/``father`` are added the way some jhcisdb builds have them:
our schema (and so the synthetic database) lacks them, as many clinics' may.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, insert, select, text, update

from common.thaidate import PartialDate
from integrations.jhcis import tables as t
from integrations.jhcis.own_tables import ensure_own_tables, kiosk_visit_guardian
from integrations.jhcis.synth_cases import UNIT

HOUSE_NO = "12/3"
# pid -> (birth, mother, father)
FAMILY: dict[int, tuple[dt.date | PartialDate | None, str | None, str | None]] = {
    1: (dt.date(2026, 6, 1), "มารดา ไม่ควรแสดง", None),  # recorded guardian wins
    2: (dt.date(2026, 1, 10), "มาลี", "สมชาย ใจดี"),  # mother before father
    5: (PartialDate(2025), "", "สมหมาย รักดี"),  # birth with zero day/month; father
    6: (dt.date(2026, 2, 1), None, None),  # two recorded guardians: the latest
    7: (dt.date(1960, 5, 5), "แม่ของผู้ใหญ่", None),  # an adult: no parent shown
}
GUARDIAN_OF_1 = "นางสมศรี ใจงาม"
OLD_GUARDIAN_OF_6, NEW_GUARDIAN_OF_6 = "ลุงเก่า ก่อนหน้า", "ป้าใหม่ ล่าสุด"


def add_family(engine: Engine, *, parent_columns: bool = True) -> None:
    """Write the family facts above into a seeded synthetic database."""
    ensure_own_tables(engine)
    with engine.begin() as conn:
        if parent_columns:
            for name in ("mother", "father"):
                conn.execute(text(f"ALTER TABLE person ADD COLUMN {name} VARCHAR(100)"))
        p = t.person
        for pid, (birth, mother, father) in FAMILY.items():
            if parent_columns:
                conn.execute(
                    text(
                        "UPDATE person SET mother = :m, father = :f WHERE pcucodeperson = :u "
                        "AND pid = :p"
                    ),
                    {"m": mother, "f": father, "u": UNIT, "p": pid},
                )
            conn.execute(
                update(p).where(p.c.pcucodeperson == UNIT, p.c.pid == pid).values(birth=birth)
            )
        hcode = conn.execute(
            select(p.c.hcode).where(p.c.pcucodeperson == UNIT, p.c.pid == 1)
        ).scalar_one()
        conn.execute(
            update(t.house)
            .where(t.house.c.pcucode == UNIT, t.house.c.hcode == hcode)
            .values(hno=HOUSE_NO)
        )
        # pid 7's house has no number nor village, and no registered address: all "-".
        conn.execute(insert(t.house).values(pcucode=UNIT, hcode=987654, villcode=None, hno=None))
        conn.execute(
            update(p)
            .where(p.c.pcucodeperson == UNIT, p.c.pid == 7)
            .values(hcode=987654, hnomoi=None, mumoi=None)
        )
        _guardian(conn, 1, _visits(conn, 1)[-1], GUARDIAN_OF_1)
        # A row whose visit JHCIS no longer has (deleted, its number reused) is ignored.
        _guardian(conn, 1, (999_999, dt.date(2027, 2, 28)), "ผิดคน ไม่ควรแสดง")
        visits_6 = _visits(conn, 6)
        _guardian(conn, 6, visits_6[0], OLD_GUARDIAN_OF_6)
        _guardian(conn, 6, visits_6[-1], NEW_GUARDIAN_OF_6)


def _visits(conn: Connection, pid: int) -> list[tuple[int, dt.date]]:
    v = t.visit
    rows = conn.execute(
        select(v.c.visitno, v.c.visitdate)
        .where(v.c.pcucodeperson == UNIT, v.c.pid == pid)
        .order_by(v.c.visitdate, v.c.visitno)
    )
    return [(int(r.visitno), r.visitdate) for r in rows]


def _guardian(conn: Connection, pid: int, visit: tuple[int, dt.date], name: str) -> None:
    conn.execute(
        insert(kiosk_visit_guardian).values(
            pcucode=UNIT,
            visitno=visit[0],
            visitdate=visit[1],
            pcucodeperson=UNIT,
            pid=pid,
            relation="other",
            guardian_name=name,
            recorded_at=dt.datetime(2027, 2, 1, 9),
        )
    )
