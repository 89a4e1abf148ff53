import argparse
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from common.config import load_settings
from integrations.jhcis.engine import db_url


def _settings(tmp_path: Path) -> Path:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('database_password = "s3cret-pw"\n', encoding="utf-8")
    os.chmod(secrets, 0o600)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'secrets_file = "{secrets}"\n[database]\nurl = "mysql+pymysql://kiosk@db/jhcisdb"\n',
        encoding="utf-8",
    )
    return cfg


def test_configured_database_gets_the_secrets_password(tmp_path: Path) -> None:
    settings = load_settings(_settings(tmp_path))
    url = make_url(db_url(argparse.Namespace(db=None), settings))
    assert url.username == "kiosk"
    assert url.password == "s3cret-pw"


def test_explicit_db_wins_as_given(tmp_path: Path) -> None:
    settings = load_settings(_settings(tmp_path))
    given = "mysql+pymysql://other:pw@h/x"
    assert db_url(argparse.Namespace(db=given), settings) == given


def test_demo_database_needs_no_password(tmp_path: Path) -> None:
    settings = load_settings()
    assert db_url(argparse.Namespace(db=None), settings).startswith("sqlite:///")
