"""The synthetic clinic: deterministic, plausible, and never real."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, and_, func, select

from common.cid import is_valid_cid
from integrations.jhcis import tables as t
from integrations.jhcis.engine import open_engine
from integrations.jhcis.schema import create_jhcis_schema
from integrations.jhcis.synth import OUT_OF_AREA_VILLCODE, generate, synthetic_cid

END = dt.date(2026, 6, 30)


def build(path: Path, seed: int, persons: int = 200, visits: int | None = None) -> Engine:
    engine = open_engine(f"sqlite:///{path}")
    create_jhcis_schema(engine)
    generate(engine, persons=persons, visits=visits, seed=seed, end=END)
    return engine


def dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]
            for table in t.JHCIS_TABLES
        }


def test_same_seed_same_database(tmp_path: Path) -> None:
    a = dump(build(tmp_path / "a.sqlite", seed=3))
    b = dump(build(tmp_path / "b.sqlite", seed=3))
    c = dump(build(tmp_path / "c.sqlite", seed=4))
    assert a == b
    assert a["person"] != c["person"]


def test_plausible_clinic(tmp_path: Path) -> None:
    engine = build(tmp_path / "x.sqlite", seed=1, persons=400)
    with engine.connect() as conn:
        cids = list(conn.execute(select(t.person.c.idcard)).scalars())
        assert len(cids) == 400 == len(set(cids))
        assert all(is_valid_cid(c) and c[1:3] == "99" for c in cids)  # province 99: not real
        assert set(conn.execute(select(t.office.c.offid)).scalars()) == {"0000x", "99901"}
        moo00 = conn.execute(
            select(func.count())
            .select_from(t.house)
            .where(t.house.c.villcode == OUT_OF_AREA_VILLCODE)
        ).scalar_one()
        assert moo00 == 1
        visits = conn.execute(select(func.count()).select_from(t.visit)).scalar_one()
        assert visits == 1000  # 2.5 a person: a year
        first, last = conn.execute(
            select(func.min(t.visit.c.visitdate), func.max(t.visit.c.visitdate))
        ).one()
        assert first >= END - dt.timedelta(days=364) and last <= END
        labs = set(conn.execute(select(t.visitlabchcyhembmsse.c.labcode)).scalars())
        assert labs == {"CH99", "CH09", "CH19"}
        assert conn.execute(select(func.count()).select_from(t.visitepi)).scalar_one() > 0
        assert conn.execute(select(func.count()).select_from(t.visitepiappoint)).scalar_one() > 0
        assert conn.execute(select(func.count()).select_from(t.visitdiagappoint)).scalar_one() > 0
        claims = conn.execute(
            select(func.count()).select_from(t.visit).where(t.visit.c.claimcode_nhso.is_not(None))
        ).scalar_one()
        assert 0 < claims < visits
        thai = conn.execute(select(t.person.c.fname).limit(1)).scalar_one()
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in thai)


def test_visits_scale(tmp_path: Path) -> None:
    engine = build(tmp_path / "big.sqlite", seed=1, persons=100, visits=5000)
    with engine.connect() as conn:
        visitnos = list(
            conn.execute(select(t.visit.c.visitno).order_by(t.visit.c.visitno)).scalars()
        )
    assert visitnos == list(range(1, 5001))


def test_synthetic_cid_unique() -> None:
    import random

    rng = random.Random(1)
    used: set[str] = set()
    made = [synthetic_cid(rng, used) for _ in range(1000)]
    assert len(set(made)) == 1000 and used == set(made)


def before_birth(engine: Engine) -> dict[str, int]:
    """Per table, the rows dated before their person's birth (children via their visit)."""
    v, p = t.visit, t.person
    with_person = v.join(p, and_(p.c.pcucodeperson == v.c.pcucodeperson, p.c.pid == v.c.pid))
    dated = {
        "visit": (v, v.c.visitdate),
        "visitepi": (t.visitepi, t.visitepi.c.dateepi),
        "visitlabchcyhembmsse": (t.visitlabchcyhembmsse, t.visitlabchcyhembmsse.c.datecheck),
        "visitepiappoint": (t.visitepiappoint, t.visitepiappoint.c.dateappoint),
        "visitdiagappoint": (t.visitdiagappoint, t.visitdiagappoint.c.appodate),
    }
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for name, (table, day) in dated.items():
            joined = with_person
            if table is not v:
                on = and_(table.c.pcucode == v.c.pcucode, table.c.visitno == v.c.visitno)
                joined = table.join(with_person, on)
            query = select(func.count()).select_from(joined).where(day < p.c.birth)
            counts[name] = conn.execute(query).scalar_one()
    return counts


def test_nothing_precedes_the_persons_birth(tmp_path: Path) -> None:
    # People born during the year of visits: the generator used to give them visits,
    # vaccinations and appointments before their birth (14 visits with this seed).
    engine = build(tmp_path / "x.sqlite", seed=1, persons=400)
    assert before_birth(engine) == dict.fromkeys(
        ("visit", "visitepi", "visitlabchcyhembmsse", "visitepiappoint", "visitdiagappoint"), 0
    )
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.visit)).scalar_one() == 1000
        assert conn.execute(select(func.count()).select_from(t.visitepi)).scalar_one() > 0


def test_a_clinic_of_one_newborn_has_visits_only_after_the_birth(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'one.sqlite'}")
    create_jhcis_schema(engine)
    generate(engine, persons=1, visits=40, seed=23, end=END)  # seed 23: born 2026-01-24
    assert set(before_birth(engine).values()) == {0}
    with engine.connect() as conn:
        visitnos = list(
            conn.execute(select(t.visit.c.visitno).order_by(t.visit.c.visitno)).scalars()
        )
    assert 0 < len(visitnos) < 40  # the days before the birth have no visit
    assert visitnos == list(range(1, len(visitnos) + 1))
