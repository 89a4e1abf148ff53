"""Files that hold personal data (card traces, photos, ticket images): owner-only."""

from __future__ import annotations

from pathlib import Path

from common.atomic_files import write_atomic


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, whatever the umask or an older file's mode."""
    write_atomic(path, data, mode=0o600)
