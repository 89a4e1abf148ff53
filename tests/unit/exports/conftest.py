"""Fixtures of the export tests: the hand-made clinic of tests/golden/exports/clinic_seed.py."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine, create_engine

SEED_PATH = Path(__file__).resolve().parents[2] / "golden" / "exports" / "clinic_seed.py"


def load_seed() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clinic_seed", SEED_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


clinic_seed = load_seed()


@pytest.fixture
def clinic_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic_seed.seed_clinic(engine)
    yield engine
    engine.dispose()
