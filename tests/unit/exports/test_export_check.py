"""`backoffice export check`: the independent checker on our batches and on the old ones."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from backoffice.cli import main as backoffice_main
from backoffice.exports.eclaim import export_eclaim
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.exports.ssop import export_ssop

DAY = dt.date(2026, 3, 2)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "claim_batches"


def check(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = backoffice_main(["export", "check", str(path), *extra])
    return code, capsys.readouterr().out


def test_our_batches_pass_and_the_old_ones_fail(
    clinic_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = ClaimSource(clinic_engine)
    now = dt.datetime(2026, 3, 3, 10, 30)
    eclaim = export_eclaim(source, DAY, DAY, tmp_path, rules=RuleSet(), hcode="99901", now=now)
    ssop = export_ssop(
        source, DAY, DAY, tmp_path, rules=RuleSet(), hcode="99901", hname="รพ.สต.ทดสอบ",
        session=7, now=now,
    )  # fmt: skip
    for batch in (eclaim.zip_path, eclaim.folder, ssop.zip_path):
        assert batch is not None
        code, out = check(batch, capsys, "--json")
        report = json.loads(out)
        assert (code, report["ok"], report["error_count"]) == (0, True, 0), report["problems"]
    for old in ("eclaim_before_issue18.zip", "ssop_before_issue18.zip"):
        code, out = check(FIXTURES / old, capsys)
        assert code == 1
        assert "ไม่ผ่าน" in out.splitlines()[0]  # Thai verdict, then each problem in both
        assert " / " in out.splitlines()[2]


def test_messages_in_one_language_and_a_missing_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(FIXTURES / "ssop_before_issue18.zip", capsys, "--lang", "en")
    assert code == 1 and out.startswith("SSOP batch") and "failed" in out.splitlines()[0]
    code = backoffice_main(["export", "check", str(tmp_path / "nowhere.zip"), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 1 and answer["error_code"] == "export.batch_not_found"
