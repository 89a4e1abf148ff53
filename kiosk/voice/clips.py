"""Where each clip comes from: the clinic's own recording first, else the rendered one.

On the appliance the rendered clips are in the read-only image
(``/usr/share/jhcis-kiosk/voice``) and the clinic's recordings in
``/etc/jhcis-kiosk/voice``, which lives on the data partition and so survives updates.
A clip found in a folder earlier in the list wins. At a volume below 100 the kiosk
plays a quieter copy made once, in a folder of its own, of each clip it uses.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path

from common.config import Settings
from common.speech import wav
from kiosk.voice.catalogue import file_names

log = logging.getLogger(__name__)

CLINIC_DIR = Path("/etc/jhcis-kiosk/voice")
IMAGE_DIR = Path("/usr/share/jhcis-kiosk/voice")


def clip_dirs(settings: Settings) -> list[Path]:
    """The clinic's folder, the one ``kiosk voice render`` fills by default, the image's."""
    return [CLINIC_DIR, rendered_dir(settings), IMAGE_DIR]


def rendered_dir(settings: Settings) -> Path:
    return settings.data_dir / "voice"


class ClipLibrary:
    """Clip file names to playable files; used from one thread at a time."""

    def __init__(self, dirs: Sequence[Path], volume: int = 100) -> None:
        self.dirs = list(dirs)
        self.volume = volume
        self._resolved: dict[str, Path | None] = {}
        self._durations: dict[str, float] = {}
        self._work: Path | None = None

    def source(self, name: str) -> Path | None:
        """The file that provides clip `name`, before any change of volume."""
        for folder in self.dirs:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        return None

    def path(self, name: str) -> Path | None:
        """What to play for clip `name`; None (logged once) when no folder has it."""
        if name not in self._resolved:
            self._resolved[name] = self._prepare(name)
        return self._resolved[name]

    def duration_s(self, name: str) -> float:
        """How long clip `name` plays; 0 when it is missing or its header unreadable."""
        clip = self.path(name)
        if clip is None:
            return 0.0
        if name not in self._durations:
            try:
                self._durations[name] = wav.wav_info(clip).duration_s
            except (wave.Error, EOFError, OSError):
                self._durations[name] = 0.0
        return self._durations[name]

    def prepare(self, names: Sequence[str] | None = None) -> list[str]:
        """Make every clip ready ahead of the first patient; returns the missing names."""
        wanted = list(names) if names is not None else file_names()
        missing = [name for name in wanted if self.path(name) is None]
        if missing:
            log.warning(
                "voice: %d of %d clips missing (%s); render them with `kiosk voice render`",
                len(missing),
                len(wanted),
                ", ".join(missing[:4]) + (", ..." if len(missing) > 4 else ""),
            )
        return missing

    def close(self) -> None:
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None
        self._resolved.clear()
        self._durations.clear()

    def _prepare(self, name: str) -> Path | None:
        source = self.source(name)
        if source is None or self.volume >= 100:
            return source
        try:
            pcm = wav.read_pcm16(source)
        except (wave.Error, EOFError, OSError) as exc:
            log.warning("voice: %s is not a PCM WAV file (%s); played as it is", source, exc)
            return source
        if pcm is None:
            log.warning("voice: %s is not 16-bit; played at its own volume", source)
            return source
        if self._work is None:
            self._work = Path(tempfile.mkdtemp(prefix="kiosk-voice-"))
        target = self._work / name
        gain = self.volume / 100
        wav.write_pcm16(target, wav.Pcm16(pcm.rate, pcm.channels, wav.scaled(pcm.samples, gain)))
        return target
