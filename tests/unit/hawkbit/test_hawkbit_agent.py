"""The update agent's decisions with small fakes (real gooseBit: tests/image/test_fleet_ddi.py).

A fake DDI server records feedback; a fake RAUC switches slots on "reboot"; the idle
window reads a real health file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from integrations.hawkbit_ddi import (
    Artifact,
    Chunk,
    DdiHashMismatch,
    Deployment,
    Execution,
    Finished,
    Poll,
)
from kiosk.updates.agent import Machine, UpdateAgent
from kiosk.updates.idle import IdleWindow
from kiosk.updates.rauc import InstallResult, RaucStatus, Slot
from kiosk.updates.status import read_status

ARTIFACT = Artifact("kiosk.raucb", 5, {"sha1": "x"}, "http://server/download")


@dataclass
class FakeDdi:
    offer: Deployment | None = None
    corrupt: bool = False
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
    installed: list[bytes] = field(default_factory=list)

    def status(self) -> RaucStatus:
        slots = {n: Slot(n, self.status_of[n], self.versions[n]) for n in ("A", "B")}
        return RaucStatus("jhcis-kiosk-amd64", self.booted, slots)

    def install(self, bundle: Path) -> InstallResult:
        self.installed.append(bundle.read_bytes())
        if self.refuse:
            return InstallResult(False, self.refuse)
        self.versions["B"] = "0.2.0"
        return InstallResult(True, "Installing done.")


@dataclass
class Box:
    boot: int = 1
    reboots: int = 0

    def machine(self) -> Machine:
        return Machine(
            boot_id=lambda: f"boot-{self.boot}",
            reboot=self.reboot,
            trial_failure=lambda slot: [f"jhcis-kiosk.service: Start request repeated ({slot})"],
        )

    def reboot(self) -> None:
        self.reboots += 1


NOW = dt.datetime(2026, 12, 7, 9, 0, 0)


def health(path: Path, state: str, since: dt.datetime) -> None:
    path.write_text(json.dumps({"state": state, "state_since": since.isoformat()}))


def offer(version: str = "0.2.0") -> Deployment:
    return Deployment("7", "forced", "forced", (Chunk("os", "kiosk", version, (ARTIFACT,)),))


@pytest.fixture
def rig(tmp_path: Path) -> tuple[UpdateAgent, FakeDdi, FakeRauc, Box, Path]:
    ddi, rauc, box = FakeDdi(offer=offer()), FakeRauc(), Box()
    health_file = tmp_path / "kiosk-health.json"
    health(health_file, "idle", NOW - dt.timedelta(minutes=10))
    agent = UpdateAgent(
        ddi,
        rauc,
        IdleWindow(health_file, 120, clock=lambda: NOW),
        box.machine(),
        state_dir=tmp_path / "updates",
        status_file=tmp_path / "update-status.json",
        fallback_version="0.1.0",
    )
    return agent, ddi, rauc, box, health_file


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
    rauc.status_of["B"] = "good"  # mark-good ran
    agent.cycle()
    assert ddi.closed() == [(Finished.SUCCESS, ["0.2.0 runs from slot B, marked good"])]
    shown = read_status(agent.status_file)
    assert shown["last"]["result"] == "success" and shown["running_version"] == "0.1.0"


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
    agent, ddi, rauc, _, _ = rig
    ddi.offer = offer("0.1.0")
    agent.cycle()
    assert rauc.installed == [] and ddi.closed()[0][0] is Finished.SUCCESS
