"""NHSO models keep personal data out of repr() and str() (log lines, tracebacks)."""

from __future__ import annotations

import datetime as dt

from integrations.nhso.errors import NoRights
from integrations.nhso.models import (
    AgentRead,
    AuthenCodeRequest,
    ConfirmSaveRequest,
    RealPerson,
    Rights,
)

CID = "3100700000011"
MOBILE = "0812345678"
SECRETS = (CID, MOBILE, "ทดสอบชื่อ", "ทดสอบสกุล", "1985-04-01", "25280401", "HN-77")


def _shown(model: object) -> str:
    return repr(model) + str(model)


def test_person_fields_are_masked_in_every_model() -> None:
    models = [
        Rights(
            cid=CID,
            first_name="ทดสอบชื่อ",
            last_name="ทดสอบสกุล",
            birth_date=dt.date(1985, 4, 1),
            main_inscl_code="UCS",
        ),
        AgentRead.model_validate(
            {"pid": CID, "fname": "ทดสอบชื่อ", "lname": "ทดสอบสกุล", "birthDate": "25280401"}
        ),
        RealPerson.model_validate(
            {"pid": CID, "firstName": "ทดสอบชื่อ", "lastName": "ทดสอบสกุล", "mainInscl": "UCS"}
        ),
        ConfirmSaveRequest(
            pid=CID, claim_type="PG0060001", mobile=MOBILE, correlation_id="c-1", hn="HN-77"
        ),
        AuthenCodeRequest(
            source_id="S",
            trans_id="T",
            pid=CID,
            hcode="12345",
            recorder_pid=CID,
            service_code="PG0060001",
            province="1000",
            phone=MOBILE,
            hn="HN-77",
        ),
    ]
    for model in models:
        shown = _shown(model)
        assert not [s for s in SECRETS if s in shown], shown
        assert "***" in shown
    # What is not personal still shows, so the repr stays useful.
    assert "UCS" in _shown(models[0]) and "PG0060001" in _shown(models[3])
    # The data itself is untouched.
    assert models[3].body()["mobile"] == MOBILE


def test_an_error_carrying_rights_does_not_show_them() -> None:
    rights = Rights(cid=CID, first_name="ทดสอบชื่อ", last_name="ทดสอบสกุล")
    error = NoRights("read: no claim types", rights=rights)
    assert not [s for s in SECRETS if s in repr(error.rights) + str(error)]
