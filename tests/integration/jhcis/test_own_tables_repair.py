"""A half-created ``kiosk_`` table (crash between CREATE TABLE and CREATE INDEX) is completed.

MySQL/MariaDB DDL is not transactional and SQLAlchemy emits each ``Index`` separately,
so the crash is simulated by creating a table without its indexes. Runs on SQLite and
on the test MariaDB; every ``kiosk_`` table defined anywhere under ``backoffice`` must
be created through :func:`ensure_kiosk_tables`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    MetaData,
    Table,
    UniqueConstraint,
    create_engine,
    insert,
    inspect,
)

from backoffice.claims.sync import ensure_sync_tables, sync_metadata
from backoffice.claims.tables import CLAIM_TABLES, ensure_claim_tables
from backoffice.jhcis.errors import OwnTableDuplicates, OwnTableIncomplete
from backoffice.jhcis.own_tables import (
    RUNTIME_TABLES,
    ensure_kiosk_tables,
    ensure_own_tables,
    kiosk_demo,
    kiosk_visit,
)
from backoffice.nhso.eclaim_ledger import ECLAIM_TABLES, ensure_eclaim_tables
from backoffice.reminders.ledger import REMINDER_TABLES, ensure_reminder_tables
from backoffice.web.tables import WEB_TABLES, ensure_web_tables

ROOT = Path(__file__).resolve().parents[3]

# Every module's creator and the tables it keeps.
CREATORS: list[tuple[Callable[[Engine], Any], tuple[Table, ...]]] = [
    (ensure_own_tables, RUNTIME_TABLES),
    (lambda e: ensure_own_tables(e, include_demo_marker=True), (kiosk_demo,)),
    (ensure_reminder_tables, tuple(REMINDER_TABLES)),
    (ensure_web_tables, WEB_TABLES),
    (ensure_sync_tables, tuple(sync_metadata.sorted_tables)),
    (ensure_claim_tables, CLAIM_TABLES),
    (ensure_eclaim_tables, ECLAIM_TABLES),
]
COVERED = {t.name: t for _creator, tables in CREATORS for t in tables}


def all_kiosk_tables() -> dict[str, Table]:
    """Every ``kiosk_`` Table defined in any module under ``backoffice``."""
    found: dict[str, Table] = {}
    # By file, not pkgutil: some rooms are namespace packages it would not enter.
    for path in sorted((ROOT / "backoffice").rglob("*.py")):
        if path.name == "__main__.py":
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Table) and value.name.startswith("kiosk_"):
                found[value.name] = value
    return found


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'own.sqlite'}"
    else:
        url = request.getfixturevalue("mariadb_databases").empty("tis620")
    eng = create_engine(url)
    yield eng
    eng.dispose()


def crash_created(engine: Engine, table: Table, *, drop_column: str | None = None) -> None:
    """The table as a crash after CREATE TABLE leaves it: columns, no index or unique key."""
    bare = Table(
        table.name,
        MetaData(),
        *(
            Column(c.name, c.type, primary_key=c.primary_key)
            for c in table.columns
            if c.name != drop_column
        ),
        mysql_engine="InnoDB",
    )
    bare.create(engine)


def index_signatures(engine: Engine, name: str) -> set[tuple[tuple[str, ...], bool]]:
    insp = inspect(engine)
    found = {(tuple(ix["column_names"]), bool(ix["unique"])) for ix in insp.get_indexes(name)}
    found |= {(tuple(uc["column_names"]), True) for uc in insp.get_unique_constraints(name)}
    return found  # type: ignore[return-value]


def wanted_signatures(table: Table) -> set[tuple[tuple[str, ...], bool]]:
    wanted = {(tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            wanted.add((tuple(c.name for c in constraint.columns), True))
    return wanted


def test_every_kiosk_table_is_created_through_the_one_path() -> None:
    assert set(all_kiosk_tables()) == set(COVERED), (
        "create new kiosk_ tables with ensure_kiosk_tables"
    )
    # ... and nothing else creates tables or indexes (the JHCIS reconstruction aside).
    allowed = {
        ROOT / "backoffice/jhcis/own_tables.py",
        ROOT / "backoffice/jhcis/schema/__init__.py",
    }
    offenders = [
        str(path.relative_to(ROOT))
        for room in ("backoffice", "kiosk", "common", "hardware")
        for path in (ROOT / room).rglob("*.py")
        if path not in allowed and re.search(r"\.create\(|create_all\(", path.read_text())
    ]
    assert offenders == []


def test_every_table_has_an_index_to_lose() -> None:
    # The repair test below is only meaningful for tables with secondary indexes.
    assert sum(1 for t in COVERED.values() if wanted_signatures(t)) >= 7


@pytest.mark.parametrize("name", sorted(COVERED))
def test_a_half_created_table_gets_its_indexes(engine: Engine, name: str) -> None:
    table = COVERED[name]
    creator = next(c for c, tables in CREATORS if table in tables)
    crash_created(engine, table)
    if wanted_signatures(table):
        assert not wanted_signatures(table) <= index_signatures(engine, name)
    creator(engine)
    assert wanted_signatures(table) <= index_signatures(engine, name)
    creator(engine)  # idempotent once complete


def test_a_missing_column_is_refused(engine: Engine) -> None:
    crash_created(engine, kiosk_visit, drop_column="queue_no")
    with pytest.raises(OwnTableIncomplete) as caught:
        ensure_own_tables(engine)
    assert caught.value.th and caught.value.en and "kiosk_visit" in caught.value.detail
    assert "queue_no" in caught.value.detail


def test_duplicates_under_a_missing_unique_index_are_refused(engine: Engine) -> None:
    crash_created(engine, kiosk_visit)
    row = {
        "pcucode": "07788", "visitno": 1, "visitdate": dt.date(2026, 1, 2), "queue_no": 3,
        "pcucodeperson": "07788", "pid": 1, "created_at": dt.datetime(2026, 1, 2, 8),
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            insert(kiosk_visit),
            [{**row, "idempotency_key": "a"}, {**row, "idempotency_key": "b", "pid": 2}],
        )
    with pytest.raises(OwnTableDuplicates) as caught:
        ensure_own_tables(engine)
    assert "07788" not in str(caught.value) and "kiosk_visit_queue" in caught.value.detail
    assert caught.value.code == "jhcis_own_table_duplicates"


def test_several_kiosks_completing_at_once(engine: Engine) -> None:
    for table in RUNTIME_TABLES:
        crash_created(engine, table)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            barrier.wait()
            ensure_kiosk_tables(engine, RUNTIME_TABLES)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for table in RUNTIME_TABLES:
        assert wanted_signatures(table) <= index_signatures(engine, table.name)
