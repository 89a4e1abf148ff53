"""The update agent's decisions with small fakes (real gooseBit: tests/image/test_fleet_ddi.py).

A fake DDI server records feedback; a fake RAUC switches slots on "reboot"; the idle
window reads a real health file. The fake RAUC behaves like RAUC's GRUB backend by
default (a slot on trial is "bad" until mark-good); ``uboot=True`` like its U-Boot
backend, which calls a slot on trial "good" while it has boot attempts left: there only
the mark-good unit's marker (``Box.marked``) tells a confirmed slot.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from integrations.hawkbit_ddi import (
    Artifact,
    Chunk,
    DdiError,
    DdiHashMismatch,
    DdiNoSpace,
    Deployment,
    Execution,
    Finished,
    Poll,
)
from kiosk.updates.agent import MARK_GOOD_LIMIT_S, MAX_ATTEMPTS, Machine, UpdateAgent
from kiosk.updates.idle import IdleWindow
from kiosk.updates.rauc import InstallResult, RaucStatus, Slot
from kiosk.updates.status import read_status

ARTIFACT = Artifact("kiosk.raucb", 5, {"sha1": "x"}, "http://server/download")


@dataclass
class FakeDdi:
    offer: Deployment | None = None
    corrupt: bool = False
    download_error: Exception | None = None
    on_feedback: Callable[[Execution, list[str]], None] | None = None
    feedback_log: list[tuple[str, Execution, Finished, list[str]]] = field(default_factory=list)
    attributes: list[dict[str, str]] = field(default_factory=list)

    def poll(self) -> Poll:
        url = "http://server/deploymentBase/7" if self.offer else None
        return Poll(sleep_s=60.0, deployment_url=url)

    def send_attributes(self, attributes: dict[str, str], url: str | None = None) -> None:
        self.attributes.append(dict(attributes))

    def deployment(self, url: str) -> Deployment:
        assert self.offer is not None
        return self.offer

    def download(
        self,
        artifact: Artifact,
        destination: Path,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Path:
        if self.corrupt:
            raise DdiHashMismatch("sha1 does not match")
        if self.download_error is not None:
            raise self.download_error
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(b"12345")
        return destination

    def feedback(
        self,
        action_id: str,
        execution: Execution,
        finished: Finished = Finished.NONE,
        details: Sequence[str] = (),
        progress: tuple[int, int] | None = None,
    ) -> None:
        self.feedback_log.append((action_id, execution, finished, list(details)))
        if self.on_feedback is not None:
            self.on_feedback(execution, list(details))
        if execution is Execution.CLOSED:
            self.offer = None

    def closed(self) -> list[tuple[Finished, list[str]]]:
        return [(f, d) for _, e, f, d in self.feedback_log if e is Execution.CLOSED]


@dataclass
class FakeRauc:
    booted: str = "A"
    status_of: dict[str, str] = field(default_factory=lambda: {"A": "good", "B": "bad"})
    versions: dict[str, str | None] = field(default_factory=lambda: {"A": None, "B": None})
    refuse: str = ""
    uboot: bool = False  # RAUC's U-Boot backend: "good" while attempts are left
    power_cut: bool = False  # the power goes once RAUC has written the slot
    timeout: bool = False  # `rauc install` outlives its timeout
    installed: list[bytes] = field(default_factory=list)

    def status(self) -> RaucStatus:
        def shown(name: str) -> str:
            return "good" if self.uboot else self.status_of[name]

        slots = {n: Slot(n, shown(n), self.versions[n]) for n in ("A", "B")}
        return RaucStatus("jhcis-kiosk-amd64", self.booted, slots)

    def install(self, bundle: Path) -> InstallResult:
        self.installed.append(bundle.read_bytes())
        if self.timeout:
            raise subprocess.TimeoutExpired(["rauc", "install"], 3600)
        if self.refuse:
            return InstallResult(False, self.refuse)
        self.versions["B"] = "0.2.0"
        if self.power_cut:
            raise PowerCut
        return InstallResult(True, "Installing done.")


class PowerCut(BaseException):
    """The agent stops dead: nothing after this point of the cycle runs."""


@dataclass
class Box:
    boot: int = 1
    reboots: int = 0
    marked: bool = False  # the mark-good unit's marker in /run (this boot)

    def machine(self) -> Machine:
        return Machine(
            boot_id=lambda: f"boot-{self.boot}",
            reboot=self.reboot,
            trial_failure=lambda slot: [f"jhcis-kiosk.service: Start request repeated ({slot})"],
            marked_good=lambda: self.marked,
        )

    def new_boot(self, rauc: FakeRauc, slot: str) -> None:
        self.boot += 1
        self.marked = False  # /run is empty again
        rauc.booted = slot

    def reboot(self) -> None:
        self.reboots += 1


NOW = dt.datetime(2026, 12, 7, 9, 0, 0)


def health(path: Path, state: str, since: dt.datetime) -> None:
    path.write_text(json.dumps({"state": state, "state_since": since.isoformat()}))


def offer(version: str = "0.2.0") -> Deployment:
    return Deployment("7", "forced", "forced", (Chunk("os", "kiosk", version, (ARTIFACT,)),))


@dataclass
class Clock:
    now: dt.datetime = NOW
    seconds: float = 1000.0  # the boot's monotonic clock

    def __call__(self) -> dt.datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds


def make_agent(
    tmp_path: Path, ddi: FakeDdi, rauc: FakeRauc, box: Box, clock: Clock, **options: bool
) -> UpdateAgent:
    return UpdateAgent(
        ddi,
        rauc,
        IdleWindow(tmp_path / "kiosk-health.json", 120, clock=clock),
        box.machine(),
        state_dir=tmp_path / "updates",
        status_file=tmp_path / "update-status.json",
        fallback_version="0.1.0",
        clock=clock,
        monotonic=clock.monotonic,
        **options,
    )


@pytest.fixture
def rig(tmp_path: Path) -> tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path]:
    ddi, rauc, box = FakeDdi(offer=offer()), FakeRauc(), Box()
    health_file = tmp_path / "kiosk-health.json"
    health(health_file, "idle", NOW - dt.timedelta(minutes=10))
    return make_agent(tmp_path, ddi, rauc, box, Clock()), ddi, rauc, box, health_file


def test_installs_reboots_when_idle_and_reports_success_only_once_marked_good(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, box, _ = rig
    agent.cycle()  # poll, download, install
    assert rauc.installed == [b"12345"] and ddi.closed() == []
    assert not (agent.download_dir / "update.raucb").exists()  # the bundle is not kept
    assert ddi.attributes[0]["sw_version"] == "0.1.0"
    assert ddi.attributes[0]["hw_boardname"] == "jhcis-kiosk-amd64"
    agent.cycle()  # idle for 10 minutes: reboot
    assert box.reboots == 1
    # The new boot: B on trial, not yet marked good -> nothing reported.
    box.boot, rauc.booted = 2, "B"
    assert agent.cycle() > 0 and ddi.closed() == []
    rauc.status_of["B"] = "good"  # mark-good ran: RAUC says so, and its marker is there
    box.marked = True
    agent.cycle()
    assert ddi.closed() == [(Finished.SUCCESS, ["0.2.0 runs from slot B, marked good"])]
    shown = read_status(agent.status_file)
    assert shown["last"]["result"] == "success"
    assert shown["running_version"] == "0.2.0" and shown["slot"] == "B"


def test_a_rollback_is_reported_as_failure_with_the_trial_boots_reason(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, _rauc, box, _ = rig
    agent.cycle()
    agent.cycle()
    assert box.reboots == 1
    box.boot = 3  # B crash-looped, the bootloader came back on A
    agent.cycle()
    [(finished, details)] = ddi.closed()
    assert finished is Finished.FAILURE
    assert details[0].startswith("rolled back: slot B (0.2.0)")
    assert "Start request repeated (B)" in details[1]
    assert read_status(agent.status_file)["last"]["result"] == "failure"
    assert agent.records.load() is None


def test_the_reboot_waits_for_a_quiet_kiosk(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, _, _, box, health_file = rig
    agent.cycle()
    health(health_file, "reading_card", NOW - dt.timedelta(hours=1))
    agent.cycle()
    health(health_file, "idle", NOW - dt.timedelta(seconds=30))  # just back to idle
    agent.cycle()
    assert box.reboots == 0
    health(health_file, "idle", NOW - dt.timedelta(seconds=121))
    agent.cycle()
    assert box.reboots == 1


def test_a_refused_bundle_is_reported_with_raucs_reason_and_nothing_reboots(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, box, _ = rig
    rauc.refuse = "signature verification failed: unable to get local issuer certificate"
    agent.cycle()
    [(finished, details)] = ddi.closed()
    assert finished is Finished.FAILURE and "signature verification failed" in details[1]
    assert read_status(agent.status_file)["last"]["result"] == "refused"
    agent.cycle()
    assert box.reboots == 0 and agent.records.load() is None


def test_a_corrupt_download_is_not_installed(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, _, _ = rig
    ddi.corrupt = True
    agent.cycle()
    assert rauc.installed == []
    [(finished, _details)] = ddi.closed()
    assert finished is Finished.FAILURE


def test_an_offer_of_the_running_version_is_closed_as_success(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, box, _ = rig
    ddi.offer = offer("0.1.0")
    agent.cycle()
    agent.cycle()
    assert rauc.installed == [] and ddi.closed() == []  # not before mark-good's marker
    box.marked = True
    agent.cycle()
    assert ddi.closed()[0][0] is Finished.SUCCESS and agent.records.load() is None


# --- review of issue 24: U-Boot, power cuts, races, retries --------------------------------
def final(ddi: FakeDdi) -> tuple[Finished, list[str]]:
    """The one final report (the action closed)."""
    [(finished, details)] = ddi.closed()
    return finished, details


def cut_the_power_after_install(agent: UpdateAgent, rauc: FakeRauc) -> None:
    rauc.power_cut = True
    with pytest.raises(PowerCut):
        agent.cycle()
    rauc.power_cut = False


def test_on_uboot_a_slot_rauc_calls_good_on_trial_is_not_reported_before_mark_good(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, box, _ = rig
    rauc.uboot = True
    agent.cycle()
    agent.cycle()
    box.new_boot(rauc, "B")  # first trial boot: one of three attempts spent, "good" to RAUC
    agent.cycle()
    agent.cycle()
    assert ddi.closed() == []
    box.new_boot(rauc, "A")  # the kiosk never got ready: attempts spent, back on A
    agent.cycle()
    finished, details = final(ddi)
    assert finished is Finished.FAILURE and details[0].startswith("rolled back: slot B")


def test_a_power_cut_after_install_before_the_record_still_confirms_the_new_slot(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, box, _ = rig
    rauc.uboot = True
    cut_the_power_after_install(agent, rauc)
    box.new_boot(rauc, "B")  # RAUC had switched the boot order: B on trial
    agent.cycle()  # the server offers the action again: B already runs it, unconfirmed
    agent.cycle()
    assert ddi.closed() == [] and rauc.installed == [b"12345"]
    box.marked = True
    agent.cycle()
    assert [f for f, _ in ddi.closed()] == [Finished.SUCCESS]


def test_a_power_cut_after_install_then_a_rollback_is_reported(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, box, _ = rig
    cut_the_power_after_install(agent, rauc)
    box.new_boot(rauc, "A")  # B was tried and left before this agent ran again
    agent.cycle()
    finished, details = final(ddi)
    assert finished is Finished.FAILURE and details[0].startswith("rolled back: slot B (0.2.0)")


def test_an_install_cut_short_is_retried_not_reported(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, box, _ = rig
    rauc.timeout = True
    agent.cycle()  # rauc install timed out: a failed try, backed off
    bundle = agent.download_dir / "update.raucb"
    assert bundle.exists()  # rauc.service may still read it
    rauc.timeout = False
    box.new_boot(rauc, "A")  # restarted: B never written
    rauc.versions["B"] = None
    agent.cycle()
    assert ddi.closed() == [] and len(rauc.installed) == 2 and agent.records.load() is not None


def test_the_reboot_waits_when_the_kiosk_got_busy_during_the_feedback(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, _, box, health_file = rig
    agent.cycle()

    def somebody_came(execution: Execution, details: list[str]) -> None:
        if details and details[0].startswith("kiosk idle: rebooting"):
            health(health_file, "reading_card", NOW)

    ddi.on_feedback = somebody_came
    agent.cycle()
    assert box.reboots == 0


def test_failed_tries_back_off_and_end_in_a_reported_failure(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, _, _ = rig
    ddi.download_error = DdiError("download failed: ReadTimeout")
    waits = [agent.cycle() for _ in range(MAX_ATTEMPTS - 1)]
    assert waits == [60.0, 120.0, 240.0, 480.0] and ddi.closed() == []
    agent.cycle()
    finished, details = final(ddi)
    assert finished is Finished.FAILURE and details[0] == f"gave up after {MAX_ATTEMPTS} attempts"
    assert "ReadTimeout" in details[1] and rauc.installed == []


def test_an_action_with_two_artifacts_is_not_retried_for_ever(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, _, _, _ = rig
    ddi.offer = Deployment("7", "forced", "forced", (Chunk("os", "k", "0.2.0", (ARTIFACT,) * 2),))
    for _ in range(MAX_ATTEMPTS):
        agent.cycle()
    finished, details = final(ddi)
    assert finished is Finished.FAILURE and "expected one artifact" in details[1]


def test_no_space_for_the_bundle_is_reported(
    rig: tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path],
) -> None:
    agent, ddi, rauc, _, _ = rig
    ddi.download_error = DdiNoSpace("not enough space: 100 MiB free")
    agent.cycle()
    finished, details = final(ddi)
    assert finished is Finished.FAILURE and "Not enough free space" in details[0]
    assert rauc.installed == [] and read_status(agent.status_file)["last"]["result"] == "failure"


def test_an_older_version_is_refused_unless_allowed(tmp_path: Path) -> None:
    for allowed in (False, True):
        ddi, rauc, box = FakeDdi(offer=offer("0.2.0")), FakeRauc(), Box()
        rauc.versions["A"] = "0.10.0"
        agent = make_agent(
            tmp_path / str(allowed), ddi, rauc, box, Clock(), allow_downgrade=allowed
        )
        agent.cycle()
        if allowed:
            assert len(rauc.installed) == 1 and ddi.closed() == []
        else:
            finished, details = final(ddi)
            assert finished is Finished.FAILURE and "older than the running 0.10.0" in details[0]
            assert rauc.installed == []


def test_a_slot_never_marked_good_is_reported_after_the_limit(tmp_path: Path) -> None:
    ddi, rauc, box, clock = FakeDdi(offer=offer()), FakeRauc(), Box(), Clock()
    health(tmp_path / "kiosk-health.json", "idle", NOW - dt.timedelta(minutes=10))
    agent = make_agent(tmp_path, ddi, rauc, box, clock)
    agent.cycle()
    agent.cycle()
    box.new_boot(rauc, "B")
    agent.cycle()
    clock.now += dt.timedelta(days=1)  # NTP set the wall clock: no matter
    clock.seconds += MARK_GOOD_LIMIT_S - 1
    agent.cycle()
    assert ddi.closed() == []
    clock.seconds += 2
    agent.cycle()
    finished, details = final(ddi)
    assert finished is Finished.FAILURE and "without being marked good" in details[0]
    assert agent.records.load() is None
