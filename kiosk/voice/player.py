"""Playing a clip without waiting for it: ALSA's ``aplay``, or a recorder for the demo.

The appliance has no sound server, so clips go straight to ALSA (alsa-utils' aplay, in
the image's package list). A kiosk without a sound card, or with the speaker unplugged,
must still check patients in: a failure is logged once (and once more when sound comes
back), never raised.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path
from typing import Protocol

from kiosk.voice.catalogue import describe

log = logging.getLogger(__name__)

APLAY = "aplay"
STOP_WAIT_S = 1.0


class Player(Protocol):
    def play(self, clip: Path) -> None:
        """Start playing `clip` (stopping whatever plays) and return at once."""

    def busy(self) -> bool:
        """True while a clip is still playing."""

    def wait(self, timeout: float) -> None:
        """Wait until the clip ends, at most `timeout` seconds."""

    def stop(self) -> None:
        """Cut the clip short."""


class AplayPlayer:
    def __init__(self, device: str = "", command: str = APLAY) -> None:
        self.device = device
        self.command = command
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopped = False  # we ended the clip: its exit status is no failure
        self._failing = False

    @property
    def failing(self) -> bool:
        """The last clip (or the last attempt) could not be played."""
        return self._failing

    def play(self, clip: Path) -> None:
        self.stop()
        args = [self.command, "-q", *(["-D", self.device] if self.device else []), str(clip)]
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
                args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as exc:
            self._failed(f"{self.command} cannot run: {exc.strerror or exc}")
            return
        self._stopped = False

    def busy(self) -> bool:
        proc = self._proc
        if proc is None:
            return False
        if proc.poll() is None:
            return True
        self._reap()
        return False

    def wait(self, timeout: float) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return
        self._reap()

    def stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._stopped = True
            proc.terminate()
            try:
                proc.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._reap()

    def _reap(self) -> None:
        """Read how the finished clip went, once, and close its pipe."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        _, err = proc.communicate()
        if proc.returncode == 0 or self._stopped:
            if self._failing and proc.returncode == 0:
                log.info("voice: sound works again")
                self._failing = False
            return
        lines = err.decode(errors="replace").strip().splitlines()
        self._failed(lines[-1] if lines else f"{self.command} exited {proc.returncode}")

    def _failed(self, why: str) -> None:
        if not self._failing:
            log.warning(
                "voice: no sound on ALSA device %s (%s); the kiosk carries on without it",
                self.device or "default",
                why,
            )
            self._failing = True


class RecordingPlayer:
    """Plays nothing: keeps what it was asked to play, in order (demo, tests).

    With `out_dir`, each clip is copied there as ``NN-<name>`` and listed in
    ``played.txt`` with what it says.
    """

    def __init__(self, out_dir: Path | None = None) -> None:
        self.out_dir = out_dir
        self.played: list[Path] = []
        if out_dir is not None:
            if out_dir.exists():
                shutil.rmtree(out_dir)
            out_dir.mkdir(parents=True)

    @property
    def names(self) -> list[str]:
        return [path.name for path in self.played]

    def play(self, clip: Path) -> None:
        self.played.append(clip)
        if self.out_dir is None:
            return
        copy = f"{len(self.played):02d}-{clip.name}"
        shutil.copyfile(clip, self.out_dir / copy)
        with (self.out_dir / "played.txt").open("a", encoding="utf-8") as listing:
            listing.write(f"{copy}\t{describe(clip.name)}\n")

    def busy(self) -> bool:
        return False

    def wait(self, timeout: float) -> None:
        return None

    def stop(self) -> None:
        return None
