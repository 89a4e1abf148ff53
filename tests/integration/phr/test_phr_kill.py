"""Killing the PHR sender mid-batch and running it again sends nothing twice (MariaDB).

A child process runs ``backoffice phr send`` over three weeks of the synthetic clinic
against the MOPH sandbox, which answers each upload slowly; once PHR has received a few
encounters the child is SIGKILLed (no clean-up runs). The sender runs again: PHR must
hold every encounter at most once. The row of the upload in flight at the kill stays
``sending``: left alone while fresh, shown as unknown once stale, never resent, and
settled by the check against PHR's own list.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from backoffice.phr.sender import PhrSender
from backoffice.phr.tables import kiosk_phr_send
from common.config import ClinicSettings
from integrations.jhcis.engine import open_engine
from integrations.moph.phr import PhrClient
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState
from tests.conftest import JHCIS_SYNTH_END, MariaDBDatabases

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UNIT = "99901"
END = JHCIS_SYNTH_END
DAYS = 21
START = END - dt.timedelta(days=DAYS - 1)
NAME = ClinicSettings().name  # what the child's default settings call the unit


@pytest.fixture
def url(mariadb_databases: MariaDBDatabases) -> str:
    return mariadb_databases.jhcis("utf8", persons=200, visits=400)


@pytest.fixture
def box() -> Iterator[MophSandboxServer]:
    with MophSandboxServer(MophSandboxState("u", "p", UNIT)) as server:
        yield server


def child(url: str, box: MophSandboxServer, tmp: Path) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ.get("PATH", ""), "XDG_DATA_HOME": str(tmp / "xdg"),
        "KIOSK_SECRETS_FILE": str(tmp / "no-secrets.toml"),
        "KIOSK_MOPH__PHR_BASE_URL": box.url, "KIOSK_MOPH__IC_BASE_URL": box.url,
        "KIOSK_SECRET_MOPH_USERNAME": "u", "KIOSK_SECRET_MOPH_PASSWORD": "p",
    }  # fmt: skip
    command = [
        sys.executable, "-m", "backoffice.cli", "phr", "send", "--date", END.isoformat(),
        "--days", str(DAYS), "--db", url, "--json",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(kiosk_phr_send)).mappings()]


def test_killed_mid_batch_then_rerun_sends_nothing_twice(
    url: str, box: MophSandboxServer, tmp_path: Path
) -> None:
    box.state.faults.delay_s, box.state.faults.paths = 0.3, ("UpdatePHRv1",)
    process = child(url, box, tmp_path)
    deadline = time.monotonic() + 120
    while len(box.state.phr_state.snapshot()["receipts"]) < 4:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the child never reached PHR"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.5)  # the sandbox finishes the request it was handling
    box.state.faults.delay_s = 0.0
    engine = open_engine(url)
    try:
        before = rows(engine)
        in_flight = [int(r["visitno"]) for r in before if r["status"] == "sending"]  # type: ignore[call-overload]
        # The kill lands while an upload waits on the slow sandbox (the window between
        # two uploads is microseconds): its row was committed before the request left.
        assert len(in_flight) == 1, before
        lost = in_flight[0]
        now = dt.datetime.now()
        with PhrClient(phr_base=box.url, token_base=box.url, username="u", password="p",
                       hospital_code=UNIT) as client:  # fmt: skip
            sender = PhrSender(engine, client, hcode=UNIT, hospital_name=NAME, clock=lambda: now)
            rerun = {o.visitno: o for o in sender.send(START, END).outcomes}
            assert rerun[lost].reason == "in_progress"  # a fresh "sending" is left alone
            sent_before = {r["visitno"] for r in before if r["status"] == "sent"}
            assert {rerun[v].reason for v in sent_before} == {"sent"}  # not again
            later = PhrSender(engine, client, hcode=UNIT, hospital_name=NAME,
                              clock=lambda: now + dt.timedelta(minutes=20))  # fmt: skip
            assert {o.visitno: o.reason for o in later.send(START, END).outcomes}[lost] == (
                "unknown"
            )  # a stale one is shown as unknown, and still not resent
            day = next(r["visitdate"] for r in before if r["visitno"] == lost)
            checked = later.check(day)  # type: ignore[arg-type]
        receipts = Counter(box.state.phr_state.snapshot()["receipts"])
        assert receipts and max(receipts.values()) == 1, receipts  # nothing twice
        sendable = {v for v, o in rerun.items() if o.status not in {"cannot_send", "waiting"}}
        assert set(receipts) <= {str(v) for v in sendable}
        assert {str(v) for v in sendable - {lost}} <= set(receipts)  # all the others went
        held = str(lost) in receipts  # did the sandbox handle the request before the kill?
        assert [(c.visitno, c.before, c.after) for c in checked] == [
            (lost, "unknown", "sent" if held else "unknown")
        ]
        final = {r["visitno"]: r["status"] for r in rows(engine)}
        assert final[lost] == ("sent" if held else "unknown")
    finally:
        engine.dispose()
