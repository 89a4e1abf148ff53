"""Fixtures of the export tests: the hand-made clinic of tests/golden/exports/clinic_seed.py."""

from __future__ import annotations

import runpy
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import pytest
from sqlalchemy import Engine, create_engine

T = TypeVar("T")
SEED_PATH = Path(__file__).resolve().parents[2] / "golden" / "exports" / "clinic_seed.py"


clinic_seed = SimpleNamespace(**runpy.run_path(str(SEED_PATH)))


@pytest.fixture
def clinic_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic_seed.seed_clinic(engine)
    yield engine
    engine.dispose()


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run `calls` in threads released together (a double-click on the export page)."""
    barrier = threading.Barrier(len(calls))

    def start(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(start, calls))
