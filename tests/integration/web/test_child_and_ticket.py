"""Issue 20 in Chromium against the running backoffice (MariaDB + NHSO sandbox over HTTP):
a child without an ID card checked in by staff with who brought them (item 7), and the
reprinted ticket of a visit opened in JHCIS itself (item 6)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image, ImageChops
from sqlalchemy import func, select

from backoffice.testing import walkin_cid
from hardware.printer import TicketData, TicketPrinter, render_ticket
from integrations.jhcis import tables as t
from integrations.jhcis.own_tables import kiosk_visit_guardian
from integrations.jhcis.records import Person, WalkinIdentity
from integrations.jhcis.tables import person

from .conftest import NOW, UNIT, Site, shot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.web]

MOTHER_NAME = "มารดาทดสอบ พามาฉีดวัคซีน"


def register(site: Site, serial: int, title: str, birth: dt.date, sex: str) -> tuple[Person, str]:
    cid = walkin_cid(serial)
    who = site.deps.clinic.register_walkin(
        WalkinIdentity(
            cid=cid, title=title, first_name="ทดสอบ", last_name=f"ครอบครัว{serial}",
            birth=birth, sex=sex,
        ),
        at=NOW.replace(hour=7),
    )  # fmt: skip
    return who, cid


@pytest.fixture(scope="module")
def family(site: Site) -> dict[str, tuple[Person, str]]:
    return {
        "child": register(site, 620001, "ด.ญ.", dt.date(2022, 5, 1), "2"),  # 3 years old
        "mother": register(site, 620002, "นาง", dt.date(1994, 2, 2), "2"),
    }


def _type_cid_and_find(page: Any, cid: str) -> None:
    page.goto("/checkin")
    page.fill("#cid", cid)
    page.click("#find")
    page.wait_for_selector("#person-name")


def test_a_child_without_a_card_is_checked_in_with_who_brought_them(
    page: Any, site: Site, family: dict[str, tuple[Person, str]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    (child, child_cid), (mother, mother_cid) = family["child"], family["mother"]
    sign_in(page, "t_staff")
    _type_cid_and_find(page, child_cid)
    assert "บัตรของผู้ปกครองแทนเด็กไม่ได้" in page.inner_text("#child-note")
    assert page.get_attribute("#guardian-relation-authen", "required") is not None
    shot(page, "checkin-child")

    # Nobody named (the browser's check taken away): refused, nothing opened or asked.
    page.evaluate(
        "document.querySelectorAll('#guardian-authen [required]')"
        ".forEach(e => e.removeAttribute('required'))"
    )
    page.fill("#mobile", "0812345678")
    page.click("#open-authen")
    box = page.locator("[data-error-code]")
    assert box.get_attribute("data-error-code") == "checkin.guardian_needed"
    assert site.deps.clinic.visits_on(child, NOW.date()) == []
    assert site.sandbox.authens(child_cid) == []

    page.select_option("#guardian-relation-authen", "mother")
    page.fill("#guardian-name-authen", MOTHER_NAME)
    page.fill("#guardian-cid-authen", mother_cid)
    page.fill("#mobile", "0812345678")
    page.click("#open-authen")
    page.wait_for_url(re.compile(r"/visits/\d+/\d+\?done=opened"))
    # The Authen Code is the child's own, asked without a card by the staff member.
    issued = [r for r in site.sandbox.authens(child_cid) if r.source_channel == "AUTHENCODE_API"]
    assert len(issued) == 1 and page.inner_text("#claim-code") == issued[0].claim_code
    assert site.sandbox.authens(mother_cid) == []  # the guardian is no part of it
    guardian = page.inner_text("#guardian")
    assert "มารดา" in guardian and MOTHER_NAME in guardian and str(mother.pid) in guardian
    shot(page, "checkin-child-done")

    # Recorded with the visit, in our own table: the guardian's JHCIS key, never the ID.
    (visit,) = site.deps.clinic.visits_on(child, NOW.date())
    with site.deps.clinic.engine.connect() as conn:
        rows = conn.execute(
            select(kiosk_visit_guardian).where(kiosk_visit_guardian.c.visitno == visit.visitno)
        ).mappings().all()  # fmt: skip
        mother_row = conn.execute(
            select(person).where(person.c.pcucodeperson == mother.pcucodeperson,
                                 person.c.pid == mother.pid)
        ).mappings().one()  # fmt: skip
    assert len(rows) == 1
    row = rows[0]
    assert (row["relation"], row["guardian_name"]) == ("mother", MOTHER_NAME)
    assert (row["guardian_pcucodeperson"], row["guardian_pid"]) == mother.key
    assert (row["pcucodeperson"], row["pid"], row["recorded_by"]) == (*child.key, "t_staff")
    assert mother_cid not in {str(v) for v in row.values()}
    # JHCIS's own person rows are untouched by it.
    assert mother_row["idcard"] == mother_cid
    # Neither citizen ID nor the guardian's name in any log line.
    for secret in (child_cid, mother_cid, MOTHER_NAME):
        assert secret not in caplog.text


def test_a_guardian_id_that_is_the_childs_own_is_refused(
    page: Any, site: Site, family: dict[str, tuple[Person, str]]
) -> None:
    child, child_cid = family["child"]
    sign_in(page, "t_staff")
    _type_cid_and_find(page, child_cid)
    page.select_option("#guardian-relation-plain", "other")
    page.fill("#guardian-name-plain", "ยายทดสอบ")
    page.fill("#guardian-cid-plain", child_cid)
    visits = len(site.deps.clinic.visits_on(child, NOW.date()))
    page.click("#open-plain")
    assert page.get_attribute("[data-error-code]", "data-error-code") == (
        "checkin.guardian_is_patient"
    )
    assert len(site.deps.clinic.visits_on(child, NOW.date())) == visits


class Recording:
    """The configured printer, keeping what it was asked to print."""

    def __init__(self, inner: TicketPrinter, seen: list[TicketData]) -> None:
        self.inner, self.seen = inner, seen

    def print_ticket(self, data: TicketData) -> Any:
        self.seen.append(data)
        return self.inner.print_ticket(data)


@pytest.fixture
def printed(site: Site) -> Iterator[list[TicketData]]:
    seen: list[TicketData] = []
    original = site.deps.printer
    site.deps.printer = lambda: Recording(original(), seen)  # type: ignore[assignment]
    yield seen
    site.deps.printer = original


def test_reprint_of_a_visit_opened_in_jhcis_prints_its_place_not_its_visit_number(
    page: Any, site: Site, printed: list[TicketData]
) -> None:
    clinic = site.deps.clinic
    who, _cid = register(site, 620010, "นาย", dt.date(1960, 3, 3), "1")
    with clinic.engine.begin() as conn:  # staff open the visit in JHCIS itself
        top = conn.execute(select(func.max(t.visit.c.visitno))).scalar_one()
        conn.execute(
            t.visit.insert().values(
                pcucode=UNIT, visitno=top + 1, visitdate=NOW.date(),
                pcucodeperson=who.pcucodeperson, pid=who.pid, flagservice="01", rightcode="10",
                timestart=dt.time(9, 50),
            )
        )  # fmt: skip
        day = [t.visit.c.pcucode == UNIT, t.visit.c.visitdate == NOW.date()]
        place = conn.execute(select(func.count()).where(*day)).scalar_one()
        ahead = conn.execute(
            select(func.count()).where(*day, t.visit.c.flagservice == "01",
                                       t.visit.c.visitno <= top)
        ).scalar_one()  # fmt: skip
    visitno = top + 1
    sign_in(page, "t_staff")
    page.goto(f"/visits/{UNIT}/{visitno}")
    page.wait_for_function("document.getElementById('ticket-preview').naturalWidth > 0")
    page.click("#reprint")
    page.wait_for_selector("[role=status]")
    (ticket,) = printed
    assert ticket.queue_no == str(place) and ticket.queue_no != str(visitno)
    assert ticket.visitno == visitno  # as "VN", where it belongs
    assert ticket.right_name == "ข้าราชการ (OFC)"  # JHCIS's right of the visit
    assert ticket.waiting_ahead == ahead
    assert ticket.next_step == "ไปที่จุดซักประวัติ"
    # The preview staff see is that same ticket.
    reply = page.request.get(f"/visits/{UNIT}/{visitno}/ticket.png")
    preview = Image.open(io.BytesIO(reply.body())).convert("L")
    width = site.deps.settings.printer.width_dots
    expected = render_ticket(ticket, width, site.deps.settings.kiosk.font_path)
    assert ImageChops.difference(preview, expected.convert("L")).getbbox() is None
    shot(page, "visit-reprint-jhcis-opened")
