"""Each kiosk adapter against the real module behind it: the clinic database (SQLite and
MariaDB), the NHSO sandbox over HTTP, the loopback ESC/POS printer; and the card mapping."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.config import load_settings
from common.secrets import Secrets
from common.thaidate import PartialDate
from hardware.card import Address, CardData
from hardware.printer import LoopbackPrinter, LoopbackState, printer_from_uri
from integrations.jhcis import ClinicDatabase
from integrations.nhso.providers import AuthenProvider, authen_provider_from_settings
from integrations.nhso.sandbox import SandboxServer
from kiosk.adapters.card import identity_from_card
from kiosk.adapters.clinic import JhcisClinic
from kiosk.adapters.nhso import ProviderAuthen, ProviderRights
from kiosk.adapters.printer import TicketPrinterPort
from kiosk.ports import (
    AuthenRequest,
    DatabaseUnavailable,
    Identity,
    NhsoRefused,
    NhsoUnavailable,
    Patient,
    PrinterFailure,
    TicketRequest,
    VisitRef,
    VisitRequest,
)
from kiosk.testing import sample_identity, synthetic_cid

pytestmark = pytest.mark.integration

DEMO_CID = "1909900123450"
DECEASED_CID = "3100000000080"
NO_CLAIM_TYPES_CID = "1100000000067"
SSS_CID = "3100000000039"
NOW = dt.datetime(2026, 11, 25, 9, 30)


def card(**changes: object) -> CardData:
    base = CardData(
        cid=DEMO_CID,
        title_th="นาย",
        first_name_th="ทดสอบ",
        middle_name_th="",
        last_name_th="ใจดีสาธิต",
        title_en="Mr.",
        first_name_en="Thotsop",
        middle_name_en="",
        last_name_en="Jaidee-Sathit",
        birth_date=PartialDate(1980, 4, 15),
        sex="male",
        issuer="",
        issue_date=None,
        expire_date=None,
        address=Address(house_no="99/9", moo="หมู่ที่ 4", road="ถนนสาธิต"),
    )
    return dataclasses.replace(base, **changes)


def test_card_data_becomes_the_kiosk_identity() -> None:
    identity = identity_from_card(card())
    assert (identity.cid, identity.sex, identity.birth_date) == (
        DEMO_CID,
        "1",
        dt.date(1980, 4, 15),
    )
    assert identity.masked_name == "นาย ทดสอบ ใ•••"
    assert DEMO_CID not in repr(identity)
    # a card with only the birth year: unknown date, never a made-up one
    assert identity_from_card(card(birth_date=PartialDate(1937), sex="female")).birth_date is None
    assert identity_from_card(card(sex="female")).sex == "2"


# --- clinic -------------------------------------------------------------------------------


def request_for(identity: Identity, patient: Patient, key: str, **changes: object) -> VisitRequest:
    base = VisitRequest(
        checkin_id=key,
        identity=identity,
        patient=patient,
        claim_type="PG0060001",
        claim_type_name="general",
        authen_status="ok",
        claim_code="PP1000000001",
        mobile="0899999999",
        requested_at=NOW,
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture(params=["sqlite", "mariadb"])
def clinic(request: pytest.FixtureRequest) -> Iterator[JhcisClinic]:
    fixture = "jhcis_sqlite_url" if request.param == "sqlite" else "jhcis_mariadb_utf8_url"
    url = request.getfixturevalue(fixture)
    db = ClinicDatabase.from_url(url)
    yield JhcisClinic(db, clock=lambda: NOW)
    db.dispose()


def test_clinic_registers_finds_and_opens_idempotently(clinic: JhcisClinic) -> None:
    identity = dataclasses.replace(sample_identity(), cid=synthetic_cid(880001))
    first = clinic.identify(identity)
    assert first.newly_registered and first.pid is None and first.visits_today == ()
    assert clinic.db.find_person_by_cid(identity.cid) is None  # identify writes nothing

    key = "a" * 32
    visit = clinic.open_visit(request_for(identity, first, key, mobile_changed=True))
    again = clinic.identify(identity)  # the check-in registered the walk-in
    assert not again.newly_registered and again.pid is not None
    assert clinic.open_visit(request_for(identity, first, key)) == visit  # replay: same visit
    assert clinic.open_visit(request_for(identity, again, key)) == visit
    assert (visit.claim_type, visit.claim_code) == ("PG0060001", "PP1000000001")
    after = clinic.identify(identity)
    assert [v.visitno for v in after.visits_today] == [visit.visitno]
    assert after.visit_today_for("PG0060001") is not None
    assert after.mobile == "0899999999"  # the confirmed mobile was stored


def test_clinic_records_pending_authen_and_resolves_offline_patients(clinic: JhcisClinic) -> None:
    identity = dataclasses.replace(sample_identity(), cid=synthetic_cid(880002))
    request = request_for(
        identity,
        Patient.unresolved(),  # journaled while the database was down
        "b" * 32,
        authen_status="pending",
        claim_code=None,
    )
    visit = clinic.open_visit(request)
    assert visit.claim_code is None
    pending = [p for p in clinic.db.list_pending_authens() if p.visitno == visit.visitno]
    assert len(pending) == 1 and pending[0].claim_type == "PG0060001"
    clinic.open_visit(request)
    assert len([p for p in clinic.db.list_pending_authens() if p.visitno == visit.visitno]) == 1


def test_clinic_unreachable_is_database_unavailable(tmp_path: Path) -> None:
    db = ClinicDatabase.from_url(
        "mysql+pymysql://nobody:x@127.0.0.1:9/jhcis", hcode="99999", connect_timeout_s=1
    )
    clinic = JhcisClinic(db)
    with pytest.raises(DatabaseUnavailable) as caught:
        clinic.identify(sample_identity())
    assert sample_identity().cid not in str(caught.value)
    with pytest.raises(DatabaseUnavailable):
        clinic.open_visit(request_for(sample_identity(), Patient.unresolved(), "c" * 32))


# --- NHSO ---------------------------------------------------------------------------------


def test_journaled_repeat_of_the_day_reuses_the_visit(clinic: JhcisClinic) -> None:
    """Database down at a returning patient's second check-in: the replay opens no second visit."""
    identity = dataclasses.replace(sample_identity(), cid=synthetic_cid(880003))
    online = clinic.open_visit(request_for(identity, clinic.identify(identity), "c" * 32))
    offline = request_for(identity, Patient.unresolved(), "d" * 32)
    replayed = clinic.open_visit(offline)
    assert replayed.visitno == online.visitno
    assert clinic.open_visit(offline).visitno == online.visitno  # replayed twice
    assert [v.visitno for v in clinic.identify(identity).visits_today] == [online.visitno]
    # Another claim type the same day is a visit of its own.
    other = clinic.open_visit(request_for(identity, Patient.unresolved(), "e" * 32,
                                          claim_type="PG0110001", claim_code=None))  # fmt: skip
    assert other.visitno != online.visitno


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(port=0, card_cid=DEMO_CID) as server:
        yield server


def provider_for(server: SandboxServer) -> AuthenProvider:
    settings = load_settings(None, {"nhso.sandbox_port": server.port, "nhso.timeout_s": 3})
    return authen_provider_from_settings(settings, Secrets())


def identity_with(cid: str) -> Identity:
    return dataclasses.replace(sample_identity(), cid=cid)


def test_rights_and_authen_through_the_sandbox(sandbox: SandboxServer) -> None:
    provider = provider_for(sandbox)
    rights = ProviderRights(provider).check(identity_with(DEMO_CID))
    assert rights.claim_types[0].code == "PG0060001" and rights.main_inscl
    assert rights.correlation_id
    patient = Patient(pcucode="99901", pid=401)
    request = AuthenRequest(
        checkin_id="d" * 32,
        identity=identity_with(DEMO_CID),
        patient=patient,
        claim_type="PG0060001",
        mobile="0812345678",
        correlation_id=rights.correlation_id,
    )
    authen = ProviderAuthen(provider)
    first = authen.authenticate(request)
    assert first.claim_code and not first.reused
    second = authen.authenticate(request)  # NHSO already has today's code: reuse it
    assert second.claim_code == first.claim_code and second.reused
    assert len(sandbox.authens(DEMO_CID)) == 1

    sandbox.set_faults(server_error=True)
    with pytest.raises(NhsoUnavailable):
        ProviderRights(provider).check(identity_with(DEMO_CID))
    provider.close()


def test_no_rights_and_refusals(sandbox: SandboxServer) -> None:
    provider = provider_for(sandbox)
    sandbox.insert_card(NO_CLAIM_TYPES_CID)
    assert ProviderRights(provider).check(identity_with(NO_CLAIM_TYPES_CID)).claim_types == ()
    sandbox.insert_card(DECEASED_CID)
    try:
        rights = ProviderRights(provider).check(identity_with(DECEASED_CID))
    except NhsoRefused as exc:
        assert exc.reason.startswith("nhso.")
    else:
        assert rights.claim_types == ()
    # the card in NHSO's reader is someone else's: ask again later, never refuse
    sandbox.insert_card(SSS_CID)
    with pytest.raises(NhsoUnavailable):
        ProviderRights(provider).check(identity_with(DEMO_CID))
    provider.close()


# --- printer ------------------------------------------------------------------------------


def ticket(code: str | None = "PP2000000002", **changes: object) -> TicketRequest:
    base = TicketRequest(
        queue_label="7",
        local=False,
        masked_name="นาย ทดสอบ ใ•••",
        claim_type="PG0060001",
        claim_type_name="เข้ารับบริการรักษาทั่วไป",
        claim_code=code,
        authen_status="ok" if code else "pending",
        visit=VisitRef("99901", 1234, 7, "PG0060001", code),
        issued_at=NOW,
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def loopback() -> Iterator[LoopbackPrinter]:
    with LoopbackPrinter(width_dots=576) as printer:
        yield printer


def test_ticket_reaches_the_loopback_printer(loopback: LoopbackPrinter) -> None:
    import zxingcpp

    port = TicketPrinterPort(
        printer_from_uri(loopback.uri), clinic_name="รพ.สต. ทดสอบ", sandbox=True
    )
    port.print_ticket(ticket())
    job = loopback.wait_for_jobs(1)[0]
    assert job.printed and job.image is not None
    assert [r.text for r in zxingcpp.read_barcodes(job.image.convert("L"))] == ["PP2000000002"]
    assert port.last_ticket is not None and port.last_ticket.sandbox
    assert port.last_ticket.visitno == 1234

    port.print_ticket(ticket(None, local=True, queue_label="L001", counter_reason="database"))
    assert port.last_ticket.claim_code_pending and port.last_ticket.local_queue
    assert port.last_ticket.visitno is None


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        (LoopbackState.PAPER_OUT, "paper_out"),
        (LoopbackState.COVER_OPEN, "cover_open"),
        (LoopbackState.OFFLINE, "offline"),
    ],
)
def test_printer_faults_become_failure_kinds(
    loopback: LoopbackPrinter, state: LoopbackState, kind: str
) -> None:
    loopback.state = state
    port = TicketPrinterPort(printer_from_uri(loopback.uri), clinic_name="x")
    with pytest.raises(PrinterFailure) as caught:
        port.print_ticket(ticket())
    assert caught.value.kind == kind
    assert not any(job.printed for job in loopback.jobs)


def test_the_staff_test_slip_prints_and_reports_printer_faults(loopback: LoopbackPrinter) -> None:
    port = TicketPrinterPort(printer_from_uri(loopback.uri), clinic_name="รพ.สต.ทดสอบ")
    port.print_test_slip()
    (job,) = loopback.wait_for_jobs(1)
    assert job.printed and job.image is not None and job.image.height > 200
    loopback.state = LoopbackState.PAPER_OUT
    with pytest.raises(PrinterFailure) as caught:
        port.print_test_slip()
    assert caught.value.kind == "paper_out"


def test_the_next_vaccine_appointment_comes_with_the_patient_and_prints(
    loopback: LoopbackPrinter, jhcis_sqlite_url: str
) -> None:
    from integrations.jhcis.synth_cases import TODAY, UNIT, seed_known_appointments

    db = ClinicDatabase.from_url(jhcis_sqlite_url)
    seed_known_appointments(db.engine)  # pid 1: BCG due the day after TODAY
    holder = db.get_person(UNIT, 1)
    assert holder is not None
    clinic = JhcisClinic(db, clock=lambda: dt.datetime.combine(TODAY, dt.time(9, 0)))
    patient = clinic.identify(dataclasses.replace(sample_identity(), cid=holder.cid))
    upcoming = patient.next_appointment
    assert upcoming is not None and upcoming.day == TODAY + dt.timedelta(days=1)

    # The printer only renders what the ticket request carries: no database behind it.
    port = TicketPrinterPort(printer_from_uri(loopback.uri), clinic_name="x")
    port.print_ticket(ticket(next_appointment=upcoming))
    assert port.last_ticket is not None and port.last_ticket.next_appointment is not None
    assert port.last_ticket.next_appointment.date == upcoming.day
    assert port.last_ticket.next_appointment.description == f"รับวัคซีน {upcoming.vaccine}"
    port.print_ticket(ticket(next_appointment=None))
    assert port.last_ticket.next_appointment is None
    assert len(loopback.wait_for_jobs(2)) == 2
    db.dispose()


def test_a_deceased_or_discharged_record_is_sent_to_staff(clinic: JhcisClinic) -> None:
    from integrations.jhcis import tables as t
    from integrations.jhcis.errors import PersonNeedsStaff

    dead = dataclasses.replace(sample_identity(), cid=synthetic_cid(880010))
    gone = dataclasses.replace(sample_identity(), cid=synthetic_cid(880011))
    for identity in (dead, gone):
        first = clinic.identify(identity)
        clinic.open_visit(request_for(identity, first, f"reg-{identity.cid}".ljust(32, "0")))
    dead_person = clinic.db.find_person_by_cid(dead.cid)
    gone_person = clinic.db.find_person_by_cid(gone.cid)
    assert dead_person is not None and gone_person is not None
    with clinic.db.engine.begin() as conn:
        conn.execute(
            t.persondeath.insert().values(
                pcucodeperson=dead_person.pcucodeperson, pid=dead_person.pid,
                deaddate=dt.date(2026, 11, 1),
            )
        )  # fmt: skip
        conn.execute(
            t.person.update()
            .where(t.person.c.pcucodeperson == gone_person.pcucodeperson,
                   t.person.c.pid == gone_person.pid)
            .values(dischargetype="2")  # moved away
        )  # fmt: skip
    assert clinic.identify(dead).needs_staff == "deceased"
    assert clinic.identify(gone).needs_staff == "discharged"
    # A check-in journaled while the database was down meets the same rule on replay.
    replay = request_for(dead, Patient.unresolved(), "z" * 32)
    with pytest.raises(PersonNeedsStaff) as caught:
        clinic.open_visit(replay)
    assert caught.value.reason == "deceased" and dead.cid not in str(caught.value)
    assert "เจ้าหน้าที่" in caught.value.th  # neutral: it says nothing of the reason
    assert "เสียชีวิต" not in caught.value.th
