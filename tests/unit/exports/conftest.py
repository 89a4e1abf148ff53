"""Fixtures of the export tests: the hand-made clinic of tests/golden/exports/clinic_seed.py."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, create_engine

SEED_PATH = Path(__file__).resolve().parents[2] / "golden" / "exports" / "clinic_seed.py"


clinic_seed = SimpleNamespace(**runpy.run_path(str(SEED_PATH)))


@pytest.fixture
def clinic_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic_seed.seed_clinic(engine)
    yield engine
    engine.dispose()
