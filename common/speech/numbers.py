"""Thai numbers as people say and write them: words for the voice, Thai digits for text.

Spoken: 12 is "สิบ-สอง", 21 "ยี่-สิบ-เอ็ด", 101 "หนึ่ง-ร้อย-เอ็ด", never digit by digit.
The words are clip names (see backoffice/calling/README.md), so a clinic may record them.
"""

from __future__ import annotations

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

DIGIT_WORDS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
#: Every word a number up to 9,999 is made of, by the name its clip is saved under.
NUMBER_WORDS: dict[str, str] = {
    **{f"d{i}": word for i, word in enumerate(DIGIT_WORDS)},
    "et": "เอ็ด",
    "yi": "ยี่",
    "sip": "สิบ",
    "roi": "ร้อย",
    "phan": "พัน",
}
PLACES = ((1000, "phan"), (100, "roi"))
LARGEST = 9999


def thai_digits(text: str) -> str:
    """ "12" -> "๑๒" (anything but ASCII digits is left alone)."""
    return text.translate(THAI_DIGITS)


def number_words(n: int) -> list[str]:
    """The word names (keys of :data:`NUMBER_WORDS`) that say `n` in Thai, 0..9999."""
    if not 0 <= n <= LARGEST:
        raise ValueError(f"{n} is outside 0..{LARGEST}")
    if n == 0:
        return ["d0"]
    words: list[str] = []
    rest = n
    for size, name in PLACES:
        if rest >= size:
            words += [f"d{rest // size}", name]
            rest %= size
    tens, ones = divmod(rest, 10)
    if tens == 1:
        words.append("sip")
    elif tens == 2:
        words += ["yi", "sip"]
    elif tens:
        words += [f"d{tens}", "sip"]
    if ones == 1 and n > 10:
        words.append("et")  # 11 สิบเอ็ด, 21 ยี่สิบเอ็ด, 101 หนึ่งร้อยเอ็ด; 1 stays หนึ่ง
    elif ones:
        words.append(f"d{ones}")
    return words


def spoken(n: int) -> str:
    """The words of `n` run together, as Thai writes them: 21 -> "ยี่สิบเอ็ด"."""
    return "".join(NUMBER_WORDS[w] for w in number_words(n))
