"""What the claims-side integration tests share (close right, MOPH Claim, NDP): the
hand-made clinic of ``tests/golden/exports/clinic_seed.py`` in a fresh SQLite file,
and the NHSO sandbox on a free loopback port.

One place, so a change to how the seed is loaded or the sandbox started is made once.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import Engine, create_engine

from integrations.nhso.sandbox import SandboxServer

SEED = Path(__file__).resolve().parents[1] / "golden" / "exports" / "clinic_seed.py"
clinic_seed = SimpleNamespace(**runpy.run_path(str(SEED)))
DAY = clinic_seed.DAY
HCODE = clinic_seed.UNIT
#: The JHCIS user "doc" of the seed: the recorder of a close right.
RECORDER = clinic_seed.cid(900)


def seeded_clinic(tmp_path: Path) -> Iterator[Engine]:
    """A fixture body: the seeded clinic in ``tmp_path/clinic.sqlite``, disposed after."""
    db = create_engine(f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic_seed.seed_clinic(db)
    yield db
    db.dispose()


def nhso_sandbox(*setup: Callable[[SandboxServer], object]) -> Iterator[SandboxServer]:
    """A fixture body: a started NHSO sandbox (each of `setup` applied), stopped after."""
    server = SandboxServer(port=0).start()
    try:
        for step in setup:
            step(server)
        yield server
    finally:
        server.stop()
