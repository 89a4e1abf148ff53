"""TLS is always verified (with an optional extra CA), and tokens/CIDs never reach a log."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.logs import redact
from integrations.nhso.errors import NhsoUnavailable, NotConfigured
from integrations.nhso.providers import AgentAuthenProvider
from integrations.nhso.ratelimit import TokenBucket
from integrations.nhso.sandbox import SandboxServer
from integrations.nhso.web import NhsoUrls, NhsoWebClient

from .conftest import HANG_S
from .people import DEMO, GENERAL, MOBILE

pytestmark = pytest.mark.integration


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture
def ca_and_server(tmp_path: Path) -> tuple[Path, ssl.SSLContext]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing (scripts/install-system-deps.sh installs it)")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca, ca_key = tmp_path / "ca.pem", tmp_path / "ca.key"
    _openssl(
        "req", "-x509", *ec, "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", "/CN=NHSO sandbox test CA",
    )  # fmt: skip
    key, csr, cert = tmp_path / "srv.key", tmp_path / "srv.csr", tmp_path / "srv.pem"
    _openssl("req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext = tmp_path / "ext.cnf"
    ext.write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext),
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return ca, context


@pytest.fixture
def tls_sandbox(ca_and_server: tuple[Path, ssl.SSLContext]) -> Iterator[SandboxServer]:
    server = SandboxServer(port=0, tls=ca_and_server[1]).start()
    yield server
    server.stop()


def _client(url: str, ca_bundle: str = "") -> NhsoWebClient:
    return NhsoWebClient(
        NhsoUrls.from_api_base(url),
        limiter=TokenBucket(1000),
        token="sandbox-token",
        timeout_s=2,
        ca_bundle=ca_bundle,
    )


def test_untrusted_certificate_is_refused(tls_sandbox: SandboxServer) -> None:
    assert tls_sandbox.url.startswith("https://")
    client = _client(tls_sandbox.url)
    with pytest.raises(NhsoUnavailable, match="TLS certificate not trusted"):
        client.check_authen_status(DEMO, dt.date.today())
    client.close()


def test_extra_ca_bundle_is_trusted(
    tls_sandbox: SandboxServer, ca_and_server: tuple[Path, ssl.SSLContext]
) -> None:
    client = _client(tls_sandbox.url, ca_bundle=str(ca_and_server[0]))
    assert client.check_authen_status(DEMO, dt.date.today()).status_authen is False
    client.close()


def test_unreadable_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        _client("https://127.0.0.1:9", ca_bundle=str(tmp_path / "missing.pem"))


def test_tokens_and_cids_stay_out_of_logs(
    sandbox: SandboxServer, agent_provider: AgentAuthenProvider, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "tok-7d1f0c2e-4a4b-4c55-9f0e-2b1f3c4d5e6f"
    caplog.set_level(logging.DEBUG)
    client = NhsoWebClient(
        NhsoUrls.from_api_base(sandbox.url), limiter=TokenBucket(1000), token=secret, timeout_s=1
    )
    with pytest.raises(Exception, match="token"):
        client.check_authen_status(DEMO, dt.date.today())
    client.close()
    # A lost answer makes the provider log its recovery: logs exist, and are clean.
    sandbox.set_faults(lose_answer=True, hang_s=HANG_S, paths=("confirm-save",), count=1)
    agent_provider.authen(DEMO, GENERAL, MOBILE)
    assert "answer lost" in caplog.text
    assert secret not in caplog.text and DEMO not in caplog.text and MOBILE not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]
    # Should a token ever reach a log line, the PII filter masks it.
    assert secret not in redact(f"Authorization: Bearer {secret}")
