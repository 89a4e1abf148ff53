"""A check-in on a schema with the live jhcisdb's foreign keys, widths and NOT NULLs.

The reconstruction now carries them (integrations/jhcis/constraints.py, tables.py), on a
tis620 MariaDB in strict and in non-strict ``sql_mode``: a too-long card name is
fitted by the visible rule and its full text kept in ``kiosk_person_card``; a visit
names a real JHCIS account as its provider; a provider that is no account is refused
as a foreign key naming its columns, at once, never retried as "busy".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from integrations.jhcis import ClinicDatabase, WalkinIdentity
from integrations.jhcis import tables as t
from integrations.jhcis.errors import NumberingBusy, ProviderNotFound, WriteRefused
from integrations.jhcis.own_tables import kiosk_person_card
from integrations.jhcis.records import CheckinRequest
from integrations.jhcis.synth import DEMO_PROVIDER
from kiosk.testing import synthetic_cid

pytestmark = pytest.mark.integration

AT = dt.datetime(2026, 11, 25, 9, 30)
LONG_FIRST = "ปรารถนาดีศรีสุวรรณภูมิพิพัฒน์มงคล"  # 33 characters: a card can hold it
SQL_MODES = {
    "strict": "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION",
    "lenient": "NO_ENGINE_SUBSTITUTION",  # as JHCIS's bundled MySQL runs
}


@pytest.fixture(params=sorted(SQL_MODES))
def clinic(
    request: pytest.FixtureRequest, jhcis_mariadb_tis620_url: str
) -> Iterator[ClinicDatabase]:
    mode = SQL_MODES[request.param]
    init = quote(f"SET SESSION sql_mode='{mode}'")
    db = ClinicDatabase.from_url(f"{jhcis_mariadb_tis620_url}?init_command={init}")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT @@SESSION.sql_mode")).scalar() == mode
    yield db
    db.dispose()


def walkin(serial: int, first: str = "ทดสอบ") -> WalkinIdentity:
    return WalkinIdentity(
        cid=synthetic_cid(serial),
        title="นาย",
        first_name=first,
        last_name="ยาวเกินช่อง",
        birth=dt.date(1960, 1, 1),
        sex="1",
    )


def test_the_schema_has_the_live_keys(clinic: ClinicDatabase) -> None:
    keys = {(fk.table, fk.columns, fk.ref_table) for fk in clinic.profile.foreign_keys}
    assert ("visit", ("pcucode", "username"), "user") in keys
    assert ("person", ("pcucodeperson", "hcode"), "house") in keys
    assert clinic.profile.width("person", "fname") == 25
    column = clinic.profile.column("person", "hcode")
    assert column is not None and not column.nullable and not column.has_default


def test_a_long_card_name_is_fitted_and_kept_whole(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = 860000 + len(request.node.name) * 7 + (1 if "strict" in request.node.name else 2)
    identity = walkin(serial, LONG_FIRST)
    done = clinic.open_checkin_visit(
        CheckinRequest(key=f"long-{serial}".ljust(32, "0"), at=AT, identity=identity)
    )
    assert len(LONG_FIRST) == 33
    fitted = done.person.first_name
    assert LONG_FIRST.startswith(fitted) and 20 <= len(fitted) <= 25
    with clinic.engine.connect() as conn:
        stored = conn.execute(
            select(t.person.c.fname).where(
                t.person.c.pcucodeperson == done.person.pcucodeperson,
                t.person.c.pid == done.person.pid,
            )
        ).scalar()
        kept = conn.execute(
            select(kiosk_person_card.c.first_name, kiosk_person_card.c.fitted_columns).where(
                kiosk_person_card.c.pid == done.person.pid
            )
        ).one()
    assert stored == done.person.first_name  # what JHCIS holds is what we said we wrote
    assert tuple(kept) == (LONG_FIRST, "fname")


def test_the_visit_names_a_real_provider(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = 861000 + (1 if "strict" in request.node.name else 2)
    clinic.provider = DEMO_PROVIDER
    assert clinic.check_provider() == DEMO_PROVIDER
    done = clinic.open_checkin_visit(
        CheckinRequest(key=f"prov-{serial}".ljust(32, "0"), at=AT, identity=walkin(serial))
    )
    with clinic.engine.connect() as conn:
        username = conn.execute(
            select(t.visit.c.username).where(
                t.visit.c.pcucode == done.visit.pcucode, t.visit.c.visitno == done.visit.visitno
            )
        ).scalar()
    assert username == DEMO_PROVIDER


def test_a_made_up_provider_is_a_foreign_key_refusal_not_busy(
    clinic: ClinicDatabase, request: pytest.FixtureRequest
) -> None:
    serial = 862000 + (1 if "strict" in request.node.name else 2)
    clinic.provider = "kiosk"  # what the kiosk wrote before: no JHCIS account
    with pytest.raises(ProviderNotFound):
        clinic.check_provider()
    before = clinic.collisions
    with pytest.raises(WriteRefused) as caught:
        clinic.open_checkin_visit(
            CheckinRequest(key=f"fake-{serial}".ljust(32, "0"), at=AT, identity=walkin(serial))
        )
    assert not isinstance(caught.value, NumberingBusy)
    assert caught.value.kind == "foreign_key"
    assert (caught.value.table, caught.value.column) == ("visit", "pcucode, username")
    assert "visit.pcucode, username" in caught.value.th and caught.value.en
    assert clinic.collisions == before  # refused once, never retried
    assert clinic.find_person_by_cid(synthetic_cid(serial)) is None  # nothing half-written
