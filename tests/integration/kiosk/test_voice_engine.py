"""The voice for real: Debian's espeak-ng renders the catalogue (Thai voice), ALSA's aplay
plays a clip into ALSA's file plugin, and fails quietly without a device.

espeak-ng and aplay come from scripts/install-system-deps.sh (espeak-ng, alsa-utils);
a machine without them fails here rather than skipping.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.speech import wav
from common.speech.engine import SPEECH_PEAK, SPEED_WPM, engine_languages
from kiosk.cli import main as kiosk_main
from kiosk.voice.catalogue import PROMPTS, TONES, file_names
from kiosk.voice.clips import ClipLibrary
from kiosk.voice.player import AplayPlayer
from kiosk.voice.render import render_all

pytestmark = pytest.mark.integration

THAI = re.compile(r"[\u0e00-\u0e7f]")


def need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing (scripts/install-system-deps.sh installs {package})")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need("espeak-ng", "espeak-ng")
    out = tmp_path_factory.mktemp("voice")
    render_all(out)
    return out


def test_every_clip_is_rendered_with_a_sensible_length(rendered: Path) -> None:
    for name in file_names():
        info = wav.wav_info(rendered / name)
        assert (info.sample_width, info.channels) == (2, 1), name
        if name.startswith("tone_"):
            assert 0.05 < info.duration_s < 0.5, (name, info.duration_s)
        else:
            assert info.duration_s > 0.5, (name, info.duration_s)


def test_speech_is_sound_not_silence(rendered: Path) -> None:
    for prompt in PROMPTS:
        pcm = wav.read_pcm16(rendered / prompt.file_name("th"))
        assert pcm is not None
        assert abs(wav.peak(pcm.samples) - SPEECH_PEAK * wav.FULL_SCALE) <= 1  # one level
        assert wav.rms(pcm.samples) > 0.05 * wav.FULL_SCALE, prompt.name
    for tone in TONES:
        info = wav.wav_info(rendered / tone.file_name)
        assert abs(info.duration_s - tone.duration_s) < 0.01


def test_thai_prompts_are_spoken_by_the_thai_voice(rendered: Path, tmp_path: Path) -> None:
    assert "th" in engine_languages()
    for prompt in PROMPTS:
        thai = wav.wav_info(rendered / prompt.file_name("th")).duration_s
        letters = len(THAI.findall(prompt.th))
        # Read as Thai, a Thai letter takes well under a third of a second; a voice
        # without Thai spells out each character's name, a second or more apiece.
        assert 0.03 * letters < thai < 0.3 * letters, (prompt.name, thai, letters)
        # And it is espeak-ng's Thai voice saying the catalogue's Thai sentence.
        raw = tmp_path / f"{prompt.name}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "th", "-s", str(SPEED_WPM), "-w", str(raw), prompt.th],
            check=True,
        )
        theirs = wav.read_pcm16(raw)
        ours = wav.read_pcm16(rendered / prompt.file_name("th"))
        assert theirs is not None and ours is not None
        assert ours.samples == wav.normalised(theirs.samples, SPEECH_PEAK), prompt.name


def test_english_voice_would_spell_thai_out(tmp_path: Path) -> None:
    """The length check above can fail: a Thai sentence in a voice without Thai."""
    need("espeak-ng", "espeak-ng")
    raw = tmp_path / "spelled.wav"
    text = PROMPTS[0].th
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), text], check=True)
    assert wav.wav_info(raw).duration_s > 0.3 * len(THAI.findall(text))


@pytest.fixture
def own_logging() -> Iterator[None]:
    """The command installs its own log handler on stderr; later tests keep pytest's."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("own_logging")
def test_render_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need("espeak-ng", "espeak-ng")
    assert kiosk_main(["voice", "render", str(tmp_path), "--language", "th"]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.wav"))
    assert written == sorted(file_names(("th",)))
    assert "กรุณาเสียบบัตรประชาชน" in capsys.readouterr().out


def test_aplay_plays_into_alsas_file_plugin(rendered: Path, tmp_path: Path) -> None:
    need("aplay", "alsa-utils")
    out = tmp_path / "speaker.raw"
    library = ClipLibrary([rendered], volume=50)
    clip = library.path("take_card.th.wav")
    assert clip is not None
    player = AplayPlayer(device=f"file:'{out}',raw")
    player.play(clip)
    player.wait(30)
    assert not player.busy() and not player.failing
    expected = wav.read_pcm16(clip)
    assert expected is not None
    heard = out.read_bytes()
    data = expected.samples.tobytes()
    assert heard[: len(data)] == data  # the quieter copy, sample for sample
    source = wav.read_pcm16(rendered / "take_card.th.wav")
    assert source is not None
    assert abs(wav.peak(expected.samples) - wav.peak(source.samples) / 2) <= 1
    library.close()


def test_aplay_without_a_device_logs_once_and_carries_on(
    rendered: Path, caplog: pytest.LogCaptureFixture
) -> None:
    need("aplay", "alsa-utils")
    player = AplayPlayer(device="no_such_kiosk_speaker")
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            player.play(rendered / "tone_error.wav")
            player.wait(10)
    assert player.failing
    warnings = [r for r in caplog.records if "no sound" in r.getMessage()]
    assert len(warnings) == 1
    assert "no_such_kiosk_speaker" in warnings[0].getMessage()
