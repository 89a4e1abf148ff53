"""The width rule: cut at a whole Thai character, nothing added, the cut reported."""

from __future__ import annotations

from integrations.jhcis.fitting import fit_text


def test_a_value_that_fits_is_untouched() -> None:
    assert fit_text("สมชาย", 25) == ("สมชาย", False)
    assert fit_text("สมชาย", None) == ("สมชาย", False)
    assert fit_text("สมชาย", 5) == ("สมชาย", False)


def test_a_long_name_is_cut_at_a_whole_character() -> None:
    name = "ประสิทธิ์ศักดิ์"  # tone and vowel marks over several consonants
    fitted, cut = fit_text(name, 8)
    assert cut and len(fitted) <= 8 and name.startswith(fitted)
    # never ends on a consonant whose marks were cut off
    assert name[len(fitted)] not in "ิีึืุู่้๊๋็์ั"
    assert fitted == "ประสิท"  # ธ goes with its ิ and ์


def test_sara_am_stays_with_its_consonant() -> None:
    assert fit_text("กำนัน", 1) == ("", True)
    assert fit_text("กำนัน", 2) == ("กำ", True)


def test_width_in_bytes_for_legacy_columns() -> None:
    fitted, cut = fit_text("สมชาย", 9, units=lambda s: len(s.encode("utf-8")))
    assert cut and fitted == "สมช" and len(fitted.encode("utf-8")) <= 9


def test_a_32_character_card_name_fits_a_25_character_column() -> None:
    name = "ก" * 32
    fitted, cut = fit_text(name, 25)
    assert cut and fitted == "ก" * 25
