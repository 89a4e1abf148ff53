"""An NDP batch is written all or nothing, as the e-Claim and SSOP batches: a failure
half-way leaves no folder to be mistaken for a batch, and the ledger does not call its
visits exported; a dry run writes nothing at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.ndp.export import export_ndp
from integrations.nhso.sandbox import SandboxServer

from .conftest import CLOSABLE, DAY, HCODE, claims, close_rights, export

pytestmark = pytest.mark.integration


class Crash(Exception):
    pass


def test_a_crash_half_way_leaves_no_batch_and_no_exported_visit(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, CLOSABLE)
    out = tmp_path / "out"
    seen: list[int] = []

    def crash_on_the_third(done: int, total: int) -> None:
        seen.append(done)
        if done == 3:
            # Files and report are half-written in the build folder by now.
            assert any(p.name.startswith(".building-") for p in out.iterdir())
            raise Crash

    with pytest.raises(Crash):
        export_ndp(
            ClaimSource(engine), DAY, DAY, out, rules=RuleSet(), hcode=HCODE,
            now=dt.datetime(2026, 3, 3, 10, 0), progress=crash_on_the_third,
        )  # fmt: skip
    assert seen == [1, 2, 3]
    assert list(out.iterdir()) == []  # neither the batch nor its hidden build
    assert {row["status"] for row in claims(engine).values()} == {"linked"}

    batch = export(engine, out)  # the next run writes the whole batch under the name
    assert batch.folder is not None and batch.folder.parent == out
    assert not batch.folder.name.startswith(".")
    assert (batch.folder / "manifest.json").is_file()
    assert sorted(v["visitno"] for v in batch.visits) == CLOSABLE
    assert [p.name for p in out.iterdir()] == [batch.folder.name]
    assert {row["status"] for row in claims(engine).values()} == {"exported"}


def test_a_dry_run_writes_nothing(engine: Engine, sandbox: SandboxServer, tmp_path: Path) -> None:
    close_rights(engine, sandbox, CLOSABLE)
    out = tmp_path / "out"
    batch = export_ndp(
        ClaimSource(engine), DAY, DAY, out, rules=RuleSet(), hcode=HCODE, dry_run=True,
    )  # fmt: skip
    assert batch.folder is None and len(batch.visits) == len(CLOSABLE)
    assert not out.exists() or list(out.iterdir()) == []
    assert {row["status"] for row in claims(engine).values()} == {"linked"}
