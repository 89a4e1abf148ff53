"""What the NDP tests share: the hand-made clinic, the NHSO sandbox over HTTP, closed rights."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from backoffice.claims.close_right import CloseRightService
from backoffice.claims.ndp_tables import kiosk_ndp_claim
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.ndp.export import NdpBatch, export_ndp
from integrations.nhso.ndp import SANDBOX_SUBMIT_PATH, NdpClient
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import DEFAULT_TOKEN, SandboxServer
from integrations.nhso.sandbox.ndp import (
    SANDBOX_CLIENT_SECRET,
    SANDBOX_SOURCE_ID,
    SANDBOX_SOURCE_ID_KEY,
)
from integrations.nhso.web import NhsoUrls, NhsoWebClient
from tests.integration.seeded_clinic import (
    DAY,
    HCODE,
    RECORDER,
    clinic_seed,
    nhso_sandbox,
    seeded_clinic,
)

__all__ = ["DAY", "HCODE", "clinic_seed"]  # the tests import them from here
#: The seed's visits whose right can be closed (money to claim, a citizen ID).
CLOSABLE = [101, 104, 105, 109]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from seeded_clinic(tmp_path)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    yield from nhso_sandbox()


def close_rights(engine: Engine, sandbox: SandboxServer, visitnos: list[int]) -> None:
    """Close the visits' rights through the sandbox, as the claims page does."""
    urls = NhsoUrls.from_api_base(sandbox.url)
    token = DEFAULT_TOKEN
    client = NhsoWebClient(
        urls, limiter=TokenBucket(1000), token=token, claim_token=token, timeout_s=2
    )
    service = CloseRightService(ClaimSource(engine), client, hcode=HCODE, recorder_pid=RECORDER)
    try:
        outcomes = service.submit(service.plan(DAY, DAY, visitnos=visitnos))
    finally:
        service.close()
    assert [o.status for o in outcomes] == ["closed"] * len(visitnos)


def ndp_client(sandbox: SandboxServer, **changes: object) -> NdpClient:
    values: dict[str, object] = {
        "hcode": HCODE, "source_id": SANDBOX_SOURCE_ID, "source_id_key": SANDBOX_SOURCE_ID_KEY,
        "client_secret": SANDBOX_CLIENT_SECRET, "public_key_pem": sandbox.ndp.public_pem(),
        "submit_path": SANDBOX_SUBMIT_PATH, "limiter": TokenBucket(1000), "timeout_s": 2.0,
    }  # fmt: skip
    values.update(changes)
    return NdpClient(sandbox.url, **values)  # type: ignore[arg-type]


def export(engine: Engine, out: Path, *, resend: bool = False) -> NdpBatch:
    return export_ndp(
        ClaimSource(engine), DAY, DAY, out, rules=RuleSet(), hcode=HCODE, resend=resend,
        now=dt.datetime(2026, 3, 3, 10, 0),
    )  # fmt: skip


def claims(engine: Engine) -> dict[int, dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(kiosk_ndp_claim)).mappings()
        return {int(r["visitno"]): dict(r) for r in rows}


def uploaded_seqs(sandbox: SandboxServer) -> list[str]:
    """Every SEQ the sandbox took, in order, once per time it took it."""
    return [seq for upload in sandbox.ndp.uploads for seq in upload["seqs"]]
