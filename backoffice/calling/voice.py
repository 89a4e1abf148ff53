"""The waiting-room announcement: "ขอเชิญหมายเลข ๑๒ ที่ห้องตรวจ ๒", after a chime.

Where to go is said as the board writes it (:mod:`backoffice.calling.places`): a point
with one counter by its place ("ที่ห้องทันตกรรม"), one with several by the counter word and
number ("ที่ห้องตรวจ ๒"), so that two rooms never sound alike.

Assembled from short clips rendered at build time (``backoffice calling voice render``,
espeak-ng's Thai voice via :mod:`common.speech.engine`), never spoken live. A clinic
replaces any clip by saving its own recording (WAV, any rate, mono or stereo) under the
same name in its voice folder, which is searched first; the names are listed in
backoffice/calling/README.md. A missing clip is left out (and logged), so a call is
never lost for want of a word.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from backoffice.calling.places import counter_word_th, numbered, place_th
from common.config import CallingSettings, Settings
from common.speech import wav
from common.speech.engine import check_engine, speak
from common.speech.numbers import LARGEST, NUMBER_WORDS, number_words

log = logging.getLogger(__name__)

#: The clinic's own recordings (the data partition on the appliance), then ours.
CLINIC_DIR = Path("/etc/jhcis-kiosk/voice")
IMAGE_DIR = Path("/usr/share/jhcis-kiosk/voice")
RATE = 22050  # espeak-ng's rate: every rendered clip has it already
GAP_S = 0.12  # between words: Thai numbers run together, but clips need a breath
CHIME_NOTES = (880.0, 659.25, 523.25)  # a falling three-note chime, as TV boards ring
CHIME_NOTE_S = 0.28
CHIME_LEVEL = 0.45
PAUSE_AFTER_CHIME_S = 0.35

CHIME = "call-chime.wav"
INVITE = "call-invite.th.wav"
AT = "call-at.th.wav"
PHRASES = {INVITE: "ขอเชิญหมายเลข", AT: "ที่"}


def number_clip(word: str) -> str:
    return f"call-num-{word}.th.wav"


def counter_clip(point: str) -> str:
    return f"call-counter-{point}.th.wav"


def point_clip(point: str) -> str:
    return f"call-point-{point}.th.wav"


def catalogue(calling: CallingSettings) -> dict[str, str]:
    """Every spoken clip's file name and its Thai text (the chime has no text)."""
    clips = dict(PHRASES)
    clips.update({number_clip(name): word for name, word in NUMBER_WORDS.items()})
    for spec in calling.points:
        clips[point_clip(spec.code)] = place_th(spec)
        if spec.counters > 1:
            clips[counter_clip(spec.code)] = counter_word_th(calling, spec)
    return clips


def clip_order(
    calling: CallingSettings, queue_no: int | None, point: str, counter: int | None
) -> list[str]:
    """The clips of one announcement, in the order they play."""
    names = [CHIME, INVITE]
    if queue_no is not None and 0 <= queue_no <= LARGEST:
        names += [number_clip(w) for w in number_words(queue_no)]
    names.append(AT)
    spec = calling.point(point)
    if spec is not None and counter is not None and numbered(spec, counter):
        names.append(counter_clip(point))
        names += [number_clip(w) for w in number_words(counter)]
    else:
        names.append(point_clip(point))
    return names


def clip_dirs(settings: Settings) -> list[Path]:
    return [CLINIC_DIR, rendered_dir(settings), IMAGE_DIR]


def rendered_dir(settings: Settings) -> Path:
    return settings.data_dir / "calling-voice"


def render_clips(out_dir: Path, calling: CallingSettings) -> list[Path]:
    """Speak every clip of the catalogue and make the chime, into `out_dir`."""
    check_engine(("th",))
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for name, text in catalogue(calling).items():
        speak(text, "th", out_dir / name)
        made.append(out_dir / name)
    chime = wav.tone(CHIME_NOTES, CHIME_NOTE_S, RATE, CHIME_LEVEL)
    chime.extend([0] * round(PAUSE_AFTER_CHIME_S * RATE))
    wav.write_pcm16(out_dir / CHIME, wav.Pcm16(RATE, 1, chime))
    made.append(out_dir / CHIME)
    return made


@dataclass(frozen=True)
class Announcement:
    """The assembled audio and which clips made it (missing ones are not in `used`)."""

    wav_bytes: bytes
    used: list[str]
    missing: list[str]
    duration_s: float


def find_clip(dirs: Sequence[Path], name: str) -> Path | None:
    for folder in dirs:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def assemble(names: Sequence[str], dirs: Sequence[Path]) -> Announcement:
    """The clips `names` joined into one 16-bit mono WAV file at :data:`RATE`."""
    parts: list[wav.Pcm16] = []
    used: list[str] = []
    missing: list[str] = []
    for name in names:
        path = find_clip(dirs, name)
        pcm = None
        if path is not None:
            try:
                pcm = wav.read_pcm16(path)
            except (wave.Error, EOFError, OSError):
                pcm = None
        if pcm is None:
            missing.append(name)
            continue
        # The chime keeps its pause; words lose espeak-ng's trailing silence.
        parts.append(pcm if name == CHIME else wav.trimmed(pcm))
        used.append(name)
    if missing:
        log.warning(
            "calling voice: %d clips missing or unreadable: %s",
            len(missing),
            ", ".join(missing[:4]),
        )
    whole = wav.joined(parts, RATE, GAP_S)
    return Announcement(wav.pcm16_bytes(whole), used, missing, len(whole.samples) / RATE)
