"""A database holding two units' data: numbers stay global, our unit's record wins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from integrations.jhcis import tables as t
from integrations.jhcis.clinic import ClinicDatabase


def test_visitno_is_global_and_own_unit_person_first(jhcis_sqlite_url: str) -> None:
    db = ClinicDatabase.from_url(jhcis_sqlite_url)
    ours = db.find_person_by_cid(_cid_of(db, 3))
    assert ours is not None
    with db.engine.begin() as conn:  # another unit's copy of the same person, newer visits
        conn.execute(
            insert(t.person).values(
                pcucodeperson="88888", pid=1, hcode=1, idcard=ours.cid, fname="x", sex="1"
            )
        )
        for visitno in (5000, 5001):
            conn.execute(
                insert(t.visit).values(pcucode="88888", visitno=visitno, pcucodeperson="88888",
                                       pid=1, visitdate=dt.date(2026, 1, 1))
            )  # fmt: skip
    again = db.find_person_by_cid(ours.cid)
    assert again is not None and again.key == ours.key  # this unit's record, not 88888's
    opened = db.open_visit(ours, at=dt.datetime(2027, 1, 5, 9), idempotency_key="mu-1")
    assert (opened.pcucode, opened.visitno) == ("99901", 5002)
    db.dispose()


def _cid_of(db: ClinicDatabase, pid: int) -> str:
    from sqlalchemy import select

    with db.engine.connect() as conn:
        return str(
            conn.execute(select(t.person.c.idcard).where(t.person.c.pid == pid)).scalar_one()
        )
