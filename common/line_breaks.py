"""Where a line of Thai, English or both may end, and text broken into lines only there.

Thai is written without spaces between words, so a line may end only where a word ends,
and only a dictionary knows where that is. ICU's line-break iterator (the Unicode line
breaking rules with ICU's Thai dictionary, as browsers use it) finds those places, and
the usual ones in Latin text: after a space, after a hyphen, never before a full stop or
inside a phone number. A word alone wider than the line is the one place a line breaks
inside a word, and then only between whole letters (a consonant with its marks and
vowels), never between a letter and the marks stacked on it.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterator

import icu

# text -> width in the unit the caller lays out in (pixels, printer dots)
Measure = Callable[[str], float]

# Thai vowels written after their consonant (ะ า ำ ๅ): spacing letters, not combining
# marks, yet they belong to the consonant before them.
_THAI_FOLLOWING = frozenset("\u0e30\u0e32\u0e33\u0e45")
# Thai vowels written before their consonant (เ แ โ ใ ไ): they belong to the one after.
_THAI_LEADING = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")

_iterators = threading.local()


def _line_iterator() -> icu.BreakIterator:
    # One iterator per thread: an ICU break iterator holds its text and position, and
    # the kiosk lays out screens and tickets on different threads.
    iterator = getattr(_iterators, "line", None)
    if iterator is None:
        iterator = icu.BreakIterator.createLineInstance(icu.Locale("th"))
        _iterators.line = iterator
    return iterator


def _belongs_to_previous(text: str, index: int) -> bool:
    """True when text[index] must stay on the same line as text[index - 1]."""
    ch, before = text[index], text[index - 1]
    return (
        unicodedata.category(ch).startswith("M") or ch in _THAI_FOLLOWING or before in _THAI_LEADING
    )


def break_opportunities(text: str) -> tuple[int, ...]:
    """Offsets in `text` where a line may end (after any spaces there), ascending.

    The end of the text is always one (for non-empty text); the start never is.
    """
    if not text:
        return ()
    iterator = _line_iterator()
    iterator.setText(text)
    # ICU counts in UTF-16 code units; Python counts code points. They differ only past
    # the Basic Multilingual Plane (emoji), so the map is built only when needed.
    to_index = _utf16_to_index(text)
    found = []
    for boundary in iterator:
        index = to_index(int(boundary))
        # Defensive: ICU keeps marks with their letter in real words; this holds it for
        # any string, however malformed (a stray vowel or tone mark after a space).
        if 0 < index < len(text) and _belongs_to_previous(text, index):
            continue
        if index > 0:
            found.append(index)
    if not found or found[-1] != len(text):
        found.append(len(text))
    return tuple(found)


def _utf16_to_index(text: str) -> Callable[[int], int]:
    if all(ord(ch) < 0x10000 for ch in text):
        return lambda offset: offset
    offsets: dict[int, int] = {}
    units = 0
    for index, ch in enumerate(text):
        offsets[units] = index
        units += 2 if ord(ch) >= 0x10000 else 1
    offsets[units] = len(text)
    return lambda offset: offsets[offset]


def segments(text: str) -> list[str]:
    """`text` cut at its break opportunities: words, each with the spaces after it."""
    pieces = []
    start = 0
    for end in break_opportunities(text):
        pieces.append(text[start:end])
        start = end
    return pieces


def clusters(text: str) -> Iterator[str]:
    """The smallest pieces a line may break between inside an over-long word: a letter
    with the marks stacked on it, the vowels written after it (ะ า ำ) and a leading
    vowel (เ แ โ ใ ไ) before it."""
    start = 0
    for index in range(1, len(text)):
        if not _belongs_to_previous(text, index):
            yield text[start:index]
            start = index
    if text:
        yield text[start:]


def wrap_lines(text: str, measure: Measure, max_width: float) -> list[str]:
    """`text` in lines no wider than `max_width` by `measure`, broken only between words.

    Each line takes as many whole words as fit, except that a line ends rather at a
    space (in Thai, the end of a phrase) when that leaves it at least two-thirds full
    and the words after the space still fit on the next line. A newline always ends a
    line. Spaces where a line breaks are dropped. A word wider than the line on its own
    is broken between letters (see :func:`clusters`); nothing else is.
    """

    def fits(words: list[str]) -> bool:
        return measure(_trimmed("".join(words))) <= max_width

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        for segment in segments(paragraph):
            if fits([*line, segment]):
                line.append(segment)
                continue
            if line:
                cut = _phrase_end(line, measure, max_width)
                if not fits([*line[cut:], segment]):
                    cut = len(line)
                lines.append(_trimmed("".join(line[:cut])))
                line = line[cut:]
                if line or fits([segment]):
                    line.append(segment)
                    continue
            for cluster in clusters(segment):
                if line and not fits([*line, cluster]):
                    lines.append(_trimmed("".join(line)))
                    line = []
                line.append(cluster)
        lines.append(_trimmed("".join(line)))
    return lines


# A line may end at an earlier space, the end of a phrase, if it stays this full: Thai
# reads best broken between phrases, but not at the cost of a line left half empty.
PHRASE_FILL = 2 / 3


def _phrase_end(line: list[str], measure: Measure, max_width: float) -> int:
    """How many of the line's words to keep: up to its last space that leaves the line
    PHRASE_FILL full, else all of them."""
    for cut in range(len(line), 0, -1):
        if not line[cut - 1].endswith(" "):
            continue
        if measure(_trimmed("".join(line[:cut]))) >= PHRASE_FILL * max_width:
            return cut
        break
    return len(line)


def _trimmed(line: str) -> str:
    """A line as drawn: the spaces at a break are not part of it."""
    return line.rstrip(" ")
