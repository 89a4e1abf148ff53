"""The reconstruction schema, its DDL files and our own kiosk_ tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from integrations.jhcis.own_tables import ensure_own_tables, own_metadata
from integrations.jhcis.schema import DDL_FILES, SCHEMA_DIR, create_jhcis_schema, render_ddl
from integrations.jhcis.tables import JHCIS_TABLES, is_optional

ISSUE_TABLES = {
    "person", "visit", "visitdiag", "visitdrug", "visitepi", "visitepiappoint",
    "visitdiagappoint", "visitlabchcyhembmsse", "cdrug", "cdisease", "cright", "ctitle",
    "chospital", "office", "user", "house", "village",
    # issue 25: what JHCIS's own card registration writes, and its area code tables
    "persondeath", "personaddresscontact", "personimages", "cprovince", "cdistrict",
    "csubdistrict",
}  # fmt: skip


def test_declares_exactly_the_tables_of_the_issue() -> None:
    assert {t.name for t in JHCIS_TABLES} == ISSUE_TABLES


def test_composite_keys() -> None:
    keys = {t.name: [c.name for c in t.primary_key.columns] for t in JHCIS_TABLES}
    assert keys["person"] == ["pcucodeperson", "pid"]
    assert keys["visit"] == ["pcucode", "visitno"]
    assert keys["house"] == ["pcucode", "hcode"]
    assert keys["village"] == ["pcucode", "villcode"]


@pytest.mark.parametrize("name", sorted(DDL_FILES))
def test_ddl_files_are_generated_and_labelled(name: str) -> None:
    dialect, charset = DDL_FILES[name]
    on_disk = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert on_disk == render_ddl(dialect, charset), "run: python -m integrations.jhcis.schema"
    assert on_disk.startswith("-- RECONSTRUCTION of the JHCIS schema")
    if dialect == "mysql":
        assert f"CHARSET={charset}" in on_disk and "ENGINE=InnoDB" in on_disk
        # MySQL 5.6: no JSON, no generated columns, no CHECK constraints needed.
        assert "JSON" not in on_disk and "GENERATED" not in on_disk


def test_create_schema_with_and_without_optional_columns(tmp_path: Path) -> None:
    full = create_engine(f"sqlite:///{tmp_path / 'full.sqlite'}")
    old = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    create_jhcis_schema(full)
    create_jhcis_schema(old, include_optional=False, omit_tables=("visitdiag",))
    full_cols = {c["name"] for c in inspect(full).get_columns("visit")}
    old_cols = {c["name"] for c in inspect(old).get_columns("visit")}
    optional = {c.name for c in JHCIS_TABLES_BY_NAME["visit"].columns if is_optional(c)}
    assert optional <= full_cols and not optional & old_cols
    assert "vitalcheck" in full_cols  # a column we never use: reads must tolerate it
    assert set(inspect(full).get_table_names()) == ISSUE_TABLES
    assert "visitdiag" not in inspect(old).get_table_names()


JHCIS_TABLES_BY_NAME = {t.name: t for t in JHCIS_TABLES}


def test_own_tables_are_prefixed_and_created_idempotently(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'own.sqlite'}")
    assert all(name.startswith("kiosk_") for name in own_metadata.tables)
    created = ensure_own_tables(engine)
    assert created == [
        "kiosk_visit",
        "kiosk_pending_authen",
        "kiosk_person_card",
        "kiosk_person_right",
        "kiosk_visit_guardian",
    ]
    assert ensure_own_tables(engine) == []
    assert set(inspect(engine).get_table_names()) == set(created)
