"""The little the voice needs of WAV files: length, loudness, and making tones.

Only 16-bit PCM is rescaled (what espeak-ng writes and what recorders usually save);
other sample formats are played as they are.
"""

from __future__ import annotations

import math
import os
import sys
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

FULL_SCALE = 32767
FADE_S = 0.005  # a tone that starts or stops abruptly clicks


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


@dataclass(frozen=True)
class Pcm16:
    rate: int
    channels: int
    samples: array[int]


def wav_info(path: Path) -> WavInfo:
    """The header's facts; raises ``wave.Error`` or ``EOFError`` for a file that is not
    a PCM WAV file."""
    with wave.open(str(path), "rb") as wav:
        return WavInfo(wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes())


def read_pcm16(path: Path) -> Pcm16 | None:
    """The samples of a 16-bit PCM file; None for any other sample format."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            return None
        samples = array("h", wav.readframes(wav.getnframes()))
        rate, channels = wav.getframerate(), wav.getnchannels()
    if sys.byteorder == "big":  # WAV data is little-endian
        samples.byteswap()
    return Pcm16(rate, channels, samples)


def write_pcm16(path: Path, pcm: Pcm16) -> None:
    """Written beside the target and renamed: a player never sees half a file."""
    data = array("h", pcm.samples)
    if sys.byteorder == "big":
        data.byteswap()
    partial = path.with_name(f".{path.name}.partial")
    with wave.open(str(partial), "wb") as wav:
        wav.setnchannels(pcm.channels)
        wav.setsampwidth(2)
        wav.setframerate(pcm.rate)
        wav.writeframes(data.tobytes())
    os.replace(partial, path)


def peak(samples: array[int]) -> int:
    return max((abs(s) for s in samples), default=0)


def rms(samples: array[int]) -> float:
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def scaled(samples: array[int], gain: float) -> array[int]:
    if 0 <= gain <= 1:
        # Softer never clips: integer arithmetic, ten times faster than the general case
        # (the kiosk rescales every clip once at start, also on a Raspberry Pi).
        factor = round(gain * 65536)
        return array("h", [(s * factor) >> 16 for s in samples])
    return array("h", [max(-FULL_SCALE - 1, min(FULL_SCALE, round(s * gain))) for s in samples])


def normalised(samples: array[int], to_peak: float) -> array[int]:
    """Louder or softer so that the loudest sample is `to_peak` of full scale."""
    top = peak(samples)
    return scaled(samples, to_peak * FULL_SCALE / top) if top else array("h", samples)


def tone(notes_hz: tuple[float, ...], note_s: float, rate: int, level: float) -> array[int]:
    """Sine notes one after the other, each faded in and out."""
    per_note = round(note_s * rate)
    fade = max(1, round(FADE_S * rate))
    out = array("h")
    for freq in notes_hz:
        for i in range(per_note):
            envelope = min(1.0, i / fade, (per_note - 1 - i) / fade)
            out.append(
                round(level * FULL_SCALE * envelope * math.sin(2 * math.pi * freq * i / rate))
            )
    return out
