"""The documented least-privilege GRANTs are enough for the kiosk, and no more."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from common.cid import cid_check_digit
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.grants import Role, grant_statements
from integrations.jhcis.records import WalkinIdentity

pytestmark = pytest.mark.integration
ACCESS_DENIED = {1142, 1143, 1044}  # table / column / database access denied


def admin(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def account(mariadb_url: str, mariadb_databases) -> Iterator[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(database URL as admin, user, password) with a fresh account and no grants yet."""
    url = mariadb_databases.jhcis("tis620", persons=50, visits=50)
    user = f"kiosk_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    admin(mariadb_url, f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
    yield url, user, password
    admin(mariadb_url, f"DROP USER IF EXISTS '{user}'@'%'")


def grant(url: str, role: Role, user: str, password: str) -> str:
    database = make_url(url).database
    assert database
    admin(url, *grant_statements(role, database=database, user=user))
    return make_url(url).set(username=user, password=password).render_as_string(False)


def refused(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    except DBAPIError as exc:
        return int(exc.orig.args[0])  # type: ignore[union-attr]
    finally:
        engine.dispose()
    return 0


def test_kiosk_grants_are_enough_and_no_more(account: tuple[str, str, str]) -> None:
    admin_url, user, password = account
    url = grant(admin_url, "kiosk", user, password)
    db = ClinicDatabase.from_url(url)  # creates the kiosk_ tables with table-level CREATE
    first12 = "399000000001"
    who = db.register_walkin(
        WalkinIdentity(cid=first12 + str(cid_check_digit(first12)), title="นาย",
                       first_name="สิทธิ์", last_name="น้อยที่สุด", birth=None, sex="1")
    )  # fmt: skip
    db.update_mobile(who, "0812345678")
    at = dt.datetime(2027, 2, 1, 9, 0)
    opened = db.open_visit(who, at=at, idempotency_key="grant-1", claim_type="PG0060001")
    item = db.record_pending_authen(opened, "PG0060001", "0812345678")
    assert [p.id for p in db.list_pending_authens()] == [item.id]
    db.resolve_pending_authen(item.id, outcome="authenticated", claim_code="PP5", at=at)
    assert db.visit_claim(opened).claim_code == "PP5"
    assert db.find_today_visit(who, at.date()) is not None
    # The ticket's next-vaccine line reads appointments, vaccinations and vaccine names.
    from integrations.jhcis.appointments import next_vaccine_appointment

    assert next_vaccine_appointment(db.engine, who.pcucodeperson, who.pid, at.date()) is None
    # The account created our tables whole, indexes included.
    indexes = {i["name"] for i in inspect(db.engine).get_indexes("kiosk_visit")}
    assert "kiosk_visit_visit" in indexes
    db.dispose()

    assert (
        refused(
            url, "INSERT INTO visitdiag (pcucode, visitno, diagcode) VALUES ('99901', 1, 'J00')"
        )
        in ACCESS_DENIED
    )
    assert refused(url, "SELECT password FROM `user`") in ACCESS_DENIED
    assert refused(url, "DELETE FROM visit") in ACCESS_DENIED
    assert refused(url, "DROP TABLE person") in ACCESS_DENIED
    assert refused(url, "ALTER TABLE visit ADD COLUMN x INT") in ACCESS_DENIED
    assert refused(url, "CREATE TABLE other_table (a INT)") in ACCESS_DENIED


def test_backoffice_grants_read_clinical_tables(account: tuple[str, str, str]) -> None:
    admin_url, user, password = account
    url = grant(admin_url, "backoffice", user, password)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM visitdiag")).scalar_one() > 0
        assert conn.execute(text("SELECT COUNT(*) FROM `user`")).scalar_one() == 3
    engine.dispose()
    assert (
        refused(
            url, "INSERT INTO visitdiag (pcucode, visitno, diagcode) VALUES ('99901', 1, 'J00')"
        )
        in ACCESS_DENIED
    )
    assert refused(url, "DELETE FROM person") in ACCESS_DENIED


def test_doctor_reports_the_accounts_privileges(account: tuple[str, str, str]) -> None:
    from integrations.jhcis.doctor import format_report, run_doctor

    admin_url, user, password = account
    url = grant(admin_url, "kiosk", user, password)
    report = run_doctor(url)
    assert report.account["kiosk"] == []
    assert "SELECT on visitdiag" in report.account["backoffice"]
    assert not any("DELETE" in w.en for w in report.warnings)
    text_ = format_report(report)
    assert "account has the kiosk privileges" in text_ and password not in text_
    assert "*" not in "".join(report.account["backoffice"])  # no raw grant line leaked
    # The test's admin account may do anything: the doctor says so.
    admin_report = run_doctor(admin_url)
    assert admin_report.account == {"kiosk": [], "backoffice": []}
    assert any("DELETE, DROP or ALTER" in w.en for w in admin_report.warnings)


def test_backoffice_account_keeps_the_web_tables(account: tuple[str, str, str]) -> None:
    from backoffice.web.tables import ensure_web_tables

    admin_url, user, password = account
    url = grant(admin_url, "backoffice", user, password)
    engine = create_engine(url)
    try:
        ensure_web_tables(engine)  # created by the least-privilege account itself
    finally:
        engine.dispose()
    assert refused(url, "DELETE FROM kiosk_web_session WHERE id_hash = 'x'") == 0
    assert refused(url, "SELECT COUNT(*) FROM kiosk_audit_log") == 0
    assert refused(url, "DELETE FROM visit") in ACCESS_DENIED
