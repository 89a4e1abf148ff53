"""nhso.province and nhso.recorder_pid: validated, and a recorder CID never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.config import ConfigError, load_settings

RECORDER = "1998000000016"  # checksum-valid, synthetic


def write(tmp_path: Path, body: str) -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(body, encoding="utf-8")
    return cfg


def test_defaults_are_empty_and_good_values_load(tmp_path: Path) -> None:
    assert (load_settings().nhso.province, load_settings().nhso.recorder_pid) == ("", "")
    cfg = write(tmp_path, f'[nhso]\nprovince = "1000"\nrecorder_pid = "{RECORDER}"\n')
    nhso = load_settings(cfg).nhso
    assert (nhso.province, nhso.recorder_pid) == ("1000", RECORDER)


@pytest.mark.parametrize("province", ["10", "10000", "๑๐๐๐", "ab12"])
def test_bad_province_is_named(tmp_path: Path, province: str) -> None:
    with pytest.raises(ConfigError, match=r"nhso\.province: .*4-digit"):
        load_settings(write(tmp_path, f'[nhso]\nprovince = "{province}"\n'))


def test_bad_recorder_is_named_but_not_quoted(tmp_path: Path) -> None:
    bad = RECORDER[:-1] + "7"  # checksum wrong
    with pytest.raises(ConfigError, match=r"nhso\.recorder_pid: .*citizen ID") as info:
        load_settings(write(tmp_path, f'[nhso]\nrecorder_pid = "{bad}"\n'))
    assert bad not in str(info.value)


def test_config_check_masks_the_recorder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from backoffice.cli import main

    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    secrets.chmod(0o600)
    cfg = write(tmp_path, f'secrets_file = "{secrets}"\n[nhso]\nrecorder_pid = "{RECORDER}"\n')
    assert main(["--config", str(cfg), "config", "check"]) == 0
    out = capsys.readouterr().out
    assert RECORDER not in out
    assert json.loads(out)["settings"]["nhso"]["recorder_pid"] == "x-xxxx-xxxxx-01-6"
