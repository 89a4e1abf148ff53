"""Paper out, found while idle, on the whole kiosk: pcscd + vpcd, MariaDB, the NHSO sandbox
over HTTP and the loopback ESC/POS printer, with the device watcher the app runs.

The idle screen's words for these notes are rendered in tests/ui (test_screens,
test_device_warnings_app); here the watcher's notes, the health file and the printer's
own record of jobs are what is looked at.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hardware.printer import LoopbackState
from kiosk import flow as f
from kiosk.device_status import DeviceStatus, DeviceWatcher

from .conftest import Kiosk

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

StartKiosk = Callable[..., Kiosk]


def test_paper_out_is_known_before_the_card_goes_in(
    jhcis_mariadb_utf8_url: str, start_kiosk: StartKiosk
) -> None:
    kiosk = start_kiosk(jhcis_mariadb_utf8_url, serial=7105)
    runtime = kiosk.runtime
    loopback = runtime.loopback
    assert loopback is not None and runtime.sandbox is not None
    health = kiosk.controller.effects.health
    watcher = DeviceWatcher(
        runtime.services, health, is_idle=lambda: kiosk.state.step == f.Step.IDLE
    )
    assert watcher.check_now() == DeviceStatus("ok", "ok", "ok", "ok")

    loopback.state = LoopbackState.PAPER_OUT
    status = watcher.check_now()
    assert status.printer == "paper_out" and status.notes == ("printer_paper_out",)
    printer = health.snapshot()["components"]["printer"]
    assert (printer["status"], printer["code"]) == ("failed", "paper_out")
    assert loopback.jobs == []  # asked, not printed on

    # The patient who comes anyway still checks in: the visit stands, the ticket is owed.
    state = kiosk.checkin()
    assert state.step == f.Step.GO_TO_COUNTER and state.counter_reason == "printer"
    assert state.session is not None and state.session.visit is not None
    visit = state.session.visit
    looks = len(loopback.jobs)
    watcher.check_now()  # the card is still in: a check-in's screen, not idle
    assert len(loopback.jobs) == looks
    kiosk.remove()
    (failure,) = health.snapshot()["print_failures"]
    assert (failure["visitno"], failure["kind"], failure["local"]) == (
        visit.visitno,
        "paper_out",
        False,
    )

    # Paper loaded: the note goes; the same card reprints the visit's ticket at the kiosk,
    # and it leaves the staff's list of tickets to reprint.
    loopback.state = LoopbackState.READY
    assert watcher.check_now().notes == ()
    again = kiosk.checkin()
    assert again.step == f.Step.DONE and again.session is not None and again.session.reprint
    assert [job for job in loopback.jobs if job.printed]
    assert health.snapshot()["print_failures"] == []
    kiosk.remove()
