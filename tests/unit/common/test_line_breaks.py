"""Lines of Thai and English broken only between words (ICU's dictionary line breaks)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from common.line_breaks import break_opportunities, clusters, segments, wrap_lines
from tests.ui.test_word_breaks import line_starts

MARKS = {chr(c) for c in range(0x0E00, 0x0E80) if unicodedata.category(chr(c)).startswith("M")}
FOLLOWING = set("ะาำๅ")
LEADING = set("เแโใไ")


def cells(text: str) -> int:
    """A monospaced measure: one cell per letter, none for a mark stacked on a letter."""
    return sum(1 for ch in text if not unicodedata.category(ch).startswith("M"))


def assert_letters_whole(text: str, lines: list[str]) -> None:
    """No line starts with a mark or a following vowel, none ends with a leading vowel."""
    for start in line_starts(text, lines):
        assert text[start] not in MARKS | FOLLOWING, (text, lines)
        assert text[start - 1] not in LEADING, (text, lines)


def test_thai_breaks_between_dictionary_words() -> None:
    sentence = "เบอร์มือถือของท่านถูกต้องหรือไม่"
    words = segments(sentence)
    assert "".join(words) == sentence
    assert {"ท่าน", "ต้อง", "หรือ", "ไม่"} <= set(words)
    for width in range(5, cells(sentence) + 1):
        lines = wrap_lines(sentence, cells, width)
        assert "".join(lines) == sentence
        assert all(cells(line) <= width for line in lines)
        ends = set(break_opportunities(sentence))
        offset = 0
        for line in lines:
            offset += len(line)
            assert offset in ends, (width, lines)
    # The example: never "ถูกต้อ / ง" or "ถูกต้ / อง".
    assert wrap_lines(sentence, cells, 11) == ["เบอร์มือถือของ", "ท่านถูกต้องหรือ", "ไม่"]


def test_mixed_thai_english_and_digits() -> None:
    text = "ติดต่อระบบ JHCIS ของหน่วยบริการไม่ได้ โทร 081-234-5678"
    words = segments(text)
    assert "JHCIS " in words and "081-234-5678" in words and "ระบบ " in words
    lines = wrap_lines(text, cells, 12)
    assert all(cells(line) <= 12 for line in lines)
    assert "081-234-5678" in lines  # a phone number is never split
    assert " ".join(lines).replace(" ", "") == text.replace(" ", "")
    assert segments("รพ.สต. บ้านตัวอย่าง")[0] == "รพ.สต. "


def test_a_line_ends_rather_at_a_space_between_thai_phrases() -> None:
    text = "ลงทะเบียนใหม่เป็นผู้รับบริการนอกเขต เจ้าหน้าที่จะตรวจสอบข้อมูลอีกครั้ง"
    first, second = "ลงทะเบียนใหม่เป็นผู้รับบริการนอกเขต", "เจ้าหน้าที่จะตรวจสอบข้อมูลอีกครั้ง"
    # Words would fit after the space ("เจ้าหน้าที่"), but the phrase ends there.
    assert cells(f"{first} เจ้าหน้าที่") <= 40
    assert wrap_lines(text, cells, 40) == [first, second]
    # Not when the line would be left less than two-thirds full: then words fill it.
    assert cells(first) < 45 * 2 / 3
    assert wrap_lines(text, cells, 45) == [f"{first} เจ้าหน้าที่จะตรวจสอบ", "ข้อมูลอีกครั้ง"]


def test_english_breaks_at_spaces_and_keeps_punctuation_with_its_word() -> None:
    text = "Remove your ID card (now), and wait."
    lines = wrap_lines(text, len, 12)
    assert lines == ["Remove your", "ID card", "(now), and", "wait."]


def test_a_word_wider_than_the_line_breaks_between_letters_only() -> None:
    assert wrap_lines("Supercalifragilistic is long", len, 6) == [
        "Superc",
        "alifra",
        "gilist",
        "ic is",
        "long",
    ]
    word = "ประชาสัมพันธ์"  # one dictionary word
    assert segments(word) == [word]
    lines = wrap_lines(word, cells, 3)
    assert "".join(lines) == word and len(lines) > 2
    assert all(cells(line) <= 3 for line in lines)
    assert_letters_whole(word, lines)


def test_tone_marks_and_vowels_stay_with_their_letter() -> None:
    text = "ผู้ป่วยนอกทั่วไปที่มีสิทธิ์หลักประกันสุขภาพแห่งชาติ น้ำ เก้าอี้ ไม้"
    for width in range(1, 12):
        lines = wrap_lines(text, cells, width)
        assert " ".join(lines).replace(" ", "") == text.replace(" ", "")
        assert_letters_whole(text, lines)
    assert list(clusters("เก้าอี้น้ำ")) == ["เก้า", "อี้", "น้ำ"]


def test_spaces_newlines_and_empty_text() -> None:
    assert wrap_lines("สวัสดี ครับ", cells, 100) == ["สวัสดี ครับ"]
    assert wrap_lines("สวัสดี ครับ", cells, cells("สวัสดี")) == ["สวัสดี", "ครับ"]
    assert wrap_lines("one   two", len, 3) == ["one", "two"]  # spaces at a break go
    assert wrap_lines("กรุณา\nรอ", cells, 100) == ["กรุณา", "รอ"]  # a newline always breaks
    assert wrap_lines("", len, 10) == [""]
    assert break_opportunities("") == ()


def test_text_beyond_the_basic_plane_keeps_its_offsets() -> None:
    # ICU counts UTF-16 units; an emoji is two of them but one Python character.
    text = "ok 😀 ไปไหน"
    assert segments(text) == ["ok ", "😀 ", "ไป", "ไหน"]
    assert break_opportunities(text)[-1] == len(text)


def test_a_stray_mark_after_a_space_is_not_split_off() -> None:
    assert " ่า" in "".join(segments("ก ่า"))
    assert all(not s.startswith("\u0e48") for s in segments("ก ่าน"))


THAI_TEXT = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x0E01, 0x0E3B)] + [chr(c) for c in range(0x0E40, 0x0E4E)] + [" "]
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(text=THAI_TEXT, width=st.integers(min_value=1, max_value=12))
def test_any_thai_string_wraps_within_the_width_without_splitting_a_letter(
    text: str, width: int
) -> None:
    lines = wrap_lines(text, cells, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        # Only a single letter (with its marks and vowels) may be wider than the line.
        assert cells(line) <= width or len(list(clusters(line.strip()))) == 1, (line, width)
    assert_letters_whole(text, lines)
