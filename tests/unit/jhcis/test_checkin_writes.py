"""CHECKIN_WRITES names exactly the columns a check-in's INSERTs send.

``backoffice doctor`` trusts the list to find NOT NULL columns without a default that a
check-in would leave out; a column added to an insert but not to the list would make
it miss one. The statements are caught as SQLAlchemy sends them to SQLite.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import event

from integrations.jhcis import ClinicDatabase, WalkinIdentity
from integrations.jhcis.clinic import CHECKIN_WRITES
from integrations.jhcis.records import CheckinRequest
from kiosk.testing import synthetic_cid


def test_the_list_is_what_the_inserts_send(jhcis_sqlite_url: str) -> None:
    db = ClinicDatabase.from_url(jhcis_sqlite_url, provider="นางสาวสาธิต ใจดี")
    _ = db.profile
    sent: dict[str, set[str]] = {}

    def record(_conn, _cursor, statement: str, *_rest) -> None:  # type: ignore[no-untyped-def]
        found = re.match(r"INSERT INTO (\w+) \(([^)]*)\)", statement)
        if found:
            sent.setdefault(found.group(1), set()).update(
                c.strip() for c in found.group(2).split(",")
            )

    event.listen(db.engine, "before_cursor_execute", record)
    identity = WalkinIdentity(
        cid=synthetic_cid(850001), title="นาย", first_name="ทดสอบ", last_name="เขียน",
        birth=dt.date(1980, 1, 2), sex="1", house_no="1", moo="2", road="สาย",
        subdistrict_code="01", district_code="01", province_code="99",
    )  # fmt: skip
    db.open_checkin_visit(
        CheckinRequest(
            key="w" * 32,
            at=dt.datetime(2026, 11, 25, 9, 0),
            identity=identity,
            claim_type="PG0060001",
            claim_code="PP0000000001",
            correlation_id="c",
            main_inscl="UCS",
            sub_inscl="89",
            nhso_hosmain="99900",  # the synthetic clinic's hospital: in chospital
            nhso_hossub="99901",
        )
    )
    db.dispose()
    assert sent["person"] == set(CHECKIN_WRITES["person"])
    assert sent["visit"] == set(CHECKIN_WRITES["visit"])
