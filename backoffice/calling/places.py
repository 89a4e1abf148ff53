"""Where a called patient goes, in words: the same on the board and in the voice.

Two rooms must never sound alike. With the default points ทันตกรรม and วัคซีน are both
one "ห้อง": "ที่ห้อง ๑" would send both patients to the same words. So a point with one
counter is named by its place ("ห้องทันตกรรม", "โต๊ะซักประวัติ", "ช่องจ่ายยา"), and a point
with several by its counter word and number ("ห้องตรวจ 2") when that word is its own,
else by its place and number ("โต๊ะซักประวัติ 2").
"""

from __future__ import annotations

from common.config import CallingSettings, ServicePoint

#: Counter words that name no place by themselves.
GENERIC_TH = frozenset({"ห้อง", "โต๊ะ", "ช่อง", "จุด", "เคาน์เตอร์"})


def place_th(spec: ServicePoint) -> str:
    """The point as a place: "ห้องทันตกรรม" (a room word before the point's name)."""
    word = spec.counter_th.strip()
    if not word or spec.th.startswith(word):
        return spec.th
    if word in GENERIC_TH:
        return f"{word}{spec.th}"
    return word  # already a place of its own, e.g. ห้องตรวจ


def counter_word_th(calling: CallingSettings, spec: ServicePoint) -> str:
    """What comes before a counter's number: the counter word when only this point uses
    it and it names a place, else the point's place."""
    word = spec.counter_th.strip()
    shared = any(p.code != spec.code and p.counter_th.strip() == word for p in calling.points)
    return place_th(spec) if shared or word in GENERIC_TH or not word else word


def numbered(spec: ServicePoint, counter: int | None) -> bool:
    """Whether the counter's number is said: only where the point has several."""
    return counter is not None and spec.counters > 1


def where_th(calling: CallingSettings, spec: ServicePoint, counter: int | None) -> str:
    if numbered(spec, counter):
        return f"{counter_word_th(calling, spec)} {counter}"
    return place_th(spec)


def where_en(spec: ServicePoint, counter: int | None) -> str:
    place = f"{spec.en} {spec.counter_en.strip().lower()}".strip()
    return f"{place} {counter}" if numbered(spec, counter) else place
