"""`backoffice doctor` on good, older and broken JHCIS databases (read-only)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from backoffice.cli import main
from common.cid import cid_check_digit
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.doctor import run_doctor
from integrations.jhcis.engine import open_engine
from integrations.jhcis.records import WalkinIdentity

pytestmark = pytest.mark.integration

CLAIM_ALTER = "ALTER TABLE visit ADD COLUMN claimcode_nhso VARCHAR(50) NULL;"


def cid(n: int) -> str:
    first12 = f"2990{n:08d}"
    return first12 + str(cid_check_digit(first12))


@pytest.mark.parametrize("charset", ["utf8", "tis620"])
def test_good_database(mariadb_databases, charset: str, capsys) -> None:  # type: ignore[no-untyped-def]
    url = mariadb_databases.jhcis(charset)
    report = run_doctor(url)
    assert report.usable and not report.problems
    assert report.unit_code == "99901"
    assert report.dialect == "mysql" and "MariaDB" in report.server_version
    person = next(tb for tb in report.tables if tb.name == "person")
    assert person.charsets["fname"] == ("tis620" if charset == "tis620" else "utf8mb3")
    assert report.alter_statements == []
    assert "***" in report.url and url.split(":")[2].split("@")[0] not in report.url
    assert main(["doctor", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "ใช้งานได้ / Result: usable" in out and "99901" in out
    # Read-only: it did not create our kiosk_ tables (it only says they will be); the
    # fixture's demo marker (kiosk_demo) is the one there.
    engine = open_engine(url)
    assert [n for n in inspect(engine).get_table_names() if n.startswith("kiosk_")] == [
        "kiosk_demo"
    ]
    engine.dispose()


def test_missing_optional_columns(mariadb_databases, capsys) -> None:  # type: ignore[no-untyped-def]
    url = mariadb_databases.jhcis("tis620", include_optional=False)
    assert main(["doctor", "--db", url]) == 0  # usable: optional columns are optional
    out = capsys.readouterr().out
    assert CLAIM_ALTER in out
    report = run_doctor(url)
    # 11, visit.refertohos and receivefromhos, office.tel, person's English name (3),
    # visitepi.datevacineexpire and manufacturer, person.marystatus and occupa,
    # user.noofoccupation
    assert len(report.alter_statements) == 22
    visit = next(tb for tb in report.tables if tb.name == "visit")
    assert "claimcode_nhso" in visit.missing_optional

    # The kiosk still works; the claim fields live in kiosk_visit only.
    db = ClinicDatabase.from_url(url)
    who = db.register_walkin(
        WalkinIdentity(cid=cid(1), title="นาง", first_name="ก", last_name="ข",
                       birth=None, sex="2")
    )  # fmt: skip
    at = dt.datetime(2027, 1, 4, 10, 0)
    opened = db.open_visit(who, at=at, idempotency_key="opt-1", claim_type="PG0060001",
                           claim_code="PP42")  # fmt: skip
    assert db.visit_claim(opened).claim_code == "PP42"
    assert db.find_today_visit(who, at.date()) == opened
    db.dispose()

    # The printed statements are valid: once an administrator runs them, all is present.
    engine = open_engine(url)
    with engine.begin() as conn:
        for statement in report.alter_statements:
            conn.execute(text(statement))
    engine.dispose()
    assert run_doctor(url).alter_statements == []


def test_missing_required_table(mariadb_databases, capsys) -> None:  # type: ignore[no-untyped-def]
    url = mariadb_databases.jhcis("utf8", omit_tables=("visitdiag",))
    assert main(["doctor", "--db", url, "--json"]) == 1
    out = capsys.readouterr().out
    assert "table visitdiag is missing" in out and '"usable": false' in out


def test_unreachable_database(capsys) -> None:  # type: ignore[no-untyped-def]
    url = "mysql+pymysql://nobody:secret-pw@127.0.0.1:9/jhcisdb"
    assert main(["doctor", "--db", url]) == 1
    out = capsys.readouterr().out
    assert "เชื่อมต่อฐานข้อมูล JHCIS ไม่ได้" in out and "NOT usable" in out
    assert "secret-pw" not in out


def test_read_only_session_refuses_writes(mariadb_databases) -> None:  # type: ignore[no-untyped-def]
    url = mariadb_databases.jhcis("utf8", persons=20, visits=20)
    engine = open_engine(url, read_only=True)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE office SET tel = '1'"))
    engine.dispose()


def test_latin1_columns_are_not_usable(mariadb_databases, capsys) -> None:  # type: ignore[no-untyped-def]
    from integrations.jhcis.schema import create_jhcis_schema

    url = mariadb_databases.empty("latin1")
    engine = open_engine(url)
    create_jhcis_schema(engine, "latin1")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO office (offid) VALUES ('99901')"))
    engine.dispose()
    assert main(["doctor", "--db", url]) == 1
    out = capsys.readouterr().out
    assert "person.fname uses charset latin1" in out


def test_the_live_keys_the_provider_and_required_columns(mariadb_databases) -> None:  # type: ignore[no-untyped-def]
    from integrations.jhcis.synth import DEMO_PROVIDER

    url = mariadb_databases.jhcis("tis620")
    report = run_doctor(url, provider=DEMO_PROVIDER)
    assert report.usable, report.problems
    assert report.foreign_keys["visit(pcucode, username) -> user(pcucode, username)"] is True
    assert all(report.foreign_keys.values())  # the reconstruction has every live key
    assert report.provider == DEMO_PROVIDER

    unset = run_doctor(url)
    assert unset.usable and any("kiosk.provider" in w.en for w in unset.warnings)

    made_up = run_doctor(url, provider="kiosk")  # no JHCIS account of the unit
    assert not made_up.usable
    assert any("kiosk.provider" in p.en for p in made_up.problems)

    # A newer JHCIS with a NOT NULL column that a check-in does not write, no default:
    # a strict server would refuse every registration.
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE person ADD COLUMN fingerprint VARCHAR(10) NOT NULL"))
    engine.dispose()
    strict = run_doctor(url, provider=DEMO_PROVIDER)
    assert not strict.usable
    assert any("person.fingerprint" in p.en for p in strict.problems)


def test_display_only_columns_are_optional(mariadb_databases) -> None:  # type: ignore[no-untyped-def]
    url = mariadb_databases.jhcis("tis620")
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE office DROP COLUMN tel"))
    engine.dispose()
    report = run_doctor(url)
    assert report.usable, report.problems  # office.tel is read for the reminders' line only
    assert "ALTER TABLE office ADD COLUMN tel VARCHAR(35) NULL;" in report.alter_statements


def test_doctor_suggests_the_parent_hospital_when_none_is_set(mariadb_databases) -> None:  # type: ignore[no-untyped-def]
    from integrations.jhcis.synth import DEMO_HOSPITAL

    url = mariadb_databases.jhcis("tis620")
    report = run_doctor(url)
    # The synthetic clinic's residents have the synthetic hospital as their main unit.
    assert report.cup_hcode is None and report.cup_suggestion == DEMO_HOSPITAL
    assert any("clinic.cup_hcode" in w.en and DEMO_HOSPITAL in w.en for w in report.warnings)
    chosen = run_doctor(url, cup_hcode=DEMO_HOSPITAL)
    assert chosen.cup_hcode == DEMO_HOSPITAL and chosen.cup_suggestion is None
    assert not any("clinic.cup_hcode" in w.en for w in chosen.warnings)
