"""Settings decide what starts: simulators only when the configuration asks for them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from common.config import load_settings
from common.secrets import Secrets
from hardware.printer import PreviewPrinter
from kiosk.wiring import SANDBOX_LABEL, ensure_demo_database, start_runtime

pytestmark = pytest.mark.integration


def test_real_devices_start_no_simulator(tmp_path: Path, jhcis_sqlite_url: str) -> None:
    settings = load_settings(
        None,
        {
            "data_dir": str(tmp_path),
            "database.url": jhcis_sqlite_url,
            "card.simulate": False,
            "card.reader": "ACR39U",
            "nhso.mode": "agent",
            "printer.simulate": False,
            "printer.uri": "preview",
        },
    )
    runtime = start_runtime(settings, secrets=Secrets())
    try:
        assert runtime.virtual_card is None and runtime.sandbox is None
        assert runtime.loopback is None
        assert isinstance(runtime.printer.printer, PreviewPrinter)
        assert runtime.provider.kind == "agent" and not runtime.printer.sandbox
        assert runtime.reader_name == "ACR39U"
        assert runtime.display_settings.clinic.name == settings.clinic.name
        assert not settings.demo_db_path.exists()  # a configured database: no demo database
    finally:
        runtime.close()


def test_embedded_defaults_run_on_the_simulators(tmp_path: Path) -> None:
    # Everything default except the card (the e2e tests cover the virtual card in vpcd).
    settings = load_settings(None, {"data_dir": str(tmp_path), "card.simulate": False})
    runtime = start_runtime(settings, secrets=Secrets())
    try:
        assert settings.demo_db_path.exists()
        assert runtime.clinic_db.unit_code()
        assert runtime.sandbox is not None and runtime.loopback is not None
        assert runtime.printer.sandbox
        assert SANDBOX_LABEL in runtime.display_settings.clinic.name
        answer = httpx.get(f"{runtime.sandbox.url}/api/smartcard/terminals", timeout=5)
        assert answer.headers["X-NHSO-Sandbox"] == "true"
        sandbox_url = runtime.sandbox.url
    finally:
        runtime.close()
    with pytest.raises(httpx.TransportError):  # close() stopped what it started
        httpx.get(f"{sandbox_url}/api/smartcard/terminals", timeout=2)


def test_demo_database_is_built_once(tmp_path: Path) -> None:
    settings = load_settings(None, {"data_dir": str(tmp_path)})
    path = ensure_demo_database(settings)
    built = path.stat().st_mtime_ns
    assert ensure_demo_database(settings) == path
    assert path.stat().st_mtime_ns == built
    assert not path.with_suffix(".partial").exists()


def test_demo_says_plainly_when_the_virtual_reader_is_missing() -> None:
    from kiosk.demo import VirtualReaderMissing, wait_for_virtual_reader

    with pytest.raises(VirtualReaderMissing) as caught:
        wait_for_virtual_reader("Virtual PCD 00 97", timeout_s=0.5)
    assert "pcscd" in caught.value.th and "pcscd" in caught.value.en
