"""Close right -> 13 files -> NDP sandbox over HTTP -> status tracks -> our ledger.

Issue 23's done-when: a closed-right visit yields a 13-file batch that passes the
checker; the sandbox's status tracks move it through accepted and refused states and
the ledger keeps NHSO's message in Thai.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from backoffice.ndp.sender import NdpSender
from backoffice.ndp.status import poll
from integrations.claim_check import check_batch, format_report
from integrations.nhso.ndp_errors import NdpBadBatch, NdpSignOnFailed
from integrations.nhso.ndp_status import STATUS_CODES, label_th
from integrations.nhso.sandbox import SandboxServer

from .conftest import CLOSABLE, HCODE, claims, close_rights, export, ndp_client, uploaded_seqs

pytestmark = pytest.mark.integration


def test_a_closed_visit_is_linked_exported_checked_sent_and_tracked(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, CLOSABLE)
    linked = claims(engine)
    assert sorted(linked) == CLOSABLE
    assert {row["status"] for row in linked.values()} == {"linked"}
    assert all(row["close_right_id"] and row["transaction_id"] for row in linked.values())

    batch = export(engine, tmp_path / "out")
    report = check_batch(batch.folder)
    assert report.kind == "ndp" and report.ok, format_report(report, "en")
    manifest = json.loads((batch.folder / "manifest.json").read_text(encoding="utf-8"))
    assert [f["number"] for f in manifest["files"]] == list(range(1, 14))
    unwritten = [f["number"] for f in manifest["files"] if f["file"] is None]
    assert unwritten == [6, 9, 10, 11, 12, 13]
    assert all(
        f["note"].startswith("layout not public") for f in manifest["files"] if f["file"] is None
    )
    assert "1990000000019" not in (batch.folder / "manifest.json").read_text(encoding="utf-8")
    opd = (batch.folder / "04_OPD.txt").read_text(encoding="utf-8")
    permit = {line.split("|")[0]: line.split("|")[3] for line in opd.splitlines()[1:]}
    assert all(code.startswith("EP") for code in permit.values())  # the close-right code
    assert {row["status"] for row in claims(engine).values()} == {"exported"}

    client = ndp_client(sandbox)
    sent = NdpSender(engine, client, hcode=HCODE).send(batch.folder)
    assert sent.ok and sorted(sent.sent_seqs) == [str(n) for n in CLOSABLE]
    assert sorted(uploaded_seqs(sandbox)) == [str(n) for n in CLOSABLE]
    rows = claims(engine)
    assert {row["status"] for row in rows.values()} == {"sent"}
    assert all(row["uid"] and row["nhso_code"] == "1000" for row in rows.values())

    first = poll(engine, client, hcode=HCODE)
    assert {u["code"] for u in first.updated} == {"1100"}
    assert claims(engine)[101]["nhso_message"] == "รอส่งเบิก"
    refusal = {"code": "C100", "message": "แฟ้ม 4 ข้อมูล PERMITNO ใช้ไม่ได้", "solution":
               "ตรวจสอบรหัสปิดสิทธิ", "allowClaim": "Y"}  # fmt: skip
    answer = {"code": "3000", "seqs": ["104"], "results": [refusal]}
    sandbox.ndp.control({"answer": answer})
    poll(engine, client, hcode=HCODE)
    rows = claims(engine)
    assert (rows[104]["nhso_code"], rows[104]["nhso_message"]) == ("3000", "ไม่ผ่านการประมวลผล")
    assert rows[104]["allow_claim"] == "Y"
    assert json.loads(str(rows[104]["nhso_results"]))[0]["solution"] == "ตรวจสอบรหัสปิดสิทธิ"
    assert rows[101]["nhso_code"] == "1103"  # the others go on along their way
    client.close()

    # Exported again: nothing goes twice; the refused one only on purpose.
    again = export(engine, tmp_path / "again")
    assert again.visits == []
    assert again.summary["problems"]["ndp_already_sent"] == 4  # type: ignore[index]
    resend = export(engine, tmp_path / "resend", resend=True)
    assert [v["visitno"] for v in resend.visits] == [104]


def test_the_sandbox_answers_every_documented_status_code(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, [109])
    client = ndp_client(sandbox)
    NdpSender(engine, client, hcode=HCODE).send(export(engine, tmp_path / "b").folder)
    for code in STATUS_CODES:
        sandbox.ndp.control({"answer": {"code": code}})
        report = poll(engine, client, hcode=HCODE, include_final=True)
        assert [u["code"] for u in report.updated] == [code]
        row = claims(engine)[109]
        assert (row["nhso_code"], row["nhso_message"]) == (code, label_th(code))
    client.close()


def test_sign_on_is_refused_for_a_wrong_key_and_nothing_is_taken(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, [101])
    batch = export(engine, tmp_path / "b")
    for wrong in ({"source_id_key": "not-the-key"}, {"oaep_hash": "sha1"}, {"client_secret": "x"}):
        client = ndp_client(sandbox, **wrong)
        with pytest.raises(NdpSignOnFailed) as refused:
            NdpSender(engine, client, hcode=HCODE).send(batch.folder)
        assert "not-the-key" not in str(refused.value)
        client.close()
    assert claims(engine)[101]["status"] == "exported"  # nothing taken, nothing blocked
    assert sandbox.ndp.submit_requests == 0


def test_an_expired_token_is_renewed_once(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, [101])
    client = ndp_client(sandbox)
    NdpSender(engine, client, hcode=HCODE).send(export(engine, tmp_path / "b").folder)
    assert sandbox.ndp.sign_on_requests == 1
    sandbox.ndp.control({"expire_tokens": True})
    assert poll(engine, client, hcode=HCODE).updated
    assert sandbox.ndp.sign_on_requests == 2
    client.close()


def test_a_batch_the_checker_refuses_is_never_sent(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path
) -> None:
    close_rights(engine, sandbox, [101])
    batch = export(engine, tmp_path / "b")
    opd = batch.folder / "04_OPD.txt"
    opd.write_bytes(opd.read_bytes().replace(b"|EP", b"|"))  # PERMITNO cut short
    lines = opd.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split("|")[3], "")
    opd.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    with pytest.raises(NdpBadBatch):
        NdpSender(engine, ndp_client(sandbox), hcode=HCODE).send(batch.folder)
    assert sandbox.ndp.sign_on_requests == 0 and sandbox.ndp.submit_requests == 0
