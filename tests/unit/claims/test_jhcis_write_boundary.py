"""Room boundary: only integrations/jhcis writes JHCIS tables (CONTRIBUTING.md).

Walks every product module outside integrations/jhcis and refuses an
``update``/``insert``/``delete`` statement built on a table of
:mod:`integrations.jhcis.tables`. The ``testing.py`` modules are excluded: they seed
*synthetic* test databases and are never run against a clinic's database.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import Table

from integrations.jhcis import tables as jhcis_tables

ROOT = Path(__file__).resolve().parents[3]
ROOMS = ("common", "hardware", "integrations", "kiosk", "backoffice")
WRITES = {"update", "insert", "delete"}
JHCIS_TABLES = {
    name
    for name, value in vars(jhcis_tables).items()
    if isinstance(value, Table) and not value.name.startswith("kiosk_")
}


def jhcis_writes(source: str) -> list[int]:
    """Line numbers of statements that write a JHCIS table in `source`."""
    tree = ast.parse(source)
    module_aliases: set[str] = set()
    table_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "integrations.jhcis":
            module_aliases |= {a.asname or a.name for a in node.names if a.name == "tables"}
        elif isinstance(node, ast.ImportFrom) and node.module == "integrations.jhcis.tables":
            table_names |= {a.asname or a.name for a in node.names if a.name in JHCIS_TABLES}
        elif isinstance(node, ast.Import):
            module_aliases |= {
                a.asname for a in node.names if a.name == "integrations.jhcis.tables" and a.asname
            }
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in WRITES:
            continue
        target = node.args[0]
        if (isinstance(target, ast.Name) and target.id in table_names) or (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in module_aliases
            and target.attr in JHCIS_TABLES
        ):
            lines.append(node.lineno)
    return lines


def test_the_checker_sees_both_import_styles() -> None:
    assert jhcis_writes("from integrations.jhcis import tables as t\nupdate(t.visit)\n") == [2]
    assert jhcis_writes("from integrations.jhcis.tables import person\ninsert(person)\n") == [2]
    assert (
        jhcis_writes("from integrations.jhcis.tables import kiosk_visit\ninsert(kiosk_visit)\n")
        == []
    )


def test_no_module_outside_integrations_jhcis_writes_a_jhcis_table() -> None:
    offenders = []
    for path in sorted(p for room in ROOMS for p in (ROOT / room).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[:2] == ("integrations", "jhcis") or path.name == "testing.py":
            continue
        offenders += [f"{relative}:{line}" for line in jhcis_writes(path.read_text("utf-8"))]
    assert offenders == []
