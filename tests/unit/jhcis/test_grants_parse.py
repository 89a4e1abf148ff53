"""Reading SHOW GRANTS output (no server)."""

from __future__ import annotations

from backoffice.jhcis.grants import (
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
    assert granted["person"] == set()  # column-level grants do not count
    missing = missing_privileges("kiosk", granted)
    assert "INSERT on person" in missing and "SELECT on person" not in missing
    assert risky_privileges(granted) == []
    everything = effective_privileges(["GRANT ALL PRIVILEGES ON *.* TO `r`@`%`"], "jhcisdb")
    assert "DROP on visit" in risky_privileges(everything)


def test_backoffice_grants_cover_every_kiosk_table_the_backoffice_defines() -> None:
    """Each part's own tables, found from their metadata, are in the backoffice grants."""
    from sqlalchemy import Table

    import backoffice.claims.sync
    import backoffice.claims.tables
    import backoffice.reminders.ledger
    import backoffice.web.tables
    from backoffice.jhcis.grants import privileges

    defined = {
        value.name
        for module in (
            backoffice.claims.sync,
            backoffice.claims.tables,
            backoffice.reminders.ledger,
            backoffice.web.tables,
        )
        for value in vars(module).values()
        if isinstance(value, Table) and value.name.startswith("kiosk_")
    }
    assert len(defined) >= 10
    granted = privileges("backoffice")
    assert sorted(defined - set(granted)) == []
    for name in defined:
        assert {"SELECT", "INSERT", "UPDATE", "CREATE", "INDEX"} <= set(granted[name])
    # Sessions and sign-in counters are deleted by the web code; nothing JHCIS is.
    deletable = sorted(t for t, privs in granted.items() if "DELETE" in privs)
    assert deletable == ["kiosk_login_state", "kiosk_web_session"]
