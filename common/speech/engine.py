"""Speaking text to WAV files with Debian's espeak-ng (build time, never live).

The appliance image renders its clips while its root filesystem is built and leaves
espeak-ng out of the image; a developer renders them with ``kiosk voice render`` and
``backoffice calling voice render``. Each sentence is spoken by espeak-ng's voice for its
language, a little slower than espeak-ng's default for older listeners, and brought to
the same peak level so that no clip is louder than the next.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from common.speech import wav

Language = Literal["th", "en"]

ENGINE = "espeak-ng"
VOICES: dict[Language, str] = {"th": "th", "en": "en-us"}
# Words per minute; espeak-ng's default is 175. Whether this suits a clinic's patients
# can only be judged by ear there (kiosk/README.md, "Voice").
SPEED_WPM = 150
SPEECH_PEAK = 0.9  # of full scale, about -1 dBFS
ENGINE_TIMEOUT_S = 30


class RenderError(Exception):
    """The engine is missing, lacks a voice, or failed on a sentence."""


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
    with tempfile.TemporaryDirectory(prefix="speech-render-") as scratch:
        raw = Path(scratch) / "raw.wav"
        _run([ENGINE, "-v", VOICES[language], "-s", str(SPEED_WPM), "-w", str(raw), text])
        pcm = wav.read_pcm16(raw)
        if pcm is None or not pcm.samples:
            raise RenderError(f"{ENGINE} wrote no 16-bit speech for {target.name}")
        wav.write_pcm16(
            target, wav.Pcm16(pcm.rate, pcm.channels, wav.normalised(pcm.samples, SPEECH_PEAK))
        )


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
