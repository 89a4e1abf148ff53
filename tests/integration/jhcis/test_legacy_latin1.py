"""Thai kept as TIS-620 or UTF-8 bytes inside latin1 columns reads and writes correctly."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from backoffice.cli import main
from common.cid import cid_check_digit
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.engine import open_engine
from integrations.jhcis.records import WalkinIdentity
from integrations.jhcis.schema import create_jhcis_schema

pytestmark = pytest.mark.integration
CODECS = {"tis620": "tis-620", "utf8": "utf-8"}


def cid(n: int) -> str:
    first12 = f"5990{n:08d}"
    return first12 + str(cid_check_digit(first12))


def hexed(value: str, encoding: str) -> str:
    return "X'" + value.encode(CODECS[encoding]).hex() + "'"


@pytest.mark.parametrize("encoding", ["tis620", "utf8"])
def test_legacy_bytes_in_latin1_columns(mariadb_databases, encoding: str, capsys) -> None:  # type: ignore[no-untyped-def]
    url = mariadb_databases.empty("latin1")
    engine = open_engine(url)
    create_jhcis_schema(engine, "latin1")
    with engine.begin() as conn:  # written the way a legacy program wrote them: raw bytes
        for sql in (
            "INSERT INTO office (offid) VALUES ('99901')",
            "INSERT INTO village (pcucode, villcode, villno) VALUES ('99901', '99010100', '00')",
            "INSERT INTO house (pcucode, hcode, villcode) VALUES ('99901', 1, '99010100')",
            f"INSERT INTO ctitle (titlecode, titlename) VALUES ('003', {hexed('นาย', encoding)})",
            "INSERT INTO person (pcucodeperson, pid, hcode, idcard, prename, fname, lname, sex)"
            f" VALUES ('99901', 1, 1, '{cid(1)}', '003', {hexed('สมชาย', encoding)}, "
            f"{hexed('ใจดีมาก', encoding)}, '1')",
        ):
            conn.execute(text(sql))
    db = ClinicDatabase.from_url(url)
    found = db.find_person_by_cid(cid(1))
    assert found is not None
    assert (found.title, found.first_name, found.last_name) == ("นาย", "สมชาย", "ใจดีมาก")
    assert db.legacy_text is not None and db.legacy_text.encoding == encoding

    new = db.register_walkin(
        WalkinIdentity(cid=cid(2), title="นาย", first_name="ทดสอบ", last_name="ภาษาไทย",
                       birth=dt.date(1990, 1, 1), sex="1", house_no="9")
    )  # fmt: skip
    assert new.prename_code == "003"
    with engine.connect() as conn:
        raw = conn.execute(
            text("SELECT HEX(fname), HEX(lname) FROM person WHERE pid = :p"), {"p": new.pid}
        ).one()
    assert bytes.fromhex(raw[0]).decode(CODECS[encoding]) == "ทดสอบ"
    assert bytes.fromhex(raw[1]).decode(CODECS[encoding]) == "ภาษาไทย"
    again = db.find_person_by_cid(cid(2))
    assert again is not None and again.last_name == "ภาษาไทย"
    db.dispose()
    engine.dispose()

    assert main(["doctor", "--db", url]) == 1  # reports and exports do not transcode yet
    assert f"stored as {encoding} bytes" in capsys.readouterr().out
