"""The same hand-made clinic on MariaDB: byte-identical claim files, the ledger's unique keys,
and the synthetic clinic streamed through a server-side cursor."""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import create_engine

from backoffice.claims.tables import ensure_claim_tables, kiosk_moph_claim
from backoffice.exports.eclaim import export_eclaim
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.exports.ssop import export_ssop
from integrations.claim_check import check_batch
from integrations.claim_files import ECLAIM_FIELDS
from integrations.jhcis import ledger
from integrations.jhcis.engine import open_engine

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "golden" / "exports"
clinic_seed = SimpleNamespace(**runpy.run_path(str(GOLDEN / "clinic_seed.py")))
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def seeded_url(mariadb_databases: Any) -> str:
    url: str = mariadb_databases.empty("utf8")
    engine = open_engine(url)
    clinic_seed.seed_clinic(engine)
    engine.dispose()
    return url


def test_eclaim_and_ssop_files_match_the_sqlite_goldens(seeded_url: str, tmp_path: Path) -> None:
    engine = open_engine(seeded_url, read_only=True)
    source = ClaimSource(engine, chunk_size=3)
    result = export_eclaim(
        source, DAY, DAY, tmp_path, rules=RuleSet(), hcode=source.own_hcode(),
        now=dt.datetime(2026, 3, 3, 10, 30),
    )  # fmt: skip
    assert result.folder is not None
    for key in ECLAIM_FIELDS:
        produced = (result.folder / f"{key}.txt").read_bytes()
        assert produced == (GOLDEN / "eclaim" / f"{key}.txt").read_bytes(), key
    ssop = export_ssop(
        source, DAY, DAY, tmp_path, rules=RuleSet(), hcode="99901", hname="รพ.สต.ทดสอบ",
        now=dt.datetime(2026, 3, 3, 15, 55, 59),
    )  # fmt: skip
    for golden in (GOLDEN / "ssop").glob("*.txt"):
        assert (ssop.folder / golden.name).read_bytes() == golden.read_bytes(), golden.name  # type: ignore[operator]
    engine.dispose()


def test_ledger_unique_keys_hold_on_mariadb(seeded_url: str) -> None:
    engine = create_engine(seeded_url)
    ensure_claim_tables(engine)
    key = {"pcucode": "99901", "visitno": 101, "kind": "dm"}
    first = ledger.take_slot(engine, kiosk_moph_claim, key)
    assert first is not None
    assert ledger.take_slot(engine, kiosk_moph_claim, key) is None
    assert not ledger.retake_slot(engine, kiosk_moph_claim, first, ("failed",))
    ledger.set_row(engine, kiosk_moph_claim, first, status="failed")
    assert ledger.retake_slot(engine, kiosk_moph_claim, first, ("failed",))
    assert not ledger.retake_slot(engine, kiosk_moph_claim, first, ("failed",))
    assert ensure_claim_tables(engine) == []
    engine.dispose()


def test_synthetic_clinic_streams_on_mariadb(mariadb_databases: Any, tmp_path: Path) -> None:
    from integrations.jhcis import synth
    from integrations.jhcis.schema import create_jhcis_schema

    url: str = mariadb_databases.empty("tis620")
    engine = open_engine(url)
    create_jhcis_schema(engine, "tis620")
    synth.generate(engine, persons=200, visits=800, seed=5, end=DAY, days=30)
    engine.dispose()
    source = ClaimSource(open_engine(url, read_only=True), chunk_size=250)
    first = DAY - dt.timedelta(days=29)
    result = export_eclaim(source, first, DAY, tmp_path, rules=RuleSet(), hcode=source.own_hcode())
    summary = result.summary
    assert summary["included_visits"] + summary["excluded_visits"] == 800  # type: ignore[operator]
    ins = (result.folder / "INS.txt").read_bytes().decode("cp874").split("\r\n")  # type: ignore[operator]
    assert len(ins) - 2 == summary["included_visits"]
    pat = (result.folder / "PAT.txt").read_bytes().decode("cp874")  # type: ignore[operator]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in pat)  # Thai names survived tis620
    # The independent checker (issue 18) finds no error in either batch of this clinic.
    ssop = export_ssop(
        source, first, DAY, tmp_path, rules=RuleSet(), hcode=source.own_hcode(),
        hname="รพ.สต.ทดสอบ", session=3,
    )  # fmt: skip
    assert ssop.summary["included_visits"]  # type: ignore[index]
    for batch in (result.zip_path, ssop.zip_path):
        assert batch is not None
        report = check_batch(batch)
        assert report.ok, [p.where for p in report.errors[:10]]


def test_ssop_session_numbers_are_unique_under_concurrency_on_mariadb(
    mariadb_databases: Any,
) -> None:
    """Eight batches started at once take eight numbers: the unique key, not luck."""
    from concurrent.futures import ThreadPoolExecutor

    from backoffice.exports.ssop_sessions import ensure_ssop_tables, take_session

    engine = create_engine(mariadb_databases.empty("utf8"), pool_size=8)
    ensure_ssop_tables(engine)
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda n: take_session(engine, "99901", f"p{n}"), range(8)))
    assert sorted(numbers) == list(range(1, 9))
    engine.dispose()
