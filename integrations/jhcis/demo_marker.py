"""The marker that tells a synthetic (demo or test) database from a clinic's.

``backoffice jhcis create-demo`` writes one row into ``kiosk_demo``; everything that
writes made-up rows into JHCIS tables (create-demo rebuilding, the known test cases of
:mod:`integrations.jhcis.synth_cases`) first checks it is there, so a clinic's real
database can never receive them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, inspect, select

from integrations.jhcis.errors import NotADemoDatabase
from integrations.jhcis.own_tables import ensure_kiosk_tables, kiosk_demo

DEMO_MARKER = "jhcis-kiosk-demo"


def is_demo(engine: Engine) -> bool:
    """Whether `engine`'s database carries the demo marker."""
    if not inspect(engine).has_table(kiosk_demo.name):
        return False
    with engine.connect() as conn:
        marker = conn.execute(
            select(kiosk_demo.c.marker).where(kiosk_demo.c.marker == DEMO_MARKER)
        ).scalar()
    return marker == DEMO_MARKER


def require_demo(engine: Engine) -> None:
    """Raise :class:`NotADemoDatabase` unless the database carries the demo marker."""
    if not is_demo(engine):
        raise NotADemoDatabase("no demo marker")


def mark_demo(engine: Engine, seed: int) -> None:
    """Mark a database we just filled with synthetic data (idempotent)."""
    ensure_kiosk_tables(engine, [kiosk_demo])
    if is_demo(engine):
        return
    with engine.begin() as conn:
        conn.execute(
            kiosk_demo.insert().values(marker=DEMO_MARKER, seed=seed, created_at=dt.datetime.now())
        )
