"""The writer's 13-file layouts (integrations.ndp_files) and the checker's reading of the
same public sources (integrations.claim_check.ndp_spec) are two readings: neither imports
the other, and here they are compared file by file, field by field."""

from __future__ import annotations

import ast
from pathlib import Path

from integrations.claim_check import ndp_spec
from integrations.ndp_files import NDP_FILES

ROOT = Path(__file__).resolve().parents[3]


def test_the_checker_imports_nothing_of_the_ndp_writer() -> None:
    for module in (ROOT / "integrations" / "claim_check").glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert "ndp_files" not in node.module, module
                assert not node.module.startswith("backoffice"), module


def test_both_readings_number_and_name_the_13_files_alike() -> None:
    writer = {f.number: f.name for f in NDP_FILES}
    checker = {f.number: f.name for f in ndp_spec.FILES}
    assert writer == checker
    assert sorted(writer) == list(range(1, 14))


def test_what_the_writer_leaves_unwritten_the_checker_calls_not_public() -> None:
    writer = {f.number for f in NDP_FILES if f.row is None}
    checker = {f.number for f in ndp_spec.FILES if f.fields is None}
    assert writer == checker == {6, 9, 10, 11, 12, 13}


def test_every_written_file_has_the_checker_s_fields_in_the_same_order() -> None:
    for written in NDP_FILES:
        if written.row is None:
            continue
        spec = ndp_spec.BY_NUMBER[written.number]
        assert written.fields == tuple(f.name for f in spec.fields or ()), written.name
        # and the checker recognises the writer's file name as that file
        assert ndp_spec.file_for(written.file_name) is spec
