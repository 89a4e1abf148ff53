"""Render the kiosk's catalogue to WAV files (build time, never live).

The appliance image runs this while its root filesystem is built
(image-build/scripts/customize-rootfs.sh) and leaves espeak-ng out of the image;
a developer runs ``kiosk voice render`` (``make voice``). The speaking itself is
:mod:`common.speech.engine`'s (shared with the waiting-room announcements); tones are
made here, without espeak-ng.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.speech import wav
from common.speech.engine import check_engine, speak
from kiosk.voice.catalogue import LANGUAGES, PROMPTS, TONES, Language

TONE_LEVEL = 0.5  # tones are signals, not speech: half as loud at their peak
TONE_RATE = 22050  # espeak-ng's own rate, so every clip shares one format


@dataclass(frozen=True)
class Rendered:
    path: Path
    duration_s: float


def render_all(out_dir: Path, languages: tuple[Language, ...] = LANGUAGES) -> list[Rendered]:
    """Every prompt in each language, then the tones, into `out_dir`."""
    check_engine(languages)
    out_dir.mkdir(parents=True, exist_ok=True)
    done: list[Rendered] = []
    for language in languages:
        for prompt in PROMPTS:
            target = out_dir / prompt.file_name(language)
            speak(prompt.text(language), language, target)
            done.append(Rendered(target, wav.wav_info(target).duration_s))
    for signal in TONES:
        target = out_dir / signal.file_name
        samples = wav.tone(signal.notes_hz, signal.note_s, TONE_RATE, TONE_LEVEL)
        wav.write_pcm16(target, wav.Pcm16(TONE_RATE, 1, samples))
        done.append(Rendered(target, wav.wav_info(target).duration_s))
    return done
