"""synth_cases writes made-up rows into JHCIS tables only where the demo marker is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from integrations.jhcis import tables as t
from integrations.jhcis.demo_marker import is_demo, mark_demo
from integrations.jhcis.engine import open_engine
from integrations.jhcis.errors import NotADemoDatabase
from integrations.jhcis.schema import create_jhcis_schema
from integrations.jhcis.synth import generate
from integrations.jhcis.synth_cases import (
    UNIT,
    StaffAccount,
    add_staff_accounts,
    seed_known_appointments,
)


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)])
def unmarked(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A JHCIS database full of synthetic rows but without the marker: a clinic's, as far
    as anyone can tell."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    else:
        url = request.getfixturevalue("mariadb_databases").empty("utf8")
    engine = open_engine(url)
    create_jhcis_schema(engine)
    generate(engine, persons=20, visits=10, seed=7)
    yield engine
    engine.dispose()


def _counts(engine: Engine) -> tuple[int, ...]:
    tables = (t.visit, t.visitepiappoint, t.visitdiagappoint, t.visitepi, t.user)
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(x)).scalar_one() for x in tables)


def test_known_cases_refuse_a_database_without_the_marker(unmarked: Engine) -> None:
    before = _counts(unmarked)
    assert not is_demo(unmarked)
    with pytest.raises(NotADemoDatabase) as caught:
        seed_known_appointments(unmarked)
    assert caught.value.code == "jhcis_not_demo"
    with pytest.raises(NotADemoDatabase):
        add_staff_accounts(unmarked, UNIT, {"t_x": StaffAccount("pw-1", "1")})
    assert _counts(unmarked) == before


def test_known_cases_go_into_a_marked_database(unmarked: Engine) -> None:
    mark_demo(unmarked, seed=7)
    mark_demo(unmarked, seed=7)  # idempotent
    assert is_demo(unmarked)
    before = _counts(unmarked)
    assert seed_known_appointments(unmarked)
    add_staff_accounts(unmarked, UNIT, {"t_x": StaffAccount("pw-1", "1")})
    assert _counts(unmarked)[0] > before[0] and _counts(unmarked)[-1] == before[-1] + 1


def test_generate_refuses_a_database_with_people_and_no_marker(unmarked: Engine) -> None:
    before = _counts(unmarked)
    with pytest.raises(NotADemoDatabase):
        generate(unmarked, persons=5, visits=5, seed=8)
    assert _counts(unmarked) == before
