"""Reading SHOW GRANTS output (no server)."""

from __future__ import annotations

from integrations.jhcis.grants import (
    effective_privileges,
    grant_statements,
    missing_privileges,
    risky_privileges,
)


def test_statements_round_trip_through_the_parser() -> None:
    lines = [s.rstrip(";") for s in grant_statements("kiosk", database="jhcisdb", user="k")]
    granted = effective_privileges(lines, "jhcisdb")
    assert missing_privileges("kiosk", granted) == []
    assert "SELECT on visitdiag" in missing_privileges("backoffice", granted)
    assert risky_privileges(granted) == []


def test_column_level_database_level_and_other_databases() -> None:
    lines = [
        "GRANT USAGE ON *.* TO `k`@`%` IDENTIFIED BY PASSWORD '*0123456789ABCDEF'",
        "GRANT SELECT (fname), UPDATE (mobile) ON `jhcisdb`.`person` TO `k`@`%`",
        "GRANT SELECT ON `jhcisdb`.* TO `k`@`%`",
        "GRANT ALL PRIVILEGES ON `other`.* TO `k`@`%`",
    ]
    granted = effective_privileges(lines, "jhcisdb")
    # column-level grants count only as themselves: no whole-row read or write
    assert granted["person"] == {"SELECT(FNAME)", "UPDATE(MOBILE)"}
    missing = missing_privileges("kiosk", granted)
    assert "INSERT on person" in missing and "SELECT on person" not in missing
    assert risky_privileges(granted) == []
    everything = effective_privileges(["GRANT ALL PRIVILEGES ON *.* TO `r`@`%`"], "jhcisdb")
    assert "DROP on visit" in risky_privileges(everything)


def test_backoffice_grants_cover_every_kiosk_table_the_backoffice_defines() -> None:
    """Every ``kiosk_`` table defined anywhere under backoffice/ is in the backoffice grants.

    The modules are found on disk (the rooms are namespace packages, which pkgutil does not
    walk), so a new room's table cannot be forgotten: a least-privilege appliance would
    refuse it at run time.
    """
    import importlib
    from pathlib import Path

    from sqlalchemy import Table

    from integrations.jhcis.grants import privileges

    root = Path(__file__).resolve().parents[3]
    defined: set[str] = set()
    for path in sorted((root / "backoffice").rglob("*.py")):
        if path.stem == "__main__":
            continue  # runs a program when imported
        parts = path.relative_to(root).with_suffix("").parts
        module = importlib.import_module(".".join(p for p in parts if p != "__init__"))
        defined |= {
            value.name
            for value in vars(module).values()
            if isinstance(value, Table) and value.name.startswith("kiosk_")
        }
    assert "kiosk_eclaim_upload" in defined and len(defined) >= 12
    # kiosk_demo marks a database made by `backoffice jhcis create-demo` (an admin account,
    # never a clinic's): the least-privilege account has no business with it.
    defined.discard("kiosk_demo")
    granted = privileges("backoffice")
    assert sorted(defined - set(granted)) == []
