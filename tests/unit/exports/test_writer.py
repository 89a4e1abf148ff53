"""DelimitedFile: a row must be of the file's own row type, not merely as wide."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.exports.writer import DelimitedFile, FieldMismatch
from integrations import claim_files as f

ORF_ROW = f.ORF(
    HN="1", DATEOPD="20260302", CLINIC="00100", REFER="10670", REFERTYPE="2", SEQ="101",
    REFERDATE="20260302",
)  # fmt: skip


def orf_file(tmp_path: Path) -> DelimitedFile:
    return DelimitedFile(tmp_path / "ORF.txt", f.ECLAIM_FIELDS["ORF"], "cp874")


def test_the_files_own_row_type_is_written(tmp_path: Path) -> None:
    file = orf_file(tmp_path)
    assert file.write_row(ORF_ROW) and file.write_row(ORF_ROW._replace(SEQ="102"))
    file.close()
    lines = (tmp_path / "ORF.txt").read_bytes().split(b"\r\n")
    assert lines[1] == b"1|20260302|00100|10670|2|101|20260302" and len(lines) == 4


@pytest.mark.parametrize("other", ["LVD", "LABFU", "CHA"])
def test_a_row_of_another_file_of_the_same_width_is_refused(tmp_path: Path, other: str) -> None:
    row_type = getattr(f, other)
    row = row_type(*ORF_ROW)
    assert len(row) == len(ORF_ROW)
    file = orf_file(tmp_path)
    file.write_row(ORF_ROW)  # a fitting row first: the check is not only on the first row
    with pytest.raises(FieldMismatch, match=other):
        file.write_row(row)
    file.close()
    assert file.rows == 1
    assert (tmp_path / "ORF.txt").read_bytes().count(b"\r\n") == 2  # header and one row


def test_a_bare_tuple_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FieldMismatch):
        orf_file(tmp_path).write_row(tuple(ORF_ROW))


def test_a_header_name_that_is_no_identifier_still_matches(tmp_path: Path) -> None:
    file = DelimitedFile(None, f.ECLAIM_FIELDS["ADP"], "cp874")
    assert "DCIP/E_SCREEN" in file.fields
    assert file.write_row(f.ADP(*[""] * len(f.ADP._fields)))
    with pytest.raises(FieldMismatch):
        file.write_row(f.DRU(*[""] * len(f.DRU._fields)))


def test_a_mapping_row_still_names_every_field(tmp_path: Path) -> None:
    file = orf_file(tmp_path)
    assert file.write(ORF_ROW._asdict())
    with pytest.raises(FieldMismatch, match="REFERDATE"):
        file.write({k: v for k, v in ORF_ROW._asdict().items() if k != "REFERDATE"})
    file.close()
