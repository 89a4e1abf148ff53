"""Text fitted to a JHCIS column's real width, by one rule staff can read.

A live ``jhcisdb`` keeps first names in 25 characters and surnames in 35; the card can
hold longer ones. A strict server refuses such a row (error 1406), a lenient one cuts
it silently. We do neither: before writing, a value longer than its column is cut at
the last whole character that fits, never inside a Thai character (a consonant keeps
its vowel and tone marks), with nothing added (an ellipsis would become part of the
name in JHCIS). The card's full text is kept in our ``kiosk_person_card`` table and
shown to staff beside the fitted one (the visit page), so the cut is visible and
can be corrected by hand in JHCIS.

Widths are counted in the column's own units: characters, or bytes where a latin1
column holds legacy Thai bytes (:mod:`integrations.jhcis.legacy_text`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable


def _joins_previous(char: str) -> bool:
    # Thai above/below vowels and tone marks (Mn), and SARA AM, which sits on the
    # consonant before it: none of them may start the part that is cut off.
    return unicodedata.category(char) == "Mn" or char == "\u0e33"


def fit_text(
    value: str, width: int | None, *, units: Callable[[str], int] = len
) -> tuple[str, bool]:
    """`value` cut to `width` units at a character boundary; and whether it was cut."""
    if width is None or units(value) <= width:
        return value, False
    cut = len(value)
    while cut > 0 and units(value[:cut]) > width:
        cut -= 1
    while 0 < cut < len(value) and _joins_previous(value[cut]):
        cut -= 1  # the base character goes with its marks
    return value[:cut].rstrip(), True
