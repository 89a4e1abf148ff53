"""The configured clinic database gets its password from the secrets file.

Provisioning writes ``database.url`` without a password (the configuration file is
not private) and the password to ``database_password``; the kiosk and the doctor must
put the two together, and the password must not show up in their output.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from backoffice.cli import main
from common.config import load_settings
from integrations.jhcis.clinic import ClinicDatabase

pytestmark = pytest.mark.integration


def _split(url: str, tmp_path: Path) -> tuple[Path, str, str]:
    """A config file naming the account only, and a private secrets file with its password."""
    parsed = make_url(url)
    assert parsed.password, "the test MariaDB account has a password"
    password = str(parsed.password)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'database_password = "{password}"\n', encoding="utf-8")
    os.chmod(secrets, 0o600)
    bare = f"{parsed.drivername}://{parsed.username}@{parsed.host}:{parsed.port}/{parsed.database}"
    config = tmp_path / "config.toml"
    config.write_text(f'secrets_file = "{secrets}"\n[database]\nurl = "{bare}"\n', encoding="utf-8")
    return config, bare, password


def test_kiosk_and_doctor_connect_with_the_secret_password(  # type: ignore[no-untyped-def]
    mariadb_databases, tmp_path: Path, capsys
) -> None:
    config, bare, password = _split(mariadb_databases.jhcis("utf8", persons=30, visits=0), tmp_path)
    assert "@" in bare and password not in bare

    db = ClinicDatabase.from_settings(load_settings(config))
    try:
        assert db.check().database  # connected: the password came from the secrets file
        assert password not in repr(db.engine)
    finally:
        db.dispose()

    assert main(["--config", str(config), "doctor", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["usable"] is True
    assert password not in out
