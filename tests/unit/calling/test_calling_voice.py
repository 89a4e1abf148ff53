"""The announcement's words and their order, Thai numbers, and the assembled audio."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

from backoffice.calling.board import announcement_text
from backoffice.calling.places import where_en, where_th
from backoffice.calling.voice import (
    AT,
    CHIME,
    GAP_S,
    INVITE,
    RATE,
    assemble,
    catalogue,
    clip_order,
    counter_clip,
    number_clip,
    point_clip,
)
from common.config import CallingSettings, ServicePoint
from common.speech import wav
from common.speech.numbers import number_words, spoken, thai_digits


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, "ศูนย์"), (1, "หนึ่ง"), (10, "สิบ"), (11, "สิบเอ็ด"), (12, "สิบสอง"),
        (20, "ยี่สิบ"), (21, "ยี่สิบเอ็ด"), (45, "สี่สิบห้า"), (100, "หนึ่งร้อย"),
        (101, "หนึ่งร้อยเอ็ด"), (111, "หนึ่งร้อยสิบเอ็ด"), (120, "หนึ่งร้อยยี่สิบ"),
        (1021, "หนึ่งพันยี่สิบเอ็ด"), (9999, "เก้าพันเก้าร้อยเก้าสิบเก้า"),
    ],
)  # fmt: skip
def test_thai_numbers_are_said_as_people_say_them(n: int, said: str) -> None:
    assert spoken(n) == said


def test_numbers_outside_the_clips_are_refused() -> None:
    with pytest.raises(ValueError):
        number_words(10_000)


def test_the_written_call_names_the_place_with_arabic_digits() -> None:
    assert thai_digits("12") == "๑๒"  # what the voice module can still write
    calling = CallingSettings()
    exam, dental = calling.point("exam"), calling.point("dental")
    assert exam is not None and dental is not None
    assert announcement_text("12", where_th(calling, exam, 2)) == "ขอเชิญหมายเลข 12 ที่ห้องตรวจ 2"
    assert announcement_text("7", where_th(calling, dental, 1)) == "ขอเชิญหมายเลข 7 ที่ห้องทันตกรรม"
    assert where_en(exam, 2) == "Examination room 2" and where_en(dental, 1) == "Dental room"


def test_no_two_places_of_the_default_clinic_sound_alike() -> None:
    """ทันตกรรม and วัคซีน are both one "ห้อง": each must be said by its own name."""
    calling = CallingSettings()
    said: dict[tuple[str, ...], str] = {}
    texts = catalogue(calling)
    for spec in calling.points:
        for counter in range(1, spec.counters + 1):
            words = tuple(
                texts.get(name, name) for name in clip_order(calling, 5, spec.code, counter)
            )
            assert words not in said, (spec.code, counter, said.get(words))
            said[words] = f"{spec.code}/{counter}"
    assert texts[point_clip("dental")] == "ห้องทันตกรรม"
    assert texts[point_clip("vaccine")] == "ห้องวัคซีน"
    assert texts[point_clip("screening")] == "โต๊ะซักประวัติ"
    assert texts[counter_clip("exam")] == "ห้องตรวจ"
    # A point with two desks and a generic word says its place before the number.
    two = CallingSettings(
        points=[ServicePoint(code="screening", th="ซักประวัติ", en="Screening",
                             counter_th="โต๊ะ", counters=2)]
    )  # fmt: skip
    assert catalogue(two)[counter_clip("screening")] == "โต๊ะซักประวัติ"


def test_clip_order_of_a_call() -> None:
    calling = CallingSettings()
    assert clip_order(calling, 12, "exam", 2) == [
        CHIME, INVITE, number_clip("sip"), number_clip("d2"), AT, counter_clip("exam"),
        number_clip("d2"),
    ]  # fmt: skip
    # One counter (or none known): the point's place, never "ช่อง ๑".
    assert clip_order(calling, 21, "pharmacy", None)[-2:] == [AT, point_clip("pharmacy")]
    assert clip_order(calling, 21, "dental", 1)[-2:] == [AT, point_clip("dental")]
    # Every clip an announcement may use is in the catalogue (what `voice render` speaks).
    names = set(catalogue(calling)) | {CHIME}
    for n in range(0, 1000):
        for point in calling.points:
            assert set(clip_order(calling, n, point.code, point.counters)) <= names


def _clip(folder: Path, name: str, seconds: float, value: int, rate: int = RATE) -> None:
    samples = array("h", [value]) * round(seconds * rate)
    wav.write_pcm16(folder / name, wav.Pcm16(rate, 1, samples))


def test_assembly_plays_the_clips_in_order_with_gaps_and_skips_missing_ones(
    tmp_path: Path,
) -> None:
    clinic, ours = tmp_path / "clinic", tmp_path / "ours"
    clinic.mkdir()
    ours.mkdir()
    _clip(ours, "a.wav", 0.5, 1000)
    _clip(ours, "b.wav", 0.25, 2000)
    _clip(ours, "c.wav", 0.25, 3000)
    # The clinic's own recording of b wins: stereo at 44.1 kHz, made mono at our rate.
    stereo = array("h", [4000, 4000]) * round(0.5 * 44100)
    wav.write_pcm16(clinic / "b.wav", wav.Pcm16(44100, 2, stereo))
    spoken_ = assemble(["a.wav", "b.wav", "missing.wav", "c.wav"], [clinic, ours])
    assert spoken_.used == ["a.wav", "b.wav", "c.wav"]
    assert spoken_.missing == ["missing.wav"]
    expected = 0.5 + 0.5 + 0.25 + 2 * GAP_S  # no silence of their own to trim
    assert spoken_.duration_s == pytest.approx(expected, abs=0.002)
    out = tmp_path / "out.wav"
    out.write_bytes(spoken_.wav_bytes)
    pcm = wav.read_pcm16(out)
    assert pcm is not None and pcm.rate == RATE and pcm.channels == 1
    # The levels, in order, are a's, then the clinic's b, then c: nothing else.
    levels = [v for i, v in enumerate(pcm.samples) if v and (i == 0 or pcm.samples[i - 1] != v)]
    assert levels == [1000, 4000, 3000]
