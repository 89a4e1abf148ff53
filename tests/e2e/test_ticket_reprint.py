"""The ticket of a visit opened in JHCIS, reprinted at the kiosk (issue 20, item 6): card
through pcscd+vpcd, rights from the NHSO sandbox over HTTP, the visit in MariaDB, the
ticket's ESC/POS bytes decoded back from the loopback printer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import ImageChops
from sqlalchemy import func, select

from hardware.printer import render_ticket
from integrations.jhcis import ClinicDatabase
from integrations.jhcis import tables as t
from kiosk import flow as f

from .conftest import GENERAL, Kiosk
from .test_checkin import a_returning_patient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "tickets"


def jhcis_opens_today(db_url: str, cid: str, today: dt.date) -> tuple[int, int, int]:
    """Staff open the patient's visit in JHCIS itself (no row of ours, so no kiosk queue
    number), after another patient's who still waits. Returns (visitno, its place in
    the day, how many wait ahead of it)."""
    db = ClinicDatabase.from_url(db_url)
    try:
        who = db.find_person_by_cid(cid)
        assert who is not None
        unit = db.unit_code()
        with db.engine.begin() as conn:
            top = int(conn.execute(select(func.max(t.visit.c.visitno))).scalar_one())
            other = conn.execute(
                select(t.person.c.pcucodeperson, t.person.c.pid)
                .where(t.person.c.pid != who.pid)
                .limit(1)
            ).one()
            for visitno, key in ((top + 1, tuple(other)), (top + 2, who.key)):
                conn.execute(
                    t.visit.insert().values(
                        pcucode=unit, visitno=visitno, visitdate=today, pcucodeperson=key[0],
                        pid=key[1], flagservice="01",
                        hiciauthen_nhso=GENERAL if key == who.key else None,
                    )
                )  # fmt: skip
            day = [t.visit.c.pcucode == unit, t.visit.c.visitdate == today]
            place = conn.execute(
                select(func.count()).where(*day, t.visit.c.visitno <= top + 2)
            ).scalar_one()
            ahead = conn.execute(
                select(func.count()).where(
                    *day,
                    t.visit.c.visitno < top + 2,
                    t.visit.c.flagservice == "01",
                    t.visit.c.pid != who.pid,
                )
            ).scalar_one()
        return top + 2, int(place), int(ahead)
    finally:
        db.dispose()


def test_a_visit_opened_in_jhcis_is_reprinted_with_its_place_never_its_visit_number(
    jhcis_mariadb_utf8_url: str, start_kiosk: Callable[..., Kiosk]
) -> None:
    today = dt.date.today()
    cid = a_returning_patient(jhcis_mariadb_utf8_url, today)
    visitno, place, ahead = jhcis_opens_today(jhcis_mariadb_utf8_url, cid, today)
    assert ahead >= 1 and str(place) != str(visitno)
    kiosk = start_kiosk(jhcis_mariadb_utf8_url, cid=cid)
    runtime = kiosk.runtime
    assert runtime.loopback is not None

    state = kiosk.checkin()  # the same service as the visit: its ticket again
    assert state.step == f.Step.DONE, (state.step, state.error_code)
    session = state.session
    assert session is not None and session.reprint and session.visit is not None
    assert session.visit.visitno == visitno
    assert session.visit.queue_label == str(place)  # was "0": JHCIS's visit had no number

    ticket = runtime.printer.last_ticket
    assert ticket is not None
    assert ticket.queue_no == str(place)
    assert ticket.visitno == visitno  # printed as "VN", where it belongs
    assert ticket.right_name == "บัตรทอง (UCS)"  # the sandbox's right, not the claim type
    assert ticket.service_name == "ตรวจรักษาทั่วไป"  # the service, in the clinic's words
    assert ticket.waiting_ahead == ahead
    assert ticket.next_step == runtime.settings.ticket_next_step == "ไปที่จุดซักประวัติ"
    # What reached the printer is that ticket, dot for dot.
    job = runtime.loopback.wait_for_jobs(1)[0]
    assert job.printed and job.image is not None
    expected = render_ticket(ticket, job.image.width)
    assert ImageChops.difference(job.image.convert("L"), expected.convert("L")).getbbox() is None
    SHOTS.mkdir(parents=True, exist_ok=True)
    job.image.save(SHOTS / "reprint-jhcis-visit.png")  # for a person to look at
    kiosk.remove()
