"""Room rule: only ``integrations/jhcis/`` writes JHCIS tables (test seeding included).

A static look at the source: an ``insert(...)``, ``update(...)`` or ``delete(...)``
whose first argument is one of the JHCIS table objects (``person``, ``t.visit``, ...)
outside that room is a finding. Writes through ``ClinicDatabase`` are the room's own.
"""

from __future__ import annotations

import re
from pathlib import Path

from integrations.jhcis.tables import JHCIS_TABLES

ROOT = Path(__file__).resolve().parents[3]
ROOMS = ("backoffice", "kiosk", "common", "hardware", "bench")
NAMES = "|".join(sorted(t.name for t in JHCIS_TABLES))
WRITE = re.compile(rf"\b(insert|update|delete)\(\s*(?:\w+\.)?({NAMES})\b")


def test_no_jhcis_table_is_written_outside_its_room() -> None:
    found = []
    for room in ROOMS:
        for path in sorted((ROOT / room).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative.parts[:2] == ("backoffice", "jhcis"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WRITE.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_the_pattern_sees_a_write() -> None:
    assert WRITE.search("conn.execute(insert(t.visit).values(**row))")
    assert WRITE.search("conn.execute(delete(user).where(x))")
    assert not WRITE.search("conn.execute(insert(kiosk_visit).values(**row))")
