"""The announcement from clips espeak-ng really spoke: every clip there, in order, and the
length the parts add up to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backoffice.calling.voice import (
    CHIME,
    GAP_S,
    RATE,
    assemble,
    catalogue,
    clip_order,
    number_clip,
    render_clips,
)
from common.config import CallingSettings
from common.speech import wav

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/install-system-deps.sh)")
    folder = tmp_path_factory.mktemp("calling-voice")
    render_clips(folder, CallingSettings())
    return folder


def test_every_clip_is_rendered_as_speech(clips: Path) -> None:
    for name in [*catalogue(CallingSettings()), CHIME]:
        info = wav.wav_info(clips / name)
        assert (info.rate, info.channels, info.sample_width) == (RATE, 1, 2), name
        assert 0.15 < info.duration_s < 4.0, (name, info.duration_s)


def test_number_12_at_exam_room_2(clips: Path, tmp_path: Path) -> None:
    calling = CallingSettings()
    names = clip_order(calling, 12, "exam", 2)
    assert names[2:4] == [number_clip("sip"), number_clip("d2")]  # สิบ-สอง, not หนึ่ง-สอง
    spoken = assemble(names, [tmp_path / "no-clinic-recordings", clips])
    assert spoken.used == names and spoken.missing == []
    parts = []
    for name in names:
        pcm = wav.read_pcm16(clips / name)
        assert pcm is not None
        parts.append(pcm if name == CHIME else wav.trimmed(pcm))
    expected = sum(len(p.samples) for p in parts) / RATE + GAP_S * (len(names) - 1)
    assert spoken.duration_s == pytest.approx(expected, abs=0.001)
    assert 3.0 < spoken.duration_s < 9.0
    out = tmp_path / "call.wav"
    out.write_bytes(spoken.wav_bytes)
    pcm = wav.read_pcm16(out)
    assert pcm is not None
    # The chime comes first, as rendered; then the first word after one gap.
    chime = parts[0].samples
    assert pcm.samples[: len(chime)] == chime
    start = len(chime) + round(GAP_S * RATE)
    invite = parts[1].samples
    assert pcm.samples[start : start + len(invite)] == invite
