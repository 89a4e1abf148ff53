"""The writer's field lists (integrations.claim_files) and the checker's specification
(integrations.claim_check) are two independent readings of the published layouts
(issue 18): neither imports the other, and here they are compared field by field.

A difference is either a spelling the sources themselves use both ways (listed below,
with why) or a belief one of the two got wrong: the test names it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from integrations.claim_check import eclaim_spec, ssop_spec
from integrations.claim_files import ECLAIM_FIELDS, SSOP_SECTIONS

ROOT = Path(__file__).resolve().parents[3]

# Names the sources spell two ways (case aside); SSOP sections carry no header line, so
# the spelling never reaches สกส. (the e-Claim files' headers are compared exactly).
SPELLINGS = {
    # reference §3c writes these; the SSOP 0.93 field reference the second
    ("BillItems", "UnitPrice"): "UP",
    ("Dispensing", "Presc"): "Prescb",
    ("Dispensing", "DispStat"): "DispeStat",
}


def test_the_checker_imports_nothing_of_the_writer_or_the_applications() -> None:
    for module in (ROOT / "integrations" / "claim_check").glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                assert top not in {"backoffice", "kiosk", "hardware", "common"}, module
                assert node.module != "integrations.claim_files", module
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(("backoffice", "kiosk", "integrations")), (
                        module
                    )


def test_eclaim_files_and_their_fields_agree() -> None:
    checker = {spec.name: tuple(f.name for f in spec.fields) for spec in eclaim_spec.FILES}
    assert set(checker) == set(ECLAIM_FIELDS)
    for name, fields in ECLAIM_FIELDS.items():
        assert fields == checker[name], name


def test_ssop_sections_and_their_fields_agree() -> None:
    checker = {
        section.tag: tuple(f.name for f in section.fields)
        for file in ssop_spec.FILES
        for section in (file.main, file.items)
    }
    writer = {tag: fields for sections in SSOP_SECTIONS.values() for tag, fields in sections}
    assert {t.lower() for t in checker} == {t.lower() for t in writer}
    by_lower = {t.lower(): fields for t, fields in checker.items()}
    for tag, fields in writer.items():
        ours = tuple(SPELLINGS.get((tag, f), f).lower() for f in fields)
        theirs = tuple(f.lower() for f in by_lower[tag.lower()])
        assert ours == theirs, tag
