"""Line writers for `|`-delimited claim files: header, CRLF, one encoding, no surprises.

A batch holds citizen IDs and names, so every file of it is owner-only (0600, its
folder 0700) whatever the umask. It is written under a hidden name and renamed into
place only once complete (:class:`BatchBuild`): a failed export leaves nothing behind
that could be mistaken for a batch, and a dry run creates no folder at all.
"""

from __future__ import annotations

import codecs
import contextlib
import importlib
import itertools
import os
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from common.private_files import PRIVATE_DIR, private_dir, private_opener
from integrations.claim_files import CRLF, clean_field, header_of

_BREAK_RE = re.compile(r"[\r\n\t]")


def _charmap(encoding: str) -> Any:
    """The encoding table of a one-byte codec such as cp874 (None for UTF-8)."""
    name = codecs.lookup(encoding).name.replace("-", "_")
    try:
        module = importlib.import_module(f"encodings.{name}")
    except ImportError:
        return None
    return getattr(module, "encoding_table", None)


class FieldMismatch(ValueError):
    """A row that does not carry exactly the file's fields (a programming error)."""


class DelimitedFile:
    """One claim file. ``path=None`` counts rows without writing (dry runs).

    Rows are mappings keyed by field name (:meth:`write`; a missing or unknown key
    raises) or the file's row type of :mod:`integrations.claim_files`, whose fields
    are its columns in order (:meth:`write_row`: the type's field names must be the
    file's columns, so a row built for another file of the same width raises instead
    of being written), so a file can never silently lose or shift a column.
    Characters the encoding lacks are replaced by ``?`` and reported by the write
    returning False.
    """

    def __init__(
        self, path: Path | None, fields: tuple[str, ...], encoding: str, *, header: bool = True
    ) -> None:
        self.path = path
        self.fields = fields
        self.encoding = encoding
        self.rows = 0
        self._handle: IO[bytes] | None = None
        self._field_set = frozenset(fields)
        self._separators = len(fields) - 1
        self._table = _charmap(encoding)
        self._row_type: type | None = None  # the row type already found to fit
        if path is not None:
            self._handle = open(path, "wb", buffering=256 * 1024, opener=private_opener)  # noqa: SIM115 - closed by close()
            if header:
                self._raw("|".join(fields) + CRLF)

    def _raw(self, line: str) -> bool:
        try:
            if self._table is None:
                data = line.encode(self.encoding)
            else:  # what str.encode does for windows-874, without its Python layer
                data = codecs.charmap_encode(line, "strict", self._table)[0]
            clean = True
        except UnicodeEncodeError:
            data = line.encode(self.encoding, errors="replace")
            clean = False
        if self._handle is not None:
            self._handle.write(data)
        return clean

    def write(self, row: Mapping[str, object]) -> bool:
        if row.keys() != self._field_set:
            missing = sorted(self._field_set - row.keys())
            extra = sorted(set(row) - self._field_set)
            raise FieldMismatch(f"row fields differ: missing {missing}, unknown {extra}")
        return self._write_values([row[f] for f in self.fields])

    def write_row(self, row: tuple[object, ...]) -> bool:
        """One row of the file's row type (a namedtuple of ``formats``), checked by type."""
        kind = type(row)
        if kind is not self._row_type:
            if header_of(kind) != self.fields:
                raise FieldMismatch(
                    f"a {kind.__name__} row does not carry this file's columns "
                    f"({self.fields[0]}|...|{self.fields[-1]})"
                )
            self._row_type = kind
        return self._write_values(row)

    def _write_values(self, values: Sequence[object]) -> bool:
        self.rows += 1
        try:
            line = "|".join(values)  # type: ignore[arg-type]
        except TypeError:  # a value that is not text yet
            line = ""
        # The fast path holds when every value is text with no delimiter or line break.
        if not line or line.count("|") != self._separators or _BREAK_RE.search(line):
            line = "|".join(clean_field(v) for v in values)
        return self._raw(line + CRLF)

    def write_line(self, line: str) -> bool:
        """A raw line (SSOP section tags); CRLF is added."""
        return self._raw(line + CRLF)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


# Deflate level 1: a quarter of level 6's time for about a quarter more bytes
# (100,000 visits: 0.35 s and 8.0 MB against 1.3 s and 6.4 MB).
ZIP_LEVEL = 1


def zip_files(zip_path: Path, files: Iterable[Path]) -> Path:
    """One zip with the files under their bare names (what the upload pages expect)."""
    tmp = zip_path.with_name(f".{zip_path.name}.part")
    with (
        open(tmp, "wb", opener=private_opener) as handle,
        zipfile.ZipFile(
            handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
        ) as archive,
    ):
        for file in files:
            archive.write(file, arcname=file.name)
    tmp.replace(zip_path)
    return zip_path


class BatchBuild:
    """A batch being written: a private folder under a hidden name in `out_dir`.

    :meth:`finish` zips it and renames folder and zip to their names; :meth:`abandon`
    (any failure) removes what was written. Paths handed out while building are the
    hidden folder's; :meth:`final` maps one to where it lands.
    """

    def __init__(self, out_dir: Path, name: str, building: Path) -> None:
        self.out_dir = out_dir
        self.name = name
        self.building = building
        self.folder = building  # where files are now: the build, then the target
        self.target = out_dir / name

    def final(self, path: Path) -> Path:
        return self.target / path.relative_to(self.building)

    def finish(self, members: Iterable[Path] | None) -> Path | None:
        """Zip `members` (None: no zip), then rename into place; returns the zip's path."""
        zip_path = None
        if members is not None:
            zip_path = zip_files(self.out_dir / f"{self.name}.zip", members)
        self.folder.rename(self.target)
        self.folder = self.target
        return zip_path

    def abandon(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.out_dir / f".{self.name}.zip.part").unlink()


BUILDING_PREFIX = ".building-"


def _suffixed(name: str) -> Iterator[str]:
    return (name if n == 1 else f"{name}-{n}" for n in itertools.count(1))


def new_batch_build(out_dir: Path, name: str) -> tuple[str, BatchBuild]:
    """Claim the batch's name exclusively; returns (name, its build).

    Names are cut to the second, so two jobs started together (a double-click) would
    share one folder and overwrite each other's files. The claim is an exclusive
    ``mkdir`` of the hidden building folder (atomic even between processes); a name
    whose folder or zip already exists, or is being built, gets ``-2``, ``-3``, ...
    """
    _, name, build = claim_batch_build(out_dir, _suffixed(name))
    return name, build


def claim_batch_build(out_dir: Path, names: Iterator[str]) -> tuple[int, str, BatchBuild]:
    """The first of `names` free as a folder, a zip and a build: (its position from 1,
    name, build). Formats whose name is fixed (SSOP's) pass names of their own shape
    instead of a suffix."""
    number, name, building = _claim(out_dir, names, building=True)
    return number, name, BatchBuild(out_dir, name, building)


def new_batch_folder(out_dir: Path, name: str) -> tuple[str, Path]:
    """Claim and create the batch's final folder at once (private): (name, folder).
    For writers that do not build under a hidden name; see :func:`new_batch_build`."""
    _, name, folder = claim_batch_folder(out_dir, _suffixed(name))
    return name, folder


def claim_batch_folder(out_dir: Path, names: Iterator[str]) -> tuple[int, str, Path]:
    """As :func:`claim_batch_build`, creating the final folder itself."""
    return _claim(out_dir, names, building=False)


def _claim(out_dir: Path, names: Iterator[str], *, building: bool) -> tuple[int, str, Path]:
    if not out_dir.exists():
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            out_dir.mkdir(mode=PRIVATE_DIR)
    for number, candidate in enumerate(names, start=1):
        if _taken(out_dir, candidate) or (out_dir / f"{BUILDING_PREFIX}{candidate}").exists():
            continue
        folder = out_dir / (f"{BUILDING_PREFIX}{candidate}" if building else candidate)
        try:
            private_dir(folder)
        except FileExistsError:
            continue
        # A build of this name may have finished between the check and the claim.
        if building and _taken(out_dir, candidate):
            os.rmdir(folder)
            continue
        return number, candidate, folder
    raise FileExistsError(out_dir)  # only a finite `names` can run out


def _taken(out_dir: Path, name: str) -> bool:
    return (out_dir / name).exists() or (out_dir / f"{name}.zip").exists()
