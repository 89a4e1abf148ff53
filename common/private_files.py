"""Files that hold personal data (card traces, photos, ticket images, claim batches):
owner-only, whatever the umask or an older file's mode."""

from __future__ import annotations

import os
from pathlib import Path

from common.atomic_files import write_atomic

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, whatever the umask or an older file's mode."""
    write_atomic(path, data, mode=PRIVATE_FILE)


def private_opener(path: str, flags: int) -> int:
    """An ``opener`` for :func:`open`: the file is created (or cut to) mode 0600."""
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # an existing file keeps its mode through O_CREAT
    except OSError:
        os.close(fd)
        raise
    return fd


def private_dir(path: Path) -> Path:
    """Create the folder `path`, readable by its owner only; FileExistsError if it is
    there (an existing folder, which may be anyone's, is never re-moded)."""
    path.mkdir(mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)
    return path


SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_sqlite(path: Path) -> None:
    """Make an SQLite database owner-only before it is opened: created 0600 when new
    (SQLite gives its -wal and -shm files the database file's mode), and the file and
    its companions tightened when an older version left them readable by others."""
    if not path.parent.is_dir():
        return  # SQLite then refuses to open it: no folder is made on the way
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        try:
            if companion.stat().st_uid == os.getuid():
                os.chmod(companion, PRIVATE_FILE)
        except OSError:
            continue  # absent, or not ours to change
