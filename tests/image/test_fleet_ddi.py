"""Our DDI client and update agent against a real gooseBit over HTTP (no VM).

gooseBit runs from its pinned virtual environment with the district's config (strict
device tokens); the bundles are real signed RAUC bundles (a tiny slot image: what is
tested here is the protocol and the rollout rule; RAUC's own checks are in
``test_fleet_qemu.py``). The kiosks are our agent on a RAUC stand-in (fleet_rig).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from integrations.hawkbit_ddi import DdiAuthError, DdiClient, DdiHashMismatch, Execution, Finished
from kiosk.updates.status import read_status
from tests.image import fleet_rig
from tests.image.fleet_rig import (
    RunningFleet,
    fleet,
    make_bundle,
    signing_keys,
    simulated_kiosk,
    small_rootfs,
)

goosebit = fleet_rig.goosebit  # the module's server (a fixture)

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("bundles")
    keys = signing_keys(work / "keys")
    rootfs = small_rootfs(work / "rootfs.ext4")
    return {
        version: make_bundle(rootfs, version, keys, work / f"kiosk-{version}.raucb")
        for version in ("0.2.0", "0.3.0", "0.4.0", "0.5.0")
    }


def wait_for(what: str, check: Callable[[], Any], timeout_s: float = 120) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def test_unknown_device_and_wrong_token_are_refused(goosebit: RunningFleet) -> None:
    goosebit.admin.enroll("99901-9", "right-token", "pilot")
    with DdiClient(goosebit.url, "99901-9", "wrong-token") as client, pytest.raises(DdiAuthError):
        client.poll()
    # Strict mode: polling never registers a device nobody enrolled.
    with DdiClient(goosebit.url, "nobody", "any") as client, pytest.raises(DdiAuthError):
        client.poll()
    assert "nobody" not in {d["id"] for d in goosebit.admin.devices()}


def test_register_download_and_report(
    goosebit: RunningFleet, bundles: dict[str, Path], tmp_path: Path
) -> None:
    goosebit.admin.enroll("99901-7", "token-7", "manual")
    software = goosebit.admin.upload(bundles["0.2.0"])
    with DdiClient(goosebit.url, "99901-7", "token-7") as client:
        first = client.poll()
        assert first.config_data_url, "a new device is asked for its attributes"
        client.send_attributes(
            {"sw_version": "0.1.0", "hw_boardname": "jhcis-kiosk-amd64", "hw_revision": "default"},
            first.config_data_url,
        )
        assert goosebit.admin.device("99901-7")["sw_version"] == "0.1.0"
        goosebit.admin.set_devices(["99901-7"], software=str(software))
        poll = client.poll()
        assert poll.deployment_url
        deployment = client.deployment(poll.deployment_url)
        assert deployment.version == "0.2.0"
        artifact = deployment.single_artifact()
        assert artifact.hashes.get("sha1") and artifact.size == bundles["0.2.0"].stat().st_size
        got = client.download(artifact, tmp_path / "b.raucb")
        assert got.read_bytes() == bundles["0.2.0"].read_bytes()
        # A damaged download is never kept under the bundle's name.
        damaged = type(artifact)(
            artifact.filename, artifact.size, {"sha1": "0" * 40}, artifact.download_url
        )
        with pytest.raises(DdiHashMismatch):
            client.download(damaged, tmp_path / "c.raucb")
        assert not (tmp_path / "c.raucb").exists() and not (tmp_path / "c.raucb.part").exists()
        client.feedback(deployment.action_id, Execution.PROCEEDING, details=["installing"])
        assert goosebit.admin.device("99901-7")["last_state"] == "Running"
        client.feedback(
            deployment.action_id, Execution.CLOSED, Finished.SUCCESS, ["0.2.0 runs from slot B"]
        )
    device = goosebit.admin.device("99901-7")
    assert device["last_state"] == "Finished" and device["sw_version"] == "0.2.0"
    assert "0.2.0 runs from slot B" in goosebit.admin.log("99901-7")


def test_agent_updates_and_reports_only_once_the_new_slot_is_good(
    goosebit: RunningFleet, bundles: dict[str, Path], tmp_path: Path
) -> None:
    kiosk = simulated_kiosk(goosebit, "99901-5", "solo", tmp_path)
    kiosk.auto_mark_good = False  # this test says when the new slot is confirmed
    software = goosebit.admin.upload(bundles["0.3.0"])
    goosebit.admin.create_rollout("0.3.0 solo", "solo", software)
    kiosk.run_in_background()
    try:
        wait_for("the reboot into slot B", lambda: kiosk.rauc.booted == "B")
        time.sleep(3)  # several cycles on trial (the agent checks every 2 s here)
        on_trial = goosebit.admin.device("99901-5")
        assert on_trial["last_state"] == "Running", on_trial  # nothing final yet
        assert read_status(tmp_path / "update-status.json").get("last") is None
        kiosk.mark_good()
        device = wait_for(
            "success on the server",
            lambda: (d := goosebit.admin.device("99901-5"))["last_state"] == "Finished" and d,
        )
    finally:
        kiosk.close()
    assert not kiosk.errors, kiosk.errors
    assert device["sw_version"] == "0.3.0"
    assert kiosk.rauc.booted == "B" and len(kiosk.rauc.installed) == 1
    log = goosebit.admin.log("99901-5")
    assert "installed into slot B" in log and "marked good" in log, log
    shown = read_status(tmp_path / "update-status.json")
    assert shown["last"]["result"] == "success" and shown["last"]["version"] == "0.3.0"


def test_rollout_stops_when_the_pilot_fails(
    goosebit: RunningFleet, bundles: dict[str, Path], tmp_path: Path
) -> None:
    pilot = simulated_kiosk(goosebit, "99902-1", "pilot2", tmp_path / "pilot")
    pilot.rauc.refuse = "signature verification failed: certificate not trusted"
    second = simulated_kiosk(goosebit, "99903-1", "group2", tmp_path / "second")
    software = goosebit.admin.upload(bundles["0.4.0"])
    said: list[str] = []
    for kiosk in (pilot, second):
        kiosk.run_in_background()
    try:
        results = fleet.run_rollout(
            goosebit.admin, software, ["pilot2", "group2"], timeout_s=120, poll_s=1, say=said.append
        )
        time.sleep(3)  # the second kiosk keeps polling: nothing may be offered to it
    finally:
        for kiosk in (pilot, second):
            kiosk.close()
    assert [r.feed for r in results] == ["pilot2"] and not results[0].ok, said
    assert "signature verification failed" in results[0].failed["99902-1"]
    assert second.rauc.installed == [] and second.rauc.booted == "A"
    device = goosebit.admin.device("99903-1")
    assert device["last_state"] == "Registered" and device["sw_version"] == "0.1.0", device
    assert not any(r["feed"] == "group2" for r in goosebit.admin.rollouts())
    paused = [r for r in goosebit.admin.rollouts() if r["feed"] == "pilot2"]
    assert paused and all(r["paused"] for r in paused), paused
    assert read_status(tmp_path / "pilot" / "update-status.json")["last"]["result"] == "refused"


def test_a_kiosk_left_in_error_stops_the_next_rollout_until_it_is_retried(
    goosebit: RunningFleet, bundles: dict[str, Path], tmp_path: Path
) -> None:
    kiosk = simulated_kiosk(goosebit, "99904-1", "pilot4", tmp_path)
    kiosk.rauc.refuse = "signature verification failed"
    software = goosebit.admin.upload(bundles["0.5.0"])
    kiosk.run_in_background()
    try:
        first = fleet.run_rollout(goosebit.admin, software, ["pilot4"], timeout_s=60, poll_s=1)
        assert not first[0].ok and len(kiosk.rauc.installed) == 1
        kiosk.rauc.refuse = None  # fixed, but nobody retried the kiosk
        again = fleet.run_rollout(goosebit.admin, software, ["pilot4"], timeout_s=60, poll_s=1)
        assert not again[0].ok and "99904-1" in again[0].failed
        assert len(kiosk.rauc.installed) == 1  # never offered again
        goosebit.admin.set_devices(["99904-1"], force_update=True)  # what fleet.py retry does
        retried = fleet.run_rollout(goosebit.admin, software, ["pilot4"], timeout_s=120, poll_s=1)
    finally:
        kiosk.close()
    assert retried[0].ok, retried
    assert kiosk.rauc.booted == "B" and goosebit.admin.device("99904-1")["sw_version"] == "0.5.0"
