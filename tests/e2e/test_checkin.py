"""End to end: card through pcscd+vpcd, NHSO sandbox over HTTP, visit in MariaDB, ticket
to the loopback printer; then a fault injected at each external step."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common.cid import is_valid_cid
from kiosk import flow as f
from kiosk.flow import is_valid_mobile
from kiosk.journal import Journal, replay

from .conftest import GENERAL, Kiosk, TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

StartKiosk = Callable[..., Kiosk]


def qr_codes(image: Any) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def visit_row(db_url: str, pcucode: str, visitno: int) -> dict[str, Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT visitno, visitdate, hiciauthen_nhso, claimcode_nhso, pid"
                    " FROM visit WHERE pcucode = :p AND visitno = :v"
                ),
                {"p": pcucode, "v": visitno},
            ).mappings()
            return dict(row.one())
    finally:
        engine.dispose()


def visits_today(kiosk: Kiosk, cid: str) -> list[Any]:
    db = kiosk.runtime.clinic_db
    person = db.find_person_by_cid(cid)
    if person is None:
        return []
    return db.visits_on(person, kiosk.runtime.services.clock().date())


def wait_for_print_failure(kiosk: Kiosk, timeout: float = 5) -> list[dict[str, Any]]:
    """The health file's print failures, once the worker has noted one (it does so just
    after the counter screen is shown)."""
    deadline = time.monotonic() + timeout
    while True:
        failures: list[dict[str, Any]] = kiosk.controller.effects.health.snapshot()[
            "print_failures"
        ]
        if failures or time.monotonic() > deadline:
            return failures
        time.sleep(0.05)


def card_cid(kiosk: Kiosk) -> str:
    card = kiosk.runtime.virtual_card
    assert card is not None
    return card.applet.profile.cid


def a_returning_patient(db_url: str, today: dt.date) -> str:
    """The citizen ID of a person JHCIS knows, with a mobile on file, not one for the
    staff (deceased, moved away) and without a visit today."""
    from integrations.jhcis import ClinicDatabase

    db = ClinicDatabase.from_url(db_url)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT idcard FROM person WHERE mobile IS NOT NULL"))
            cids = sorted(str(row[0]) for row in rows if row[0] and is_valid_cid(str(row[0])))
        for cid in cids:
            person = db.find_person_by_cid(cid)
            if (
                person is not None
                and is_valid_mobile(person.mobile or "")
                and not person.inactive_reason
                and not db.visits_on(person, today)
            ):
                return cid
    finally:
        db.dispose()
    raise AssertionError("the synthetic clinic has no returning patient with a mobile")


def test_a_returning_patient_checks_in_with_one_touch(
    jhcis_mariadb_utf8_url: str, start_kiosk: StartKiosk
) -> None:
    # NHSO (the sandbox) offers four claim types; the clinic's main one goes first, so
    # the one touch is "yes, this number" (the screen names the service).
    cid = a_returning_patient(jhcis_mariadb_utf8_url, dt.date.today())
    kiosk = start_kiosk(jhcis_mariadb_utf8_url, cid=cid)
    runtime = kiosk.runtime
    assert runtime.sandbox is not None
    state = kiosk.checkin()
    assert state.step == f.Step.DONE, (state.step, state.error_code)
    assert kiosk.taps == 1
    session = state.session
    assert session is not None and session.authen is not None and session.rights is not None
    assert len(session.rights.claim_types) > 1 and session.claim_type is not None
    assert session.claim_type.code == GENERAL and not session.mobile_changed
    assert [a.claim_type for a in runtime.sandbox.authens(cid)] == [GENERAL]
    kiosk.remove()


def test_checkin_then_same_day_reprint(
    jhcis_mariadb_utf8_url: str, start_kiosk: StartKiosk
) -> None:
    kiosk = start_kiosk(jhcis_mariadb_utf8_url)
    runtime = kiosk.runtime
    assert runtime.sandbox is not None and runtime.loopback is not None
    cid = card_cid(kiosk)

    state = kiosk.checkin()
    assert state.step == f.Step.DONE, (state.step, state.error_code)
    # A first-time patient: the service (the main one, of the sandbox's four), then
    # ten digits and OK on the keypad.
    assert state.session is not None and state.session.patient is not None
    assert state.session.patient.newly_registered
    assert kiosk.taps == 12
    session = state.session
    assert session is not None and session.authen is not None and session.visit is not None
    code = session.authen.claim_code
    assert session.authen_status == "ok" and code.startswith("PP")

    # the visit row, read straight from MariaDB, carries the claim fields
    row = visit_row(jhcis_mariadb_utf8_url, session.visit.pcucode, session.visit.visitno)
    assert row["claimcode_nhso"] == code
    assert row["hiciauthen_nhso"] == GENERAL
    # NHSO (the sandbox, over HTTP) issued exactly that code
    assert [a.claim_code for a in runtime.sandbox.authens(cid)] == [code]
    # the ticket's ESC/POS bytes reached the printer and its QR decodes to the code
    job = runtime.loopback.wait_for_jobs(1)[0]
    assert job.printed and job.image is not None
    assert qr_codes(job.image) == [code]

    idle = kiosk.remove()
    assert idle.session is None

    # the same person again the same day: the visit's ticket again, no second authen
    # (asked what for: back the same day, it may be for another service)
    again = kiosk.checkin()
    assert again.step == f.Step.DONE and kiosk.taps == 1
    assert again.session is not None and again.session.reprint
    assert again.session.visit is not None
    assert again.session.visit.visitno == session.visit.visitno
    assert again.session.authen_status == "reused"
    assert len(runtime.sandbox.authens(cid)) == 1
    assert len(visits_today(kiosk, cid)) == 1
    second = runtime.loopback.wait_for_jobs(2)[1]
    assert second.printed and qr_codes(second.image) == [code]
    kiosk.remove()


def test_card_pulled_mid_flow_wipes_the_session(
    jhcis_mariadb_utf8_url: str, start_kiosk: StartKiosk
) -> None:
    kiosk = start_kiosk(jhcis_mariadb_utf8_url, serial=7101)
    cid = card_cid(kiosk)
    waiting = kiosk.insert()
    assert waiting.step == f.Step.RIGHTS_CHECKED  # the sandbox offers several claim types
    assert waiting.session is not None and waiting.session.identity is not None

    card = kiosk.runtime.virtual_card
    assert card is not None
    card.remove()
    # Said so on the screen ("cancelled"), and nothing personal left for it to show.
    cancelled = kiosk.wait(lambda s: s.step == f.Step.CANCELLED, timeout=3)
    assert cancelled.session is None and cancelled.cancel_reason == "card_removed"
    assert kiosk.runtime.sandbox is not None and kiosk.runtime.sandbox.authens(cid) == []
    assert visits_today(kiosk, cid) == []
    assert kiosk.runtime.loopback is not None and kiosk.runtime.loopback.jobs == []


def test_nhso_down_gives_a_pending_visit_and_ticket(
    jhcis_mariadb_utf8_url: str, start_kiosk: StartKiosk
) -> None:
    kiosk = start_kiosk(jhcis_mariadb_utf8_url, serial=7102)
    runtime = kiosk.runtime
    assert runtime.sandbox is not None and runtime.loopback is not None
    cid = card_cid(kiosk)
    runtime.sandbox.set_faults(server_error=True)

    state = kiosk.checkin()
    assert state.step == f.Step.DONE
    session = state.session
    assert session is not None and session.visit is not None
    assert session.authen_status == "pending" and session.authen is None
    row = visit_row(jhcis_mariadb_utf8_url, session.visit.pcucode, session.visit.visitno)
    assert row["claimcode_nhso"] in (None, "")
    pending = runtime.clinic_db.list_pending_authens()
    assert [(p.visitno, p.claim_type) for p in pending if p.visitno == session.visit.visitno] == [
        (session.visit.visitno, GENERAL)
    ]
    # the ticket says the code is pending: no QR, the pending wording instead
    assert runtime.printer.last_ticket is not None
    assert runtime.printer.last_ticket.claim_code_pending
    job = runtime.loopback.wait_for_jobs(1)[0]
    assert job.printed and qr_codes(job.image) == []
    runtime.sandbox.clear_faults()
    assert runtime.sandbox.authens(cid) == []
    kiosk.remove()


@pytest.fixture
def proxy(mariadb_url: str) -> Iterator[TcpProxy]:
    url = make_url(mariadb_url)
    relay = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
    yield relay
    relay.close()


def test_database_down_journals_then_replays_once(
    jhcis_mariadb_utf8_url: str,
    start_kiosk: StartKiosk,
    proxy: TcpProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    through_proxy = (
        make_url(jhcis_mariadb_utf8_url)
        .set(host="127.0.0.1", port=proxy.port)
        .render_as_string(hide_password=False)
    )
    kiosk = start_kiosk(through_proxy, serial=7103)
    runtime = kiosk.runtime
    assert runtime.loopback is not None
    cid = card_cid(kiosk)
    proxy.cut()

    state = kiosk.checkin()
    assert state.step == f.Step.DONE, (state.step, state.error_code)
    session = state.session
    assert session is not None and session.visit is not None and session.authen is not None
    assert session.visit.local and session.visit.queue_label.startswith("L")
    job = runtime.loopback.wait_for_jobs(1)[0]
    assert job.printed and qr_codes(job.image) == [session.authen.claim_code]
    journal = kiosk.controller.effects.journal
    assert journal is not None and journal.pending_count() == 1
    kiosk.remove()
    kiosk.controller.stop()  # the replay below is the only writer

    proxy.restore()
    # A crash between opening the visit and marking the entry replayed...
    calls = {"n": 0}
    real_mark = Journal.mark_replayed

    def crash(self: Journal, seq: int, visit: Any) -> None:
        calls["n"] += 1
        raise RuntimeError("power cut")

    monkeypatch.setattr(Journal, "mark_replayed", crash)
    clinic = runtime.services.clinic
    for _ in range(5):  # the pool may hand out a connection the cut broke first
        try:
            report = replay(journal, clinic)
        except RuntimeError:
            break
        assert report.stopped_by_outage
    assert calls["n"] == 1
    assert len(visits_today(kiosk, cid)) == 1
    # ...and the replay after the restart: the same visit, never a second one.
    monkeypatch.setattr(Journal, "mark_replayed", real_mark)
    report = replay(journal, clinic)
    assert (report.replayed, report.remaining) == (1, 0)
    visits = visits_today(kiosk, cid)
    assert len(visits) == 1
    row = visit_row(jhcis_mariadb_utf8_url, visits[0].pcucode, visits[0].visitno)
    assert row["claimcode_nhso"] == session.authen.claim_code
    assert replay(journal, clinic).replayed == 0


def test_printer_out_of_paper_then_reprint(
    jhcis_mariadb_utf8_url: str, start_kiosk: StartKiosk
) -> None:
    from hardware.printer import LoopbackState

    kiosk = start_kiosk(jhcis_mariadb_utf8_url, serial=7104)
    runtime = kiosk.runtime
    assert runtime.loopback is not None and runtime.sandbox is not None
    cid = card_cid(kiosk)
    runtime.loopback.state = LoopbackState.PAPER_OUT

    state = kiosk.checkin()
    assert state.step == f.Step.GO_TO_COUNTER and state.counter_reason == "printer"
    session = state.session
    assert session is not None and session.visit is not None and session.authen is not None
    code = session.authen.claim_code
    # staff see it (the health file the backoffice reads) and the visit stands
    failures = wait_for_print_failure(kiosk)
    assert failures[-1]["visitno"] == session.visit.visitno
    assert failures[-1]["kind"] == "paper_out"
    assert (
        visit_row(jhcis_mariadb_utf8_url, session.visit.pcucode, session.visit.visitno)[
            "claimcode_nhso"
        ]
        == code
    )
    assert not any(job.printed for job in runtime.loopback.jobs)
    kiosk.remove()

    # paper loaded: the card again reprints the same visit's ticket, no second authen
    runtime.loopback.state = LoopbackState.READY
    again = kiosk.checkin()
    assert again.step == f.Step.DONE and again.session is not None
    assert again.session.reprint and again.session.visit is not None
    assert again.session.visit.visitno == session.visit.visitno
    printed = [job for job in runtime.loopback.jobs if job.printed]
    assert len(printed) == 1 and qr_codes(printed[0].image) == [code]
    assert len(runtime.sandbox.authens(cid)) == 1
    kiosk.remove()
