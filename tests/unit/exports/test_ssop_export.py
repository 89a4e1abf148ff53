"""SSOP batches: only Social Security visits, wrapper and checksum trailer, seed file names."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from backoffice.cli import main as backoffice_main
from backoffice.exports.eclaim import BatchResult
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.exports.ssop import export_ssop
from backoffice.exports.ssop_sessions import ensure_ssop_tables, kiosk_ssop_session, take_session
from integrations.claim_files import SSOP_SECTIONS
from tests.unit.exports.conftest import at_once

DAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 3, 15, 55, 59)
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "exports" / "ssop"
FILES = ("BILLTRAN25690303.txt", "BILLDISP25690303.txt", "OPServices25690303.txt")


def run(engine: Engine, out: Path, *, dry_run: bool = False) -> BatchResult:
    source = ClaimSource(engine, chunk_size=4)
    return export_ssop(
        source, DAY, DAY, out, rules=RuleSet(), hcode="99901", hname="รพ.สต.ทดสอบ",
        session=1, dry_run=dry_run, now=NOW,
    )  # fmt: skip


def parse_ssop(path: Path) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """Check the trailer, then return the header tags and the sections' rows."""
    raw = path.read_bytes()
    body, _, trailer = raw.rpartition(b"\r\n")
    body += b"\r\n"
    match = re.fullmatch(rb'<\?EndNote Checksum="([0-9A-F]{32})"\?>', trailer)
    assert match, trailer
    assert match.group(1).decode() == hashlib.md5(body).hexdigest().upper()
    text = body.decode("cp874")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == '<?xml version="1.0" encoding="windows-874"?>'
    assert lines[1].startswith('<ClaimRec System="OP" PayPlan="SS"')
    assert lines[-1] == "</ClaimRec>"
    header = dict(re.findall(r"<(\w+)>(.*)</\1>", "\n".join(lines[2:9])))
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for line in lines[9:-1]:
        if m := re.fullmatch(r"<(\w+)>", line):
            current = m.group(1)
            sections[current] = []
        elif re.fullmatch(r"</\w+>", line):
            current = None
        else:
            assert current is not None
            sections[current].append(line.split("|"))
    return header, sections


def test_only_social_security_visits_with_reasons_for_the_rest(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    result = run(clinic_engine, tmp_path)
    assert result.summary["included_visits"] == 1
    assert result.summary["problems"]["not_social_security"] == 8  # type: ignore[index]
    assert result.summary["problems"]["missing_cid"] == 1  # type: ignore[index]


def test_files_parse_back_and_checksums_hold(clinic_engine: Engine, tmp_path: Path) -> None:
    result = run(clinic_engine, tmp_path)
    folder = result.folder
    assert folder is not None
    header, sections = parse_ssop(folder / "BILLTRAN25690303.txt")
    assert header["HCODE"] == "99901"
    assert header["RECCOUNT"] == "1"
    assert header["SESSNO"] == "0001"
    assert header["HNAME"] == "รพ.สต.ทดสอบ"
    fields = dict(SSOP_SECTIONS["BILLTRAN"])
    bill = dict(zip(fields["BILLTRAN"], sections["BILLTRAN"][0], strict=True))
    assert (bill["InvNo"], bill["HN"], bill["Amount"], bill["DTTran"]) == (
        "99901105", "4", "120.00", "2026-03-02T09:45:00",
    )  # fmt: skip
    items = [dict(zip(fields["BillItems"], row, strict=True)) for row in sections["BillItems"]]
    # money1 (120.00) covers more than the two drugs: the rest is the service fee's item.
    assert [(i["LCCode"], i["ChargeAmt"]) for i in items] == [
        ("SERVICE", "85.00"),
        ("D0001", "5.00"),
        ("D0002", "30.00"),
    ]
    _h, ops = parse_ssop(folder / "OPServices25690303.txt")
    assert len(ops["OPServices"]) == 1
    assert [row[4] for row in ops["OPDx"]] == ["J00"]
    _h, disp = parse_ssop(folder / "BILLDISP25690303.txt")
    assert len(disp["Dispensing"]) == 1
    assert [row[3] for row in disp["DispensedItems"]] == ["662401", "100000000000000000000002"]


def test_zip_and_file_names_follow_the_seed(clinic_engine: Engine, tmp_path: Path) -> None:
    result = run(clinic_engine, tmp_path)
    assert result.zip_path is not None
    assert result.zip_path.name == "99901_SSOPBIL_0001_01_25690303-155559.zip"
    with zipfile.ZipFile(result.zip_path) as archive:
        assert sorted(archive.namelist()) == sorted(FILES)
    # the spool folder is gone
    assert sorted(p.name for p in result.folder.iterdir()) == sorted(  # type: ignore[union-attr]
        [*FILES, "report.csv", "report.json"]
    )


def test_two_jobs_in_the_same_second_get_their_own_folder_and_zip(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    results = at_once([lambda: run(clinic_engine, tmp_path)] * 2)
    # The name's shape is fixed (the upload page's): the second job takes the next second.
    stem = "99901_SSOPBIL_0001_01_25690303-"
    assert sorted(r.name for r in results) == [f"{stem}155559", f"{stem}155600"]
    for result in results:
        assert result.zip_path == tmp_path / f"{result.name}.zip"
        with zipfile.ZipFile(result.zip_path) as archive:
            for name in FILES:
                assert archive.read(name) == (result.folder / name).read_bytes()  # type: ignore[operator]


def test_dry_run_writes_no_file_at_all(clinic_engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(clinic_engine, out, dry_run=True)
    assert result.zip_path is None and result.folder is None and result.report_csv is None
    assert not out.exists() or list(out.iterdir()) == []
    assert result.summary["included_visits"] == 1


def test_golden_files(clinic_engine: Engine, tmp_path: Path) -> None:
    result = run(clinic_engine, tmp_path)
    for name in FILES:
        produced = (result.folder / name).read_bytes()  # type: ignore[operator]
        golden = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(produced)
        assert produced == golden.read_bytes(), name


def test_command_line_gives_each_batch_the_next_session_number(
    clinic_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SESSNO is kept per unit (kiosk_ssop_session): the header's and the zip name's
    4 digits, new for every real batch, only shown by a dry run (issue 18, item 5)."""

    def export(*extra: str) -> tuple[dict[str, Any], str]:
        code = backoffice_main(
            ["export", "ssop", "--from", "2026-03-01", "--to", "2026-03-31",
             "--out", str(tmp_path), "--db", str(clinic_engine.url), "--json", *extra]
        )  # fmt: skip
        assert code == 0
        out: dict[str, Any] = json.loads(capsys.readouterr().out)
        if out["zip"] is None:
            return out, ""
        billtran = next(Path(out["folder"]).glob("BILLTRAN*.txt"))
        header, _sections = parse_ssop(billtran)
        return out, header["SESSNO"]

    first, number = export()
    assert first["summary"]["included_visits"] == 1
    assert number == "0001"
    assert re.fullmatch(r"99901_SSOPBIL_0001_01_\d{8}-\d{6}\.zip", Path(first["zip"]).name)
    dry, _ = export("--dry-run")
    assert re.fullmatch(r"99901_SSOPBIL_0002_01_\d{8}-\d{6}", dry["batch"])
    second, number = export()
    assert number == "0002"  # the dry run took nothing
    assert Path(second["zip"]).name.startswith("99901_SSOPBIL_0002_01_")
    _given, number = export("--session", "42")
    assert number == "0042"
    with clinic_engine.connect() as conn:
        taken = conn.execute(select(kiosk_ssop_session.c.sessno)).scalars().all()
    assert sorted(taken) == [1, 2]  # a number given by hand is not recorded


def test_two_batches_at_once_never_share_a_session_number(clinic_engine: Engine) -> None:
    ensure_ssop_tables(clinic_engine)
    with ThreadPoolExecutor(4) as pool:
        numbers = list(pool.map(lambda n: take_session(clinic_engine, "99901", f"p{n}"), range(8)))
    assert sorted(numbers) == list(range(1, 9))
    assert take_session(clinic_engine, "99902", "other unit") == 1


def test_the_visits_provider_licence_is_the_service_provider_and_prescriber(
    clinic_engine: Engine, tmp_path: Path
) -> None:
    """With no doctor on the diagnosis, SvPID and Presc carry the visit provider's licence."""
    from integrations.jhcis import tables as t

    with clinic_engine.begin() as conn:
        conn.execute(t.visitdiag.update().values(doctordiag=None))
    folder = run(clinic_engine, tmp_path).folder
    assert folder is not None
    _h, ops = parse_ssop(folder / "OPServices25690303.txt")
    service = dict(
        zip(dict(SSOP_SECTIONS["OPServices"])["OPServices"], ops["OPServices"][0], strict=True)
    )
    _h, disp = parse_ssop(folder / "BILLDISP25690303.txt")
    dispensing = dict(
        zip(dict(SSOP_SECTIONS["BILLDISP"])["Dispensing"], disp["Dispensing"][0], strict=True)
    )
    assert (service["SvPID"], dispensing["Presc"]) == ("ว.12345", "ว.12345")


@pytest.mark.parametrize("paid", ["0", "20", "1000"])
def test_a_bills_amount_is_the_sum_of_its_items(
    clinic_engine: Engine, tmp_path: Path, paid: str
) -> None:
    """สกส. rejects a bill whose Amount differs from its BillItems (A04/T33/T45); what the
    patient paid comes off the claimed amounts, never below zero."""
    from decimal import Decimal

    with clinic_engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE visit SET moneynoclaim = {paid}")
    folder = run(clinic_engine, tmp_path).folder
    assert folder is not None
    _h, sections = parse_ssop(folder / "BILLTRAN25690303.txt")
    fields = dict(SSOP_SECTIONS["BILLTRAN"])
    bills = [dict(zip(fields["BILLTRAN"], row, strict=True)) for row in sections["BILLTRAN"]]
    items = [dict(zip(fields["BillItems"], row, strict=True)) for row in sections["BillItems"]]
    assert bills
    for bill in bills:
        mine = [i for i in items if i["InvNo"] == bill["InvNo"]]
        assert Decimal(bill["Amount"]) == sum(Decimal(i["ChargeAmt"]) for i in mine)
        assert Decimal(bill["ClaimAmt"]) == sum(Decimal(i["ClaimAmount"]) for i in mine)
        assert Decimal(bill["Paid"]) == Decimal(paid)
        expected = max(Decimal(bill["Amount"]) - Decimal(paid), Decimal(0))
        assert Decimal(bill["ClaimAmt"]) == expected
        assert all(Decimal(i["ClaimAmount"]) >= 0 for i in mine)
