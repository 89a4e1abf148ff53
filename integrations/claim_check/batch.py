"""Opening a batch (a folder or a .zip), naming its files, and reading them line by line.

Files are streamed: a member is opened when its turn comes and read one line at a time,
so a batch of 100,000 visits never sits in memory whole.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from .problems import ERROR, WARNING, Findings


@dataclass(frozen=True)
class Member:
    """One file of the batch: its own name (no folder) and how to open it."""

    name: str
    open: Callable[[], IO[bytes]]


@dataclass(frozen=True)
class Batch:
    #: The zip's or folder's own name: an SSOP batch's session number is read from it.
    name: str
    is_zip: bool
    members: tuple[Member, ...]


def _wanted(name: str) -> bool:
    """Leave out folders and the clutter archivers add (__MACOSX, dot files)."""
    base = name.rsplit("/", 1)[-1]
    return bool(base) and not base.startswith(".") and "__MACOSX" not in name


@contextmanager
def open_batch(path: Path) -> Iterator[Batch]:
    """The batch at `path`. Raises FileNotFoundError when nothing is there,
    zipfile.BadZipFile / OSError when it cannot be read."""
    if not path.exists():
        raise FileNotFoundError(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and _wanted(p.name))
        if not files:  # a zip unpacked into a folder of its own: look one level down
            files = sorted(p for p in path.glob("*/*") if p.is_file() and _wanted(p.name))
        members = tuple(Member(p.name, partial(_open_binary, p)) for p in files)
        yield Batch(path.name, False, members)
        return
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and _wanted(i.filename)]
        members = tuple(
            Member(info.filename.rsplit("/", 1)[-1], _opener(archive, info)) for info in infos
        )
        yield Batch(path.name, True, members)


def _open_binary(path: Path) -> IO[bytes]:
    return path.open("rb")


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: archive.open(info)


# -- lines -----------------------------------------------------------------------------

WINDOWS_874 = "windows-874"
UTF_8 = "utf-8"
UTF_8_BOM = "utf-8-sig"
ASCII = "ascii"
_CODECS = {WINDOWS_874: "cp874", UTF_8: "utf-8"}
_BOM = b"\xef\xbb\xbf"

#: Called with each raw line (without its line end) and its line end, before decoding.
RawHook = Callable[[bytes, bytes], None]


class LineReader:
    """A member read as numbered text lines (1-based), streaming.

    Encoding is decided at the first non-ASCII line: UTF-8 if it decodes as UTF-8 (a
    Thai windows-874 text almost never does), else windows-874. A later line that fails
    the decided encoding is an `encoding` error. Line ends are tallied; anything but
    CRLF (the last line may end without one) is reported once per file at the end.
    """

    def __init__(self, member: Member, findings: Findings, *, raw_hook: RawHook | None = None):
        self.member = member
        self.findings = findings
        self.raw_hook = raw_hook
        self._decided: str | None = None
        self.bom = False

    @property
    def encoding(self) -> str:
        if self.bom:
            return UTF_8_BOM
        return self._decided or ASCII

    def __iter__(self) -> Iterator[tuple[int, str]]:
        name = self.member.name
        not_crlf, first_not_crlf = 0, 0
        with self.member.open() as stream:
            for number, raw in enumerate(stream, start=1):
                if raw.endswith(b"\r\n"):
                    body, end = raw[:-2], b"\r\n"
                elif raw.endswith(b"\n"):
                    body, end = raw[:-1], b"\n"
                    not_crlf += 1
                    first_not_crlf = first_not_crlf or number
                else:
                    body, end = raw, b""
                if self.raw_hook is not None:
                    self.raw_hook(body, end)
                if number == 1 and body.startswith(_BOM):
                    self.bom, self._decided, body = True, UTF_8, body[3:]
                yield number, self._decode(body, number)
        if not_crlf:
            self.findings.add(WARNING, "line_end", name, count=not_crlf, first=first_not_crlf)

    def _decode(self, body: bytes, number: int) -> str:
        if body.isascii():
            return body.decode("ascii")
        if self._decided is None:
            for candidate in (UTF_8, WINDOWS_874):
                try:
                    text = body.decode(_CODECS[candidate])
                except UnicodeDecodeError:
                    continue
                self._decided = candidate
                return text
            self._decided = WINDOWS_874
        try:
            return body.decode(_CODECS[self._decided])
        except UnicodeDecodeError:
            self.findings.add(ERROR, "encoding", self.member.name, number, expected=self._decided)
            return body.decode(_CODECS[self._decided], errors="replace")
