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


def test_phr_settings_and_its_optional_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from common.secrets import load_secrets

    settings = load_settings()
    assert settings.moph.phr_finished_flags == ["03"] and settings.moph.phr_base_url == ""
    cfg = tmp_path / "c.toml"
    cfg.write_text("[moph]\nphr_finished_flags = []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"moph\.phr_finished_flags"):
        load_settings(cfg)
    monkeypatch.setenv("KIOSK_MOPH__PHR_FINISHED_FLAGS", '["03", "04"]')
    assert load_settings().moph.phr_finished_flags == ["03", "04"]
    monkeypatch.setenv("KIOSK_SECRET_MOPH_PHR_TOKEN", "99901:{ABC}")
    token = load_secrets(None).moph_phr_token
    assert token is not None and token.get_secret_value() == "99901:{ABC}"
