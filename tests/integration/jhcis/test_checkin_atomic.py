"""A check-in is all or nothing, even when the process dies in the middle of it.

A child process runs one :meth:`ClinicDatabase.open_checkin_visit` for a walk-in (register,
open the visit, record a pending authen, store the mobile) on MariaDB and SIGKILLs
itself just before its Nth SQL statement reaches the server, for every N the check-in
sends, once as the COMMIT is about to go, and once after the call returned. The server
sees the connection drop; what is left must be the whole check-in or none of it. Then
the same check-in, run again, must complete (nothing held the numbering lock or the
key), and a replay must return the same visit.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import create_engine, select

from integrations.jhcis.own_tables import kiosk_pending_authen, kiosk_visit
from integrations.jhcis.tables import person, visit
from kiosk.testing import synthetic_cid

pytestmark = pytest.mark.integration

CHILD = textwrap.dedent(
    """
    import datetime as dt, json, os, signal, sys
    from sqlalchemy import event
    from integrations.jhcis import ClinicDatabase
    from integrations.jhcis.records import CheckinRequest, WalkinIdentity

    url, cid, key, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    db = ClinicDatabase.from_url(url)
    _ = db.profile, db.unit_code()  # first-use reads, before the check-in starts
    sent = 0

    def before(*_args):
        global sent
        sent += 1
        if sent == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def committing(_conn):  # fires as the COMMIT is about to be sent
        if kill_at == -2:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "commit", committing)
    identity = WalkinIdentity(
        cid=cid, title="นาย", first_name="ทดสอบ", last_name="ตัดไฟ",
        birth=dt.date(1970, 1, 1), sex="1",
    )
    request = CheckinRequest(
        key=key, at=dt.datetime(2026, 11, 25, 9, 30), identity=identity,
        claim_type="PG0060001", pending_authen=True, mobile="0891234567", store_mobile=True,
    )
    done = db.open_checkin_visit(request)
    if kill_at == -1:  # the call has returned: committed
        os.kill(os.getpid(), signal.SIGKILL)
    print(json.dumps({"statements": sent, "visitno": done.visit.visitno}))
    """
)


def run_child(url: str, cid: str, key: str, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, url, cid, key, str(kill_at)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def what_is_left(url: str, cid: str, key: str) -> dict[str, object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            who = conn.execute(
                select(person.c.pcucodeperson, person.c.pid, person.c.mobile).where(
                    person.c.idcard == cid
                )
            ).first()
            own = conn.execute(
                select(kiosk_visit.c.visitno).where(kiosk_visit.c.idempotency_key == key)
            ).scalar()
            visits = pending = 0
            if who is not None:
                visits = len(
                    conn.execute(
                        select(visit.c.visitno).where(
                            visit.c.pcucodeperson == who.pcucodeperson, visit.c.pid == who.pid
                        )
                    ).all()
                )
            if own is not None:
                pending = len(
                    conn.execute(
                        select(kiosk_pending_authen.c.id).where(
                            kiosk_pending_authen.c.visitno == own
                        )
                    ).all()
                )
    finally:
        engine.dispose()
    return {
        "person": who is not None,
        "mobile": who.mobile if who is not None else None,
        "visits": visits,
        "kiosk_visit": own is not None,
        "pending": pending,
    }


NOTHING = {"person": False, "mobile": None, "visits": 0, "kiosk_visit": False, "pending": 0}
WHOLE = {"person": True, "mobile": "0891234567", "visits": 1, "kiosk_visit": True, "pending": 1}


def test_a_kill_at_any_point_leaves_the_whole_checkin_or_none(
    jhcis_mariadb_tis620_url: str,
) -> None:
    url = jhcis_mariadb_tis620_url
    # A run to the end counts the statements one check-in sends.
    full = run_child(url, synthetic_cid(870000), "k" * 32, 0)
    assert full.returncode == 0, full.stderr[-2000:]
    statements = json.loads(full.stdout)["statements"]
    assert statements >= 5  # lock, numbers, person, visit, kiosk_visit, pending, mobile...
    assert what_is_left(url, synthetic_cid(870000), "k" * 32) == WHOLE

    outcomes = {}
    for kill_at in [*range(1, statements + 1), -2, -1]:
        cid = synthetic_cid(870000 + (kill_at % 1000) + 1)
        key = f"kill-{kill_at:+04d}".ljust(32, "x")
        died = run_child(url, cid, key, kill_at)
        assert died.returncode == -signal.SIGKILL, (kill_at, died.stderr[-2000:])
        left = what_is_left(url, cid, key)
        assert left in (NOTHING, WHOLE), (kill_at, left)
        outcomes[kill_at] = left == WHOLE
        # The same check-in again: nothing held the lock or the key; one visit in the end.
        again = run_child(url, cid, key, 0)
        assert again.returncode == 0, (kill_at, again.stderr[-2000:])
        assert what_is_left(url, cid, key) == WHOLE
        replay = run_child(url, cid, key, 0)
        assert json.loads(replay.stdout)["visitno"] == json.loads(again.stdout)["visitno"]
    # Killed before the commit: nothing; once it is committed: everything, never between.
    assert outcomes[1] is False and outcomes[-2] is False and outcomes[-1] is True
    order = [outcomes[n] for n in range(1, statements + 1)]
    assert order == sorted(order), order
