"""The multi-process e-Claim export writes exactly what one process writes."""

from __future__ import annotations

import datetime as dt
import filecmp
import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from backoffice.exports import parallel
from backoffice.exports.eclaim import export_eclaim
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from integrations.claim_files import ECLAIM_FIELDS
from integrations.jhcis import synth
from integrations.jhcis.engine import open_engine
from integrations.jhcis.schema import create_jhcis_schema

END = dt.date(2026, 6, 30)
FIRST = END - dt.timedelta(days=59)
NOW = dt.datetime(2026, 7, 1, 8, 0)


@pytest.fixture(scope="module")
def synthetic_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("parallel") / "clinic.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    create_jhcis_schema(engine)
    synth.generate(engine, persons=400, visits=3000, seed=11, end=END, days=60)
    engine.dispose()
    return f"sqlite:///{path}"


def test_slices_split_the_visits_evenly(
    synthetic_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_VISITS_PER_WORKER", 100)
    ranges = parallel.slices(synthetic_url, synth.DEMO_UNIT, FIRST, END, 3)
    assert len(ranges) == 3
    assert ranges[0][0] == FIRST and ranges[-1][1] == END
    for (_a, end), (start, _b) in itertools.pairwise(ranges):
        assert start > end  # contiguous, no day twice
    assert parallel.slices(synthetic_url, synth.DEMO_UNIT, FIRST, END, 1) == [(FIRST, END)]


def test_parallel_batch_is_byte_identical(
    synthetic_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_VISITS_PER_WORKER", 100)
    source = ClaimSource(open_engine(synthetic_url, read_only=True), chunk_size=200)
    single = export_eclaim(
        source, FIRST, END, tmp_path / "one", rules=RuleSet(), hcode=synth.DEMO_UNIT, now=NOW
    )
    multi = parallel.export_eclaim_parallel(
        synthetic_url, FIRST, END, tmp_path / "many", rules=RuleSet(), hcode=synth.DEMO_UNIT,
        workers=3, now=NOW,
    )  # fmt: skip
    assert multi.name == single.name
    assert single.folder is not None and multi.folder is not None
    for name in [*(f"{k}.txt" for k in ECLAIM_FIELDS), "report.csv"]:
        assert filecmp.cmp(single.folder / name, multi.folder / name, shallow=False), name
    assert multi.files == single.files
    assert multi.summary == single.summary
    one = json.loads((single.folder / "report.json").read_text(encoding="utf-8"))
    many = json.loads((multi.folder / "report.json").read_text(encoding="utf-8"))
    assert one == many
    assert multi.zip_path is not None and multi.zip_path.exists()
    assert not list((tmp_path / "many").glob(".*parts"))
