"""moph.rights: which NHSO main rights are sent to MOPH Claim (UC by default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import ConfigError, load_settings


def test_uc_only_by_default_and_set_from_the_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().moph.rights == ["UCS", "WEL"]
    cfg = tmp_path / "c.toml"
    cfg.write_text('[moph]\nrights = ["ucs", "LGO"]\n', encoding="utf-8")
    assert load_settings(cfg).moph.rights == ["UCS", "LGO"]
    monkeypatch.setenv("KIOSK_MOPH__RIGHTS", '["UCS"]')
    assert load_settings(cfg).moph.rights == ["UCS"]


@pytest.mark.parametrize("rights", ["[]", '["UC"]', '["89"]', '["บัตรทอง"]'])
def test_bad_rights_are_named(tmp_path: Path, rights: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[moph]\nrights = {rights}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"moph\.rights"):
        load_settings(cfg)
