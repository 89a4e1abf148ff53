"""Paths, loaders and the QEMU tests' clinic LAN, shared by the appliance-image tests."""

from __future__ import annotations

import importlib.util
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE_BUILD = ROOT / "image-build"
OVERLAY = IMAGE_BUILD / "overlay"
UNIT_DIR = OVERLAY / "usr" / "lib" / "systemd" / "system"
HCODE = "99901"  # integrations.jhcis.synth's unit: the QEMU tests' clinic


def load_script(path: Path, name: str) -> ModuleType:
    """Import a script of image-build/ (not a package: it ships inside the image)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def clinic_account(
    _module_mariadb_databases: Any, mariadb_url: str
) -> Iterator[tuple[str, str, str, int]]:
    """(database, user, password, port) of a synthetic JHCIS with a least-privilege account."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from integrations.jhcis.grants import grant_statements

    url = make_url(_module_mariadb_databases.jhcis("utf8"))
    database = str(url.database)
    user = f"kiosk_vm_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    admin = create_engine(mariadb_url)
    # Provisioning names one database account for the kiosk and the backoffice (both run
    # in the image), so it holds both least-privilege roles.
    statements = [
        *grant_statements("kiosk", database=database, user=user, host="%"),
        *grant_statements("backoffice", database=database, user=user, host="%"),
    ]
    with admin.begin() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password})
        for statement in statements:
            conn.execute(text(statement))
    try:
        yield database, user, password, int(url.port or 3306)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
        admin.dispose()


@pytest.fixture(scope="module")
def lan(clinic_account: tuple[str, str, str, int]) -> Iterator[dict[str, Any]]:
    """The NHSO sandbox and the loopback printer, on this machine's loopback."""
    from hardware.printer import LoopbackPrinter
    from integrations.nhso.sandbox import SandboxServer

    sandbox = SandboxServer(port=0, hcode=HCODE).start()
    printer = LoopbackPrinter("127.0.0.1", 0).start()
    try:
        yield {"nhso_port": sandbox.port, "printer": printer, "printer_port": printer.port}
    finally:
        printer.stop()
        sandbox.stop()
