"""Replace a whole file so that a reader sees the old content or the new, never half.

The new content goes to a uniquely named temporary file in the same directory
(``mkstemp``: created exclusively, owner-only, never through a symlink), is flushed to
the disk, then renamed over the target. Two writers never share a temporary file, and
a failure removes it. The target keeps its mode unless one is given.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(
    path: Path,
    data: bytes,
    *,
    mode: int | None = None,
    default_mode: int = 0o644,
    durable: bool = True,
) -> None:
    """Replace `path` with `data`.

    `mode`: the new file's mode; None keeps the present file's (or `default_mode` for a
    new file). `durable`: fsync the file and its directory, so that a power cut after
    the call cannot bring back the old content (off only for advisory files written
    every few seconds, where it would wear out the flash for nothing).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = default_mode
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    if durable:
        _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (not every filesystem lets a directory be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
