"""The little the voice needs of WAV files: length, loudness, and making tones.

Only 16-bit PCM is rescaled (what espeak-ng writes and what recorders usually save);
other sample formats are played as they are.
"""

from __future__ import annotations

import io
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
    partial = path.with_name(f".{path.name}.partial")
    with wave.open(str(partial), "wb") as wav:
        _write(wav, pcm)
    os.replace(partial, path)


def pcm16_bytes(pcm: Pcm16) -> bytes:
    """A whole WAV file in memory (served to a browser)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        _write(wav, pcm)
    return buffer.getvalue()


def _write(wav: wave.Wave_write, pcm: Pcm16) -> None:
    data = array("h", pcm.samples)
    if sys.byteorder == "big":  # WAV data is little-endian
        data.byteswap()
    wav.setnchannels(pcm.channels)
    wav.setsampwidth(2)
    wav.setframerate(pcm.rate)
    wav.writeframes(data.tobytes())


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


def mono_at(pcm: Pcm16, rate: int) -> array[int]:
    """`pcm` as one channel at `rate` (a clinic's own recording may be stereo, 44.1 kHz):
    channels averaged, then linear interpolation, good enough for speech."""
    samples = pcm.samples
    if pcm.channels > 1:
        step = pcm.channels
        samples = array(
            "h",
            [sum(samples[i : i + step]) // step for i in range(0, len(samples) - step + 1, step)],
        )
    if pcm.rate == rate or not samples:
        return array("h", samples)
    length = max(1, round(len(samples) * rate / pcm.rate))
    ratio = (len(samples) - 1) / max(1, length - 1)
    out = array("h")
    for i in range(length):
        x = i * ratio
        left = int(x)
        right = min(left + 1, len(samples) - 1)
        out.append(round(samples[left] + (samples[right] - samples[left]) * (x - left)))
    return out


def joined(parts: list[Pcm16], rate: int, gap_s: float) -> Pcm16:
    """The clips one after the other, mono at `rate`, with `gap_s` of silence between."""
    gap = array("h", [0]) * round(gap_s * rate)
    out = array("h")
    for index, pcm in enumerate(parts):
        if index:
            out.extend(gap)
        out.extend(mono_at(pcm, rate))
    return Pcm16(rate, 1, out)


def trimmed(pcm: Pcm16, threshold: int = 500, keep_s: float = 0.02) -> Pcm16:
    """Without the silence before and after the sound (espeak-ng ends every clip with
    0.4 s of it: words joined into one announcement would otherwise drag)."""
    samples = pcm.samples
    first = next((i for i, value in enumerate(samples) if abs(value) > threshold), None)
    if first is None:
        return pcm
    last = len(samples) - next(
        i for i, value in enumerate(reversed(samples)) if abs(value) > threshold
    )
    keep = round(keep_s * pcm.rate) * pcm.channels
    start = max(0, first - keep)
    end = min(len(samples), last + keep)
    start -= start % pcm.channels
    return Pcm16(pcm.rate, pcm.channels, samples[start:end])
