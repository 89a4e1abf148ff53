"""A district's update server and a kiosk in QEMU: the whole update path, timed.

gooseBit runs on this machine (the district's config, kiosks poll every 10 s here); the
ci image boots in QEMU provisioned with the server's URL, its name and its token
(``[updates]``), and nobody touches it over SSH to update it: its agent
(``jhcis-kiosk-updates.service``) polls, downloads, installs with RAUC, reboots when the
kiosk is idle and reports. A second kiosk, simulated on this machine (our agent on a RAUC
stand-in, fleet_rig), is in the rollout's second wave. In order:

1. A bundle signed with a stranger's key: RAUC refuses it, the server shows the failure
   with RAUC's reason, nothing is installed.
2. A rollout (pilot = the VM, then the simulated kiosk) of a broken update (its kiosk
   exits at start): installed, rebooted into on trial, the kiosk crash-loops, the box
   reboots itself, GRUB comes back on A, the agent reports the rollback with systemd's
   words; the rollout stops and the second kiosk is never offered the update.
3. A good update: installed, rebooted into, marked good after READY; the server shows
   success on the new version (reported only after the mark-good unit's marker), the
   kiosk's update-status says so.

QEMU runs with -no-reboot, so each reboot ends the QEMU process and the test powers the
VM on again (the "power button"). IMAGE_DISK and IMAGE_DIR (rootfs.ext4 for the bundles)
opt in; ``make -C image-build ci-fleet`` and ``make test`` set them.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.image.conftest import IMAGE_BUILD
from tests.image.fleet_rig import (
    RunningFleet,
    fleet,
    make_bundle,
    need,
    signing_keys,
    simulated_kiosk,
    small_rootfs,
    start_fleet,
)
from tests.image.qemu_clinic import (
    UNIT,
    Booted,
    power_on,
    provisioned_vm,
    provisioning,
)
from tests.image.test_qemu_update_rollback import slots, wait_marked_good

DISK = os.environ.get("IMAGE_DISK")
IMAGE_DIR = os.environ.get("IMAGE_DIR")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.timeout(5400),
    pytest.mark.skipif(
        not (DISK and IMAGE_DIR),
        reason="opt-in: make -C image-build ci-fleet (or IMAGE_DISK and IMAGE_DIR)",
    ),
]

KIOSK_ID = "99901-1"
SIMULATED_ID = "99901-2"
STATUS = "/var/lib/jhcis-kiosk/update-status.json"
AGENT = "jhcis-kiosk-updates.service"
MARKED_GOOD = "/run/jhcis-kiosk-marked-good"  # left by jhcis-kiosk-mark-good.service
BROKEN_KIOSK = "#!/bin/sh\necho broken update >&2\nexit 3\n"
DEV_KEYS = IMAGE_BUILD / "build" / "keys"
STEP_TIMEOUT_S = 1800.0


def broken_rootfs(rootfs: Path, out: Path) -> Path:
    """The slot image with a kiosk program that exits at start (debugfs, no mount)."""
    need("debugfs")
    subprocess.run(["cp", "--sparse=always", str(rootfs), str(out)], check=True)
    script = out.with_suffix(".kiosk")
    script.write_text(BROKEN_KIOSK)
    commands = out.with_suffix(".debugfs")
    commands.write_text(
        f"cd /opt/jhcis-kiosk/venv/bin\nrm kiosk\nwrite {script} kiosk\nsif kiosk mode 0100755\n"
    )
    subprocess.run(
        ["debugfs", "-w", "-f", str(commands), str(out)], check=True, capture_output=True
    )
    shown = subprocess.run(
        ["debugfs", "-R", "cat /opt/jhcis-kiosk/venv/bin/kiosk", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "broken update" in shown.stdout
    return out


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    assert IMAGE_DIR is not None
    work = tmp_path_factory.mktemp("fleet-bundles")
    rootfs = Path(IMAGE_DIR) / "rootfs.ext4"
    assert rootfs.exists(), f"{rootfs}: the ci image's slot image (make -C image-build ci-image)"
    release = signing_keys(DEV_KEYS)  # the key the image's keyring trusts (KEYRING)
    stranger = signing_keys(work / "stranger-keys")
    started = time.monotonic()
    made = {
        "wrong": make_bundle(small_rootfs(work / "small.img"), "0.1.9", stranger, work / "w.raucb"),
        "broken": make_bundle(
            broken_rootfs(rootfs, work / "broken.ext4"), "0.1.5", release, work / "b.raucb"
        ),
        "good": make_bundle(rootfs, "0.2.0", release, work / "g.raucb"),
    }
    (work / "broken.ext4").unlink()
    print(f"\nfleet: three bundles made in {time.monotonic() - started:.0f} s")
    return made


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFleet]:
    running = start_fleet(tmp_path_factory.mktemp("goosebit"), poll="00:00:10")
    try:
        yield running
    finally:
        running.server.stop()


@pytest.fixture(scope="module")
def vm(
    tmp_path_factory: pytest.TempPathFactory,
    clinic_account: tuple[str, str, str, int],
    lan: dict[str, Any],
    server: RunningFleet,
) -> Iterator[Any]:
    assert DISK is not None
    token = "vm-token-" + os.urandom(8).hex()
    server.admin.enroll(KIOSK_ID, token, "pilot")
    workdir = tmp_path_factory.mktemp("qemu-fleet")
    machine = provisioned_vm(Path(DISK), workdir, clinic_account, lan)
    text = provisioning(machine.public_key, clinic_account, lan) + (
        f'\n[updates]\nserver_url = "http://10.0.2.2:{server.server.port}"\n'
        # Plain http only for this server on the host's loopback (QEMU's user network).
        f'allow_http = true\ncontroller_id = "{KIOSK_ID}"\ntoken = "{token}"\n'
    )
    machine.provision(False, text)
    try:
        yield machine
    finally:
        machine.stop()


def wait_device(
    server: RunningFleet, what: str, check: Any, timeout_s: float = STEP_TIMEOUT_S
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    device: dict[str, Any] = {}
    while time.monotonic() < deadline:
        device = server.admin.device(KIOSK_ID)
        if check(device):
            return device
        time.sleep(5)
    pytest.fail(f"timed out waiting for {what}: {device}\n{server.admin.log(KIOSK_ID)}")


def power_cycle(vm: Any, why: str) -> float:
    """Wait for the guest to reboot (QEMU exits: -no-reboot), then power it on again."""
    started = time.monotonic()
    try:
        vm.wait_exit(STEP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the VM did not reboot ({why}); logs in {vm.workdir}")
    vm.stop()
    took = time.monotonic() - started
    print(f"\nfleet: {why}: rebooted after {took:.0f} s")
    return took


def update_status(booted: Booted) -> dict[str, Any]:
    return dict(json.loads(booted.ssh(f"cat {STATUS}") or "{}"))


def test_fleet_refuses_rolls_back_stops_the_rollout_and_updates(
    vm: Any, server: RunningFleet, bundles: dict[str, Path], tmp_path: Path
) -> None:
    started = time.monotonic()
    admin = server.admin
    ids = {name: admin.upload(path) for name, path in bundles.items()}
    second = simulated_kiosk(server, SIMULATED_ID, "group", tmp_path / "second")
    second.run_in_background()
    try:
        on_a = power_on(vm)
        assert on_a.state == "active", on_a.ssh(f"sudo journalctl -b -u {UNIT} | tail -n 40")
        assert wait_marked_good(on_a) == "success"
        registered = wait_device(server, "registration", lambda d: d["last_state"] == "Registered")
        assert registered["sw_version"] == "0.1.0" and registered["last_ip"]
        assert registered["hardware"]["model"] == "jhcis-kiosk-amd64"

        # 1. A stranger's signature: refused by RAUC on the kiosk, reported, nothing changes.
        admin.set_devices([KIOSK_ID], software=str(ids["wrong"]))
        refused = wait_device(server, "the refusal", lambda d: d["last_state"] == "Error")
        log = admin.log(KIOSK_ID)
        assert "RAUC refused the bundle" in log and "signature" in log.lower(), log
        assert refused["sw_version"] == "0.1.0"
        assert update_status(on_a)["last"]["result"] == "refused"
        assert slots(on_a)["_"]["primary"] == "rootfs.0"  # nothing installed into B
        print(
            f"\nfleet: wrong signature refused and reported at {time.monotonic() - started:.0f} s"
        )

        # 2. A rollout of a broken update: the pilot rolls back, the rollout stops.
        # Assigning software took the kiosk out of its feed (gooseBit): back into "pilot".
        admin.set_devices([KIOSK_ID], feed="pilot", software="rollout", force_update=True)
        results: list[Any] = []
        said: list[str] = []
        rollout = threading.Thread(
            target=lambda: results.extend(
                fleet.run_rollout(
                    admin,
                    ids["broken"],
                    ["pilot", "group"],
                    timeout_s=STEP_TIMEOUT_S,
                    poll_s=5,
                    say=said.append,
                )
            )
        )
        rollout.start()
        power_cycle(vm, "the agent rebooted into the broken update when the kiosk was idle")
        vm.start()  # slot B on trial: the kiosk crash-loops until systemd reboots the box
        power_cycle(vm, "the broken slot's crash loop")
        back = power_on(vm)
        assert "rauc.slot=A" in back.ssh("cat /proc/cmdline") and back.state == "active"
        rollout.join(STEP_TIMEOUT_S)
        assert results and not results[0].ok, said
        assert [r.feed for r in results] == ["pilot"], said  # the group wave never started
        report = results[0].failed[KIOSK_ID]
        print(f"\nfleet: what the pilot reported to the server:\n{report.strip()}")
        assert "rolled back: slot B (0.1.5)" in report, report
        assert "Start request repeated too quickly" in report or "exited" in report, report
        assert second.rauc.installed == [] and admin.device(SIMULATED_ID)["sw_version"] == "0.1.0"
        assert update_status(back)["last"]["result"] == "failure"
        print(f"\nfleet: rollback reported, rollout stopped at {time.monotonic() - started:.0f} s")

        # 3. The good update, straight to the kiosk: kept once marked good, reported.
        admin.set_devices([KIOSK_ID], software=str(ids["good"]), force_update=True)
        power_cycle(vm, "the agent rebooted into the good update")
        on_b = power_on(vm)
        assert "rauc.slot=B" in on_b.ssh("cat /proc/cmdline") and on_b.state == "active"
        done = wait_device(server, "success", lambda d: d["last_state"] == "Finished")
        assert done["sw_version"] == "0.2.0", done
        kept = slots(on_b)
        assert kept["B"]["boot_status"] == "good" and kept["_"]["primary"] == "rootfs.1", kept
        shown = update_status(on_b)
        assert shown["last"]["result"] == "success" and shown["running_version"] == "0.2.0"
        # Reported only after the mark-good unit confirmed slot B in this boot: its marker
        # (ExecStartPost in /run) is older than the agent's "succeeded" line.
        assert wait_marked_good(on_b) == "success"
        marked_at = float(on_b.ssh(f"stat -c %Y {MARKED_GOOD}").strip())
        said = on_b.ssh(
            f"sudo journalctl -b -u {AGENT} -o short-unix | grep 'succeeded' | tail -n 1"
        )
        assert said.strip() and float(said.split()[0]) >= marked_at, said
        assert not second.errors, second.errors
    finally:
        second.close()
        print(f"\nfleet: the whole QEMU fleet test took {time.monotonic() - started:.0f} s")
