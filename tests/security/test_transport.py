"""Item 1: HTTPS by default on the appliance, HTTP only redirects, HSTS, ``__Host-`` cookies,
no half-TLS start, optional TLS to the JHCIS MySQL.

Before the fix the appliance served plain HTTP on 8080 (staff passwords and session
cookies in clear on the clinic's Wi-Fi), and ``serve --tls-cert X`` without
``--tls-key`` silently served HTTP.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from backoffice.testing import make_deps, running_server
from common.config import load_settings
from common.tls import ensure_device_certificate
from integrations.jhcis.engine import configured_url, open_engine

from .conftest import (
    THAI,
    Clock,
    ServeProcess,
    Site,
    backoffice,
    free_port,
    openssl_fingerprint,
    scratch_config,
)


@pytest.fixture(scope="module")
def device_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("tls")
    fingerprint, made = ensure_device_certificate(folder, names=["localhost", "127.0.0.1"])
    assert made
    return folder / "backoffice.crt", folder / "backoffice.key", fingerprint


@pytest.fixture(scope="module")
def https_site(
    db_url: str, tmp_path_factory: pytest.TempPathFactory, device_pair: tuple[Path, Path, str]
) -> Iterator[Site]:
    clock = Clock()
    deps = make_deps(db_url, tmp_path_factory.mktemp("web"), clock=clock)
    try:
        with running_server(deps, tls=(device_pair[0], device_pair[1])) as url:
            made = Site(url, deps, clock)
            yield made
            made.close()
    finally:
        deps.clinic.dispose()


def test_https_with_hsts_host_cookies_and_no_banner(
    https_site: Site, device_pair: tuple[Path, Path, str]
) -> None:
    assert https_site.url.startswith("https://")
    staff = https_site.browser(
        "127.0.0.2", verify=ssl.create_default_context(cafile=device_pair[0])
    )
    page = staff.http.get("/login")
    assert page.status_code == 200
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert "server" not in page.headers
    login_cookie = page.headers["set-cookie"]
    assert login_cookie.startswith("__Host-kb_login=") and "Secure" in login_cookie
    assert "Path=/" in login_cookie and "Domain" not in login_cookie
    reply = staff.sign_in("t_staff")
    assert reply.status_code == 303
    cookies = reply.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("__Host-kb_session="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=strict" in session
    assert any(c.startswith("__Host-kb_device=") and "Secure" in c for c in cookies)
    assert staff.http.get("/queue").status_code == 200  # the prefixed cookie is the session
    # The same session under the unprefixed name (what plain HTTP could plant) is no session.
    value = session.split(";", 1)[0].split("=", 1)[1]
    context = ssl.create_default_context(cafile=device_pair[0])
    planted = httpx.get(f"{https_site.url}/queue", verify=context, cookies={"kb_session": value})
    assert planted.status_code == 303


def test_the_certificate_on_the_wire_is_the_device_one(
    https_site: Site, device_pair: tuple[Path, Path, str]
) -> None:
    host, port = https_site.url.removeprefix("https://").split(":")
    served = ssl.get_server_certificate((host, int(port)))
    assert served.strip() == device_pair[0].read_text().strip()
    assert device_pair[2] == openssl_fingerprint(device_pair[0])


def test_serve_over_https_with_an_http_port_that_only_redirects(
    jhcis_sqlite_url: str, tmp_path: Path, device_pair: tuple[Path, Path, str]
) -> None:
    port, plain = free_port(), free_port()
    config = scratch_config(tmp_path)
    server = ServeProcess(
        ["--config", str(config), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", jhcis_sqlite_url, "--tls-cert", str(device_pair[0]), "--tls-key",
         str(device_pair[1]), "--http-redirect-port", str(plain)]
    )  # fmt: skip
    try:
        server.wait_listening(port)
        server.wait_listening(plain)
        context = ssl.create_default_context(cafile=device_pair[0])
        page = httpx.get(f"https://127.0.0.1:{port}/login", verify=context)
        assert page.status_code == 200 and "strict-transport-security" in page.headers
        assert "server" not in page.headers
        for method in ("GET", "POST"):
            moved = httpx.request(
                method, f"http://127.0.0.1:{plain}/login?next=/queue",
                headers={"Host": "kiosk.clinic.test:8080"}, content=b"username=a&password=b",
            )  # fmt: skip
            assert moved.status_code == 308, method
            assert (
                moved.headers["location"] == f"https://kiosk.clinic.test:{port}/login?next=/queue"
            )
            assert "set-cookie" not in moved.headers and moved.content == b""
        hostile = httpx.get(f"http://127.0.0.1:{plain}/", headers={"Host": "evil.test/@x"})
        assert "evil.test/@x" not in hostile.headers["location"]
    finally:
        output = server.stop()
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("cert_only", "Only one of the certificate"),
        ("key_only", "Only one of the certificate"),
        ("missing", "cannot be read"),
        ("mismatch", "does not belong to the certificate"),
        ("redirect_without_tls", "redirect port needs HTTPS"),
    ],
)
def test_a_half_tls_start_is_refused_clearly(
    jhcis_sqlite_url: str,
    tmp_path: Path,
    device_pair: tuple[Path, Path, str],
    which: str,
    code: str,
) -> None:
    other = tmp_path / "other"
    ensure_device_certificate(other, names=["other"])
    cert, key = str(device_pair[0]), str(device_pair[1])
    port = free_port()
    args = {
        "cert_only": ["--tls-cert", cert],
        "key_only": ["--tls-key", key],
        "missing": ["--tls-cert", str(tmp_path / "no.crt"), "--tls-key", str(tmp_path / "no.key")],
        "mismatch": ["--tls-cert", cert, "--tls-key", str(other / "backoffice.key")],
        "redirect_without_tls": ["--http-redirect-port", str(free_port())],
    }[which]
    done = backoffice("--config", str(scratch_config(tmp_path)), "serve", "--host", "127.0.0.1",
                      "--port", str(port), "--db", jhcis_sqlite_url, *args, timeout=60)  # fmt: skip
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert "Traceback" not in done.stderr and THAI.search(done.stderr)
    assert code in done.stderr, done.stderr
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)  # nothing listens


def test_tls_ensure_makes_keeps_and_respects_the_clinics_pair(tmp_path: Path) -> None:
    config = scratch_config(tmp_path)
    folder = tmp_path / "tls"
    first = backoffice("--config", str(config), "tls", "ensure", "--dir", str(folder),
                       "--name", "kiosk.local", "--json")  # fmt: skip
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)
    assert made["made"] and made["fingerprint_sha256"] == openssl_fingerprint(
        folder / "backoffice.crt"
    )
    assert (folder / "backoffice.key").stat().st_mode & 0o077 == 0
    assert (folder / "backoffice.sha256").read_text().strip() == made["fingerprint_sha256"]
    again = json.loads(backoffice("--config", str(config), "tls", "ensure", "--dir", str(folder),
                                  "--json").stdout)  # fmt: skip
    assert not again["made"] and again["fingerprint_sha256"] == made["fingerprint_sha256"]
    # The clinic drops in its own pair: kept as it is.
    clinic = tmp_path / "clinic"
    clinic_print, _ = ensure_device_certificate(clinic, names=["clinic-ca-signed.example"])
    for name in ("backoffice.crt", "backoffice.key"):
        (folder / name).write_bytes((clinic / name).read_bytes())
    kept = json.loads(backoffice("--config", str(config), "tls", "ensure", "--dir", str(folder),
                                 "--json").stdout)  # fmt: skip
    assert not kept["made"] and kept["fingerprint_sha256"] == clinic_print
    # A broken pair (a key of another certificate) is replaced, never served.
    (folder / "backoffice.key").write_bytes((tmp_path / "tls" / "backoffice.key").read_bytes())
    (folder / "backoffice.crt").write_bytes(
        Path(tmp_path / "clinic" / "backoffice.crt").read_bytes()
    )
    (tmp_path / "third").mkdir()
    ensure_device_certificate(tmp_path / "third", names=["x"])
    (folder / "backoffice.key").write_bytes((tmp_path / "third" / "backoffice.key").read_bytes())
    fixed = json.loads(backoffice("--config", str(config), "tls", "ensure", "--dir", str(folder),
                                  "--json").stdout)  # fmt: skip
    assert fixed["made"]


def test_database_tls_is_configurable_and_never_falls_back(
    tmp_path: Path, mariadb_url: str
) -> None:
    ca = tmp_path / "ca.pem"
    ensure_device_certificate(tmp_path / "ca", names=["not-the-server"])
    ca.write_bytes((tmp_path / "ca" / "backoffice.crt").read_bytes())
    settings = load_settings(
        overrides={"data_dir": str(tmp_path), "secrets_file": str(tmp_path / "s.toml"),
                   "database.url": f"{mariadb_url}/mysql", "database.ssl_ca": str(ca)}
    )  # fmt: skip
    url = configured_url(settings)
    assert url.query["ssl_ca"] == str(ca)
    engine = open_engine(url, connect_timeout_s=5)
    try:
        # The test server's certificate is not signed by this CA (or it speaks no TLS):
        # the connection is refused, never made in clear.
        with pytest.raises(OperationalError), engine.connect():
            pass
    finally:
        engine.dispose()
