"""The 13-file claims on MariaDB (tis620 and utf8, as clinics have them): the ledger's
conditional updates and unique keys, the export's joins, the Thai text through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from backoffice.ndp.sender import NdpSender
from backoffice.ndp.status import poll
from integrations.claim_check import check_batch, format_report
from integrations.jhcis.engine import open_engine
from integrations.nhso.sandbox import SandboxServer

from .conftest import CLOSABLE, HCODE, claims, clinic_seed, close_rights, export, ndp_client

pytestmark = pytest.mark.integration


@pytest.fixture(params=["tis620", "utf8"])
def maria(request: pytest.FixtureRequest, mariadb_databases) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    engine = open_engine(mariadb_databases.empty(request.param))
    clinic_seed.seed_clinic(engine)
    yield engine
    engine.dispose()


def test_close_export_send_track_on_mariadb(
    maria: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(maria, sandbox, CLOSABLE)
    batch = export(maria, tmp_path / "out")
    report = check_batch(batch.folder)
    assert report.ok, format_report(report, "en")
    assert "ทดสอบ" in (batch.folder / "01_PATIENT.txt").read_text(encoding="utf-8")
    client = ndp_client(sandbox)
    sent = NdpSender(maria, client, hcode=HCODE, chunk=2).send(batch.folder)
    assert sent.ok and len(sent.requests) == 2
    again = NdpSender(maria, client, hcode=HCODE).send(batch.folder)
    assert again.requests == [] and {s["reason"] for s in again.skipped} == {"sent"}
    sandbox.ndp.control({"answer": {"code": "2100"}})
    poll(maria, client, hcode=HCODE)
    rows = claims(maria)
    assert {r["nhso_message"] for r in rows.values()} == {"รอชี้แจงการ Authen"}
    assert {r["allow_claim"] for r in rows.values()} == {"N"}  # A52 forbids claiming on
    client.close()
