import json
import os
from pathlib import Path

import pytest

from common.config import ConfigError, NhsoMode, load_settings
from common.secrets import InsecureSecretsFileError, load_secrets, write_secret


def test_defaults_are_embedded_and_safe() -> None:
    settings = load_settings()
    assert settings.is_demo_db
    assert settings.effective_db_url.startswith("sqlite:///")
    assert settings.nhso.mode is NhsoMode.sandbox
    assert settings.printer.uri == "preview"


def test_toml_then_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[clinic]\nhcode = "12345"\n[nhso]\nmode = "agent"\n', encoding="utf-8")
    assert load_settings(cfg).nhso.mode is NhsoMode.agent
    monkeypatch.setenv("KIOSK_NHSO__MODE", "endpoint")
    settings = load_settings(cfg)
    assert settings.nhso.mode is NhsoMode.endpoint
    assert settings.clinic.hcode == "12345"


def test_config_env_variable_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[printer]\nwidth_dots = 384\n", encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(cfg))
    assert load_settings().printer.width_dots == 384


def test_unknown_key_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[printer]\nwidht_dots = 384\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"printer\.widht_dots: unknown key"):
        load_settings(cfg)


def test_bad_value_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[clinic]\nhcode = "12"\n[printer]\nuri = "lpt1"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert "clinic.hcode" in str(info.value)
    assert "printer.uri" in str(info.value)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[clinic\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_secrets_refused_when_readable(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('nhso_token = "abc"\n', encoding="utf-8")
    os.chmod(path, 0o644)
    with pytest.raises(InsecureSecretsFileError, match="chmod 600"):
        load_secrets(path)
    os.chmod(path, 0o600)
    secrets = load_secrets(path)
    assert secrets.nhso_token is not None
    assert secrets.nhso_token.get_secret_value() == "abc"
    assert "abc" not in repr(secrets)


def test_write_secret_ignores_a_leftover_readable_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    leftover = path.with_suffix(".tmp")
    leftover.write_text("stale\n", encoding="utf-8")
    os.chmod(leftover, 0o644)
    write_secret(path, "nhso_token", "fresh-token")
    assert (path.stat().st_mode & 0o777) == 0o600
    token = load_secrets(path).nhso_token
    assert token is not None and token.get_secret_value() == "fresh-token"


def test_write_secret_keeps_file_private(tmp_path: Path) -> None:
    path = tmp_path / "s" / "secrets.toml"
    write_secret(path, "nhso_token", 'to"ken')
    write_secret(path, "database_password", "pw")
    assert (path.stat().st_mode & 0o777) == 0o600
    secrets = load_secrets(path)
    assert secrets.nhso_token is not None
    assert secrets.nhso_token.get_secret_value() == 'to"ken'
    with pytest.raises(ConfigError):
        write_secret(path, "no_such_secret", "x")


@pytest.mark.parametrize("command", ["kiosk", "backoffice"])
def test_config_check_redacts(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('database_password = "hunter2-very-secret"\n', encoding="utf-8")
    os.chmod(secrets, 0o600)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'secrets_file = "{secrets}"\n[database]\nurl = "mysql+pymysql://u:pw123@db/jhcisdb"\n',
        encoding="utf-8",
    )
    if command == "kiosk":
        from kiosk.cli import main
    else:
        from backoffice.cli import main
    assert main(["--config", str(cfg), "config", "check"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    assert report["secrets"]["database_password"] == "(set)"
    assert "hunter2" not in out
    assert "pw123" not in out
    assert report["settings"]["database"]["url"] == "mysql+pymysql://u:***@db/jhcisdb"


def test_config_check_reports_bad_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main

    cfg = tmp_path / "c.toml"
    cfg.write_text('[kiosk]\nlanguage = "fr"\n', encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["--config", str(cfg), "config", "check"])
    assert info.value.code == 2
    assert "kiosk.language" in capsys.readouterr().err


def test_broken_secrets_file_names_the_line_not_the_secret(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('nhso_token = "abc"\ndatabase_password = "hunter2\n', encoding="utf-8")
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError) as info:
        load_secrets(path)
    assert "line 2" in str(info.value)
    assert "hunter2" not in str(info.value)
