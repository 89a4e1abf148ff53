"""First-boot provisioning against a fake boot partition and data partition."""

from __future__ import annotations

import getpass
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

from common.config import load_settings
from common.secrets import load_secrets
from tests.image.conftest import OVERLAY, load_script
from tests.security.conftest import openssl_fingerprint

provision = load_script(OVERLAY / "usr/lib/jhcis-kiosk/provision.py", "jhcis_provision")

DB_PASSWORD = "s3cr3t-Db-pass"
GOOD = f"""
[clinic]
hcode = "03662"
name = "รพ.สต.บ้านทดสอบ"

[database]
host = "192.168.10.5"
port = 3306
name = "jhcis"
user = "kiosk"
password = "{DB_PASSWORD}"

[nhso]
mode = "agent"

[printer]
uri = "usb://0x0483:0x5743"

[backoffice]
staff_pin = "482913"

[access]
ssh_authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample it@province"]
"""


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    boot, data = tmp_path / "boot", tmp_path / "data"
    boot.mkdir()
    data.mkdir()
    return boot, data


def write_provision(boot: Path, text: str) -> Path:
    path = boot / "kiosk-provision.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(boot: Path, data: Path) -> int:
    args = ["--boot-dir", str(boot), "--data-dir", str(data), "--service-user", getpass.getuser()]
    return int(provision.main(args))


def boot_bytes(boot: Path) -> bytes:
    return b"".join(p.read_bytes() for p in boot.iterdir() if p.is_file())


def test_first_boot_writes_config_and_moves_secrets(layout: tuple[Path, Path]) -> None:
    boot, data = layout
    write_provision(boot, GOOD)
    assert run(boot, data) == 0

    config_file = data / "etc/jhcis-kiosk/config.toml"
    secrets_file = data / "etc/jhcis-kiosk/secrets.toml"
    settings = load_settings(config_file)
    assert settings.clinic.hcode == "03662"
    assert settings.card.simulate is False
    assert settings.printer.simulate is False
    assert settings.nhso.mode == "agent"
    assert settings.printer.uri == "usb://0x0483:0x5743"
    assert settings.database.url == "mysql+pymysql://kiosk@192.168.10.5:3306/jhcis?charset=utf8mb4"
    assert str(settings.secrets_file) == "/etc/jhcis-kiosk/secrets.toml"
    assert str(settings.data_dir) == "/var/lib/jhcis-kiosk"
    assert DB_PASSWORD not in config_file.read_text()

    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    loaded = load_secrets(secrets_file)
    assert loaded.database_password is not None
    assert loaded.database_password.get_secret_value() == DB_PASSWORD
    assert loaded.staff_pin is not None and loaded.staff_pin.get_secret_value() == "482913"
    assert loaded.session_key is not None  # generated: sessions must be signed

    # The boot partition keeps no secret, in any file.
    assert not (boot / "kiosk-provision.toml").exists()
    assert DB_PASSWORD.encode() not in boot_bytes(boot)
    assert b"482913" not in boot_bytes(boot)
    applied = tomllib.loads((boot / "kiosk-provision.applied.toml").read_text())
    assert applied["clinic"]["hcode"] == "03662"
    assert applied["database"]["password"] == "(moved to the data partition)"
    keys = (data / "ssh/authorized_keys/kioskadmin").read_text()
    assert keys.startswith("ssh-ed25519 ")


def test_first_boot_makes_the_https_certificate_and_shows_its_fingerprint(
    layout: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    boot, data = layout
    write_provision(boot, GOOD)
    with caplog.at_level("INFO"):
        assert run(boot, data) == 0
    tls = data / "kiosk" / "tls"  # /var/lib/jhcis-kiosk/tls on the running system
    fingerprint = openssl_fingerprint(tls / "backoffice.crt")
    assert stat.S_IMODE((tls / "backoffice.key").stat().st_mode) == 0o600
    assert (tls / "backoffice.sha256").read_text().strip() == fingerprint  # the staff screen
    assert f"SHA-256 {fingerprint}" in caplog.text  # the provisioning log
    assert fingerprint in (boot / "kiosk-provision.applied.toml").read_text()
    loaded = load_secrets(data / "etc/jhcis-kiosk/secrets.toml")
    assert loaded.audit_key is not None  # the audit trail's seal key, made once
    # Provisioning again keeps the device's certificate (browsers remember it).
    write_provision(boot, GOOD)
    assert run(boot, data) == 0
    assert openssl_fingerprint(tls / "backoffice.crt") == fingerprint


def make_pair(folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "365", "-subj", f"/CN={name}", "-keyout", str(folder / "k.pem"),
         "-out", str(folder / "c.pem")],
        check=True, capture_output=True,
    )  # fmt: skip


def test_the_clinics_own_certificate_is_installed_and_its_key_erased(
    layout: tuple[Path, Path], tmp_path: Path
) -> None:
    boot, data = layout
    make_pair(tmp_path / "clinic", "backoffice.clinic.example")
    (boot / "backoffice-tls.crt").write_bytes((tmp_path / "clinic" / "c.pem").read_bytes())
    (boot / "backoffice-tls.key").write_bytes((tmp_path / "clinic" / "k.pem").read_bytes())
    write_provision(boot, GOOD)
    assert run(boot, data) == 0
    tls = data / "kiosk" / "tls"
    assert (tls / "backoffice.crt").read_bytes() == (tmp_path / "clinic" / "c.pem").read_bytes()
    assert stat.S_IMODE((tls / "backoffice.key").stat().st_mode) == 0o600
    assert not (boot / "backoffice-tls.key").exists()  # no private key stays on FAT
    assert b"PRIVATE KEY" not in boot_bytes(boot)


def test_a_clinic_pair_that_does_not_match_is_refused(
    layout: tuple[Path, Path], tmp_path: Path
) -> None:
    boot, data = layout
    make_pair(tmp_path / "a", "a")
    make_pair(tmp_path / "b", "b")
    (boot / "backoffice-tls.crt").write_bytes((tmp_path / "a" / "c.pem").read_bytes())
    (boot / "backoffice-tls.key").write_bytes((tmp_path / "b" / "k.pem").read_bytes())
    write_provision(boot, GOOD)
    assert run(boot, data) == 1
    error = (boot / "kiosk-provision-error.txt").read_text()
    assert "backoffice-tls.crt" in error and "provision_invalid" in error


def test_erase_overwrites_before_unlinking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.toml"
    target.write_bytes(b"password = 'x'\n")
    seen: list[bytes] = []
    real_unlink = Path.unlink

    def spy(self: Path, missing_ok: bool = False) -> None:
        if self == target:
            seen.append(self.read_bytes())
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", spy)
    provision.erase_file(target)
    assert seen == [b"\0" * len(b"password = 'x'\n")]
    assert not target.exists()


def test_reprovision_keeps_secrets_not_given_again(layout: tuple[Path, Path]) -> None:
    boot, data = layout
    write_provision(boot, GOOD)
    assert run(boot, data) == 0
    first_key = load_secrets(data / "etc/jhcis-kiosk/secrets.toml").session_key
    assert first_key is not None
    # IT moves the database: a new file without the password.
    update = GOOD.replace("192.168.10.5", "192.168.10.9").replace(f'password = "{DB_PASSWORD}"', "")
    write_provision(boot, update)
    assert run(boot, data) == 0
    settings = load_settings(data / "etc/jhcis-kiosk/config.toml")
    assert "192.168.10.9" in settings.database.url
    again = load_secrets(data / "etc/jhcis-kiosk/secrets.toml")
    assert again.database_password is not None
    assert again.database_password.get_secret_value() == DB_PASSWORD
    assert again.session_key is not None
    assert again.session_key.get_secret_value() == first_key.get_secret_value()


@pytest.mark.parametrize(
    ("change", "code", "needle"),
    [
        (('mode = "agent"', 'mode = "sandbox"'), "provision_invalid", "nhso] mode"),
        (('uri = "usb://0x0483:0x5743"', 'uri = "preview"'), "provision_invalid", "printer] uri"),
        (('hcode = "03662"', 'hcode = "3662"'), "provision_invalid", "clinic.hcode"),
        ((f'password = "{DB_PASSWORD}"', ""), "provision_missing_key", "[database] password"),
        (("[printer]", "[printr]"), "provision_invalid", "[printr]"),
        (('mode = "agent"', 'mode = "endpoint"'), "provision_missing_key", "[nhso] token"),
        (("ssh-ed25519 AAAA", "hello AAAA"), "provision_invalid", "ssh_authorized_keys[1]"),
        (("port = 3306", "port = 99999"), "provision_invalid", "[database] port"),
    ],
)
def test_mistakes_commit_nothing_and_explain_in_both_languages(
    layout: tuple[Path, Path], change: tuple[str, str], code: str, needle: str
) -> None:
    boot, data = layout
    source = write_provision(boot, GOOD.replace(*change))
    assert run(boot, data) == 1
    assert source.exists()  # IT fixes the file and reboots
    assert not (data / "etc/jhcis-kiosk/config.toml").exists()
    assert not (data / "etc/jhcis-kiosk/secrets.toml").exists()
    report = (boot / "kiosk-provision-error.txt").read_text(encoding="utf-8")
    assert f"code: {code}" in report
    assert needle in report
    assert "กรุณา" in report or "ไม่ถูกต้อง" in report  # the Thai line is there
    assert DB_PASSWORD not in report


def test_broken_toml_error_does_not_quote_the_line(layout: tuple[Path, Path]) -> None:
    boot, data = layout
    write_provision(boot, GOOD.replace(f'password = "{DB_PASSWORD}"', f"password = {DB_PASSWORD}"))
    assert run(boot, data) == 1
    report = (boot / "kiosk-provision-error.txt").read_text(encoding="utf-8")
    assert "line 11" in report
    assert DB_PASSWORD not in report


def test_error_file_is_removed_after_a_successful_retry(layout: tuple[Path, Path]) -> None:
    boot, data = layout
    write_provision(boot, GOOD.replace('mode = "agent"', 'mode = "sandbox"'))
    assert run(boot, data) == 1
    write_provision(boot, GOOD)
    assert run(boot, data) == 0
    assert not (boot / "kiosk-provision-error.txt").exists()


def test_nothing_to_do_without_a_file(layout: tuple[Path, Path]) -> None:
    boot, data = layout
    assert run(boot, data) == 0
    assert list(data.iterdir()) == []


def test_missing_data_partition_is_reported(layout: tuple[Path, Path]) -> None:
    boot, data = layout
    write_provision(boot, GOOD)
    assert run(boot, data / "absent") == 1
    assert "provision_no_data_partition" in (boot / "kiosk-provision-error.txt").read_text()
