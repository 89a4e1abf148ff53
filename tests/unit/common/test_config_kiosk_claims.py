"""kiosk.claim_types: which NHSO claim types the kiosk offers, in what order, in whose words."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import ConfigError, load_settings

CLINIC = """
[[kiosk.claim_types]]
code = "PG0060001"
th = "ตรวจโรค"
en = "See the nurse"

[[kiosk.claim_types]]
code = "PG0140001"
th = "ผู้ป่วยในที่บ้าน"
en = "Home ward"
"""


def test_general_opd_first_by_default_and_never_the_bangkok_check_up() -> None:
    claims = load_settings().kiosk.claim_types
    assert claims[0].code == "PG0060001" and claims[0].th == "ตรวจรักษาทั่วไป"
    codes = [claim.code for claim in claims]
    assert "PG0180001" not in codes and len(codes) == len(set(codes)) == 6
    assert all(claim.en.isascii() for claim in claims)


def test_the_clinic_sets_its_list_in_the_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(CLINIC, encoding="utf-8")
    claims = load_settings(cfg).kiosk.claim_types
    assert [(c.code, c.th, c.en) for c in claims] == [
        ("PG0060001", "ตรวจโรค", "See the nurse"),
        ("PG0140001", "ผู้ป่วยในที่บ้าน", "Home ward"),
    ]
    monkeypatch.setenv(
        "KIOSK_KIOSK__CLAIM_TYPES", '[{"code": "PG0150001", "th": "เจ็บป่วย", "en": "Ill"}]'
    )
    assert [c.code for c in load_settings(cfg).kiosk.claim_types] == ["PG0150001"]


@pytest.mark.parametrize(
    "bad",
    [
        "claim_types = []",
        'claim_types = [{code = "PG006", th = "ก", en = "a"}]',
        'claim_types = [{code = "PG0060001", th = "", en = "a"}]',
        'claim_types = [{code = "PG0060001", th = "ก", en = "a", name = "x"}]',
        'claim_types = [{code = "PG0060001", th = "ก", en = "a"},'
        ' {code = "PG0060001", th = "ข", en = "b"}]',
    ],
    ids=["empty", "code", "no-words", "unknown-key", "twice"],
)
def test_a_bad_list_is_named(tmp_path: Path, bad: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[kiosk]\n{bad}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kiosk\.claim_types"):
        load_settings(cfg)
