"""Render the catalogue to WAV files with Debian's espeak-ng (build time, never live).

The appliance image runs this while its root filesystem is built
(image-build/scripts/customize-rootfs.sh) and leaves espeak-ng out of the image;
a developer runs ``kiosk voice render`` (``make voice``). Each prompt is spoken by
espeak-ng's voice for its language, a little slower than espeak-ng's default for older
listeners, and brought to the same peak level so that no prompt is louder than the next.
Tones are made here, without espeak-ng.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.voice import wav
from kiosk.voice.catalogue import LANGUAGES, PROMPTS, TONES, Language

ENGINE = "espeak-ng"
VOICES: dict[Language, str] = {"th": "th", "en": "en-us"}
# Words per minute; espeak-ng's default is 175. Whether this suits a clinic's patients
# can only be judged by ear there (kiosk/README.md, "Voice").
SPEED_WPM = 150
SPEECH_PEAK = 0.9  # of full scale, about -1 dBFS
TONE_LEVEL = 0.5  # tones are signals, not speech: half as loud at their peak
TONE_RATE = 22050  # espeak-ng's own rate, so every clip shares one format
ENGINE_TIMEOUT_S = 30


class RenderError(Exception):
    """The engine is missing, lacks a voice, or failed on a prompt."""


@dataclass(frozen=True)
class Rendered:
    path: Path
    duration_s: float


def engine_languages() -> set[str]:
    """The languages espeak-ng has voices for (``espeak-ng --voices``)."""
    if shutil.which(ENGINE) is None:
        raise RenderError(
            f"{ENGINE} is not installed: apt-get install espeak-ng "
            "(scripts/install-system-deps.sh installs it)"
        )
    listing = _run([ENGINE, "--voices"]).stdout
    # Columns: Pty Language Age/Gender VoiceName File Other-languages.
    return {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}


def check_engine(languages: tuple[Language, ...]) -> None:
    have = engine_languages()
    missing = [VOICES[lang] for lang in languages if VOICES[lang] not in have]
    if missing:
        raise RenderError(f"{ENGINE} has no voice for {', '.join(missing)}")


def speak(text: str, language: Language, target: Path) -> None:
    """One sentence to a WAV file at the common peak level."""
    with tempfile.TemporaryDirectory(prefix="kiosk-voice-render-") as scratch:
        raw = Path(scratch) / "raw.wav"
        _run([ENGINE, "-v", VOICES[language], "-s", str(SPEED_WPM), "-w", str(raw), text])
        pcm = wav.read_pcm16(raw)
        if pcm is None or not pcm.samples:
            raise RenderError(f"{ENGINE} wrote no 16-bit speech for {target.name}")
        wav.write_pcm16(
            target, wav.Pcm16(pcm.rate, pcm.channels, wav.normalised(pcm.samples, SPEECH_PEAK))
        )


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


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(  # noqa: S603 - argument list, no shell
            args, capture_output=True, text=True, timeout=ENGINE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"{ENGINE} did not run: {exc}") from exc
    if done.returncode != 0:
        raise RenderError(f"{ENGINE} failed: {done.stderr.strip() or done.returncode}")
    return done
