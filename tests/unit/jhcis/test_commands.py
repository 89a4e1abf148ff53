"""The backoffice commands on SQLite: create-demo's safety, doctor, grants, ddl."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from backoffice.cli import main
from integrations.jhcis.schema import create_jhcis_schema


def test_create_demo_then_refuse_then_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo' / 'jhcis.sqlite'}"
    args = ["jhcis", "create-demo", "--db", url, "--persons", "60", "--visits", "80"]
    assert main(args) == 0
    assert "person 60" in capsys.readouterr().out
    assert main(args) == 1
    assert "--force" in capsys.readouterr().err
    assert main([*args, "--force", "--json"]) == 0
    assert '"person": 60' in capsys.readouterr().out
    assert main(["doctor", "--db", url]) == 0


def test_create_demo_never_touches_a_clinic_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.sqlite"
    create_jhcis_schema(create_engine(f"sqlite:///{path}"))  # JHCIS tables, no demo marker
    before = path.read_bytes()
    args = ["jhcis", "create-demo", "--db", f"sqlite:///{path}", "--persons", "10", "--force"]
    assert main(args) == 1
    assert "never touched" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_doctor_on_sqlite_missing_optional_and_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.sqlite"
    create_jhcis_schema(create_engine(f"sqlite:///{path}"), include_optional=False)
    assert main(["doctor", "--db", f"sqlite:///{path}"]) == 1  # office is empty: no unit code
    out = capsys.readouterr().out
    assert "ALTER TABLE visit ADD COLUMN claimcode_nhso VARCHAR(50) NULL;" in out
    assert "office" in out and "NOT usable" in out
    assert not [
        n
        for n in inspect(create_engine(f"sqlite:///{path}")).get_table_names()
        if n.startswith("kiosk_")
    ]


def test_grants_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["jhcis", "grants", "--role", "kiosk", "--user", "kiosk", "--database", "jhcisdb"])
        == 0
    )
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("GRANT")]
    assert "GRANT SELECT, INSERT, UPDATE ON `jhcisdb`.`visit` TO 'kiosk'@'%';" in lines
    assert not any("DELETE" in line or "DROP" in line for line in lines)
    # Of JHCIS's accounts the kiosk sees two columns, never the passwords.
    assert [line for line in lines if "`user`" in line] == [
        "GRANT SELECT (pcucode, username) ON `jhcisdb`.`user` TO 'kiosk'@'%';"
    ]
    with pytest.raises(SystemExit):
        main(["jhcis", "grants", "--role", "root"])


def test_grants_reject_injection() -> None:
    from integrations.jhcis.grants import grant_statements

    with pytest.raises(ValueError):
        grant_statements("kiosk", database="x'; DROP DATABASE y; --", user="k")


def test_ddl_and_ensure_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jhcis", "ddl", "--dialect", "mysql", "--charset", "tis620"]) == 0
    assert "CHARSET=tis620" in capsys.readouterr().out
    url = f"sqlite:///{tmp_path / 'e.sqlite'}"
    assert main(["jhcis", "ensure-tables", "--db", url]) == 0
    assert "kiosk_visit" in capsys.readouterr().out
    assert main(["jhcis", "ensure-tables", "--db", url]) == 0
    assert capsys.readouterr().out.strip().endswith("-")
