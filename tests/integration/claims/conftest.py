"""What the MOPH Claim tests share: vaccine claims added to the hand-made clinic."""

from __future__ import annotations

import datetime as dt
import runpy
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine

from integrations.jhcis import tables as t

SEED = Path(__file__).resolve().parents[2] / "golden" / "exports" / "clinic_seed.py"
clinic_seed = SimpleNamespace(**runpy.run_path(str(SEED)))
DAY = clinic_seed.DAY


@pytest.fixture
def add_vaccinations() -> Callable[[Engine], None]:
    return _add_vaccinations


def _add_vaccinations(engine: Engine) -> None:
    """Two vaccine claims the seed lacks, given by a nurse (not the diagnosing doctor):
    visit 110, a child's DTP-HB1 (expiry, maker) and OPV1 (no expiry); visit 111, an
    adult's dT2 (JHCIS code dT2, 43-file 106)."""
    unit = clinic_seed.UNIT
    person = {"pcucodeperson": unit, "hcode": 1, "nation": "099", "sex": "2", "occupa": None}
    visit = {
        "pcucode": unit, "visitdate": DAY, "pcucodeperson": unit, "hosmain": unit,
        "hossub": unit, "money1": 0, "username": "nurse", "hiciauthen_nhso": "PG0060001",
    }  # fmt: skip
    epi = {
        "pcucode": unit, "pcucodeperson": unit, "dateepi": DAY, "hosservice": unit,
        "datevacineexpire": None, "manufacturer": None,
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            t.user.insert(),
            {"username": "nurse", "pcucode": unit, "fname": "พยาบาล", "lname": "ฉีดวัคซีน",
             "licenseno": "4511000001"},
        )  # fmt: skip
        conn.execute(
            t.cdrug.insert(),
            {"drugcode": "dT2", "drugname": "dT เข็ม 2", "drugtype": "05", "files18epi": "106"},
        )
        conn.execute(
            t.person.insert(),
            [
                {**person, "pid": 8, "idcard": clinic_seed.cid(8), "fname": "ดาว",
                 "birth": dt.date(2025, 9, 1), "rightcode": "74", "marystatus": "1"},
                {**person, "pid": 9, "idcard": clinic_seed.cid(9), "fname": "เดือน",
                 "birth": dt.date(1990, 4, 1), "rightcode": "89", "marystatus": "2",
                 "occupa": "6111"},
            ],
        )  # fmt: skip
        conn.execute(
            t.visit.insert(),
            [
                {**visit, "visitno": 110, "pid": 8, "rightcode": "74",
                 "timestart": dt.time(10, 0), "claimcode_nhso": "PP1000000110"},
                {**visit, "visitno": 111, "pid": 9, "rightcode": "89",
                 "timestart": dt.time(10, 30), "claimcode_nhso": "PP1000000111"},
            ],
        )  # fmt: skip
        conn.execute(
            t.visitepi.insert(),
            [
                {**epi, "visitno": 110, "pid": 8, "vaccinecode": "DTP-HB1", "lotno": "L1",
                 "datevacineexpire": dt.date(2027, 1, 31), "manufacturer": "GPO"},
                {**epi, "visitno": 110, "pid": 8, "vaccinecode": "OPV1", "lotno": "L2"},
                {**epi, "visitno": 111, "pid": 9, "vaccinecode": "dT2", "lotno": "L3",
                 "datevacineexpire": dt.date(2027, 6, 30)},
            ],
        )  # fmt: skip
