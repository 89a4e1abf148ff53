"""A kiosk starts while the clinic database is down, and failures say so bilingually."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from integrations.jhcis.clinic import ClinicDatabase, classify_db_error
from integrations.jhcis.errors import JhcisError, JhcisUnavailable, NumberingBusy

CID = "1990000000011"


def test_construction_does_not_connect_and_calls_fail_cleanly() -> None:
    db = ClinicDatabase.from_url(
        "mysql+pymysql://kiosk:pw@127.0.0.1:9/jhcisdb", connect_timeout_s=1
    )
    with pytest.raises(JhcisUnavailable) as caught:
        db.find_person_by_cid(CID)
    assert caught.value.code == "jhcis_unavailable"
    assert "ฐานข้อมูล" in caught.value.th and "database" in caught.value.en
    assert CID not in str(caught.value) and "pw" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(JhcisUnavailable):
        db.check()
    db.dispose()


class _Driver(Exception):
    pass


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((2003, "Can't connect"), JhcisUnavailable),
        ((1205, "Lock wait timeout"), NumberingBusy),
        ((1213, "Deadlock"), NumberingBusy),
        ((1146, "Table 'x' doesn't exist"), JhcisError),
        (("database is locked",), NumberingBusy),
        (("unable to open database file",), JhcisUnavailable),
    ],
)
def test_classify_db_error(args: tuple[object, ...], expected: type[JhcisError]) -> None:
    error = classify_db_error(OperationalError("INSERT ... 1990000000011", {}, _Driver(*args)))
    assert type(error) is expected
    assert "1990000000011" not in str(error)


def test_from_settings_never_invents_a_demo_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from backoffice.cli import main
    from common.config import load_settings

    settings = load_settings(overrides={"data_dir": str(tmp_path)})
    with pytest.raises(JhcisUnavailable, match="create-demo"):
        ClinicDatabase.from_settings(settings)
    assert not settings.demo_db_path.exists()
    url = f"sqlite:///{settings.demo_db_path}"
    assert main(["jhcis", "create-demo", "--db", url, "--persons", "20", "--visits", "10"]) == 0
    db = ClinicDatabase.from_settings(settings)
    assert db.unit_code() == "99901"
    db.dispose()


def test_driver_errors_do_not_quote_statement_parameters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from integrations.jhcis.engine import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (idcard CHAR(13) PRIMARY KEY, fname TEXT)"))
            row = {"cid": CID, "name": "ทดสอบลับ"}
            conn.execute(text("INSERT INTO t VALUES (:cid, :name)"), row)
            with pytest.raises(IntegrityError) as caught:
                conn.execute(text("INSERT INTO t VALUES (:cid, :name)"), row)
        message = str(caught.value)
        assert "INSERT INTO t" in message  # the statement is still there to debug
        assert CID not in message and "ทดสอบลับ" not in message
    finally:
        engine.dispose()


def test_a_server_that_stops_answering_is_unavailable_not_a_hang() -> None:
    """A JHCIS PC that accepts the connection and then says nothing (cable, hang)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    db = ClinicDatabase.from_url(
        f"mysql+pymysql://kiosk:pw@127.0.0.1:{port}/jhcisdb",
        connect_timeout_s=1,
        read_timeout_s=0.5,
    )
    outcome: list[BaseException] = []

    def look_up() -> None:
        try:
            db.find_person_by_cid(CID)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=look_up, daemon=True)
    try:
        worker.start()
        worker.join(60)  # a ceiling for a broken build, not a measurement
        assert not worker.is_alive(), "the query hung on a silent server"
        assert len(outcome) == 1 and isinstance(outcome[0], JhcisUnavailable)
    finally:
        db.dispose()
        listener.close()
