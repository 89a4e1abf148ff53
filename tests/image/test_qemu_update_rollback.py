"""A RAUC update in QEMU with the shipped kiosk unit: a broken update rolls back by itself,
a good one is kept only once the kiosk has reported READY.

IMAGE_DISK names the disk image and IMAGE_BUNDLE a signed bundle of the same system
(``make test`` and ``make -C image-build ci-update-rollback`` build both for the ``ci``
flavour; ``qemu-update-rollback`` for the release image). Without them the module is
skipped. Under software emulation it takes about ten minutes.

The VM is the clinic kiosk of ``test_qemu_boot.py`` (JHCIS, NHSO sandbox and printer on
this machine). Nothing is confirmed by hand: ``jhcis-kiosk-mark-good.service`` marks a
slot good 60 s after the kiosk's READY=1, and a kiosk that never gets there crash-loops
until the unit's ``StartLimitAction=reboot``; GRUB then skips the slot it tried.

1. Slot A boots, the kiosk reaches READY, mark-good confirms A.
2. The bundle is installed into slot B; B's kiosk program is then broken on the slot
   (an update whose kiosk exits at start). The VM reboots into B on trial, the kiosk
   fails five times, systemd reboots the box by itself, and GRUB comes back on A with
   the kiosk running, A first in the boot order and B not good. The power is then cut
   before A is confirmed again: the next boot is still A, which mark-good confirms.
3. The same bundle installed again, intact: B boots on trial, the kiosk reaches READY,
   mark-good confirms B, and RAUC reports B good and first in the boot order.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.image.qemu_clinic import (
    BOOT_TIMEOUT_S,
    UNIT,
    Booted,
    power_on,
    provisioned_vm,
    qemu,
)

DISK = os.environ.get("IMAGE_DISK")
BUNDLE = os.environ.get("IMAGE_BUNDLE")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.timeout(5400),
    pytest.mark.skipif(
        not (DISK and BUNDLE),
        reason="opt-in: make -C image-build ci-update-rollback (or IMAGE_DISK and IMAGE_BUNDLE)",
    ),
]

MARK_GOOD = "jhcis-kiosk-mark-good.service"
# The kiosk program of slot B, replaced on the slot after `rauc install`: an update
# whose kiosk cannot start, as a bad release would be.
BREAK_SLOT_B = (
    "sudo mount /dev/disk/by-partlabel/rootfs-b /mnt"
    " && printf '#!/bin/sh\\necho broken update >&2\\nexit 3\\n'"
    " | sudo tee /mnt/opt/jhcis-kiosk/venv/bin/kiosk >/dev/null"
    " && sudo umount /mnt"
)


def slots(booted: Booted) -> dict[str, dict[str, Any]]:
    """RAUC's view of the rootfs slots, by boot name (A, B), plus "booted"/"primary"."""
    raw = booted.ssh("sudo rauc status --detailed --output-format=json")
    status = json.loads(raw)
    found: dict[str, dict[str, Any]] = {}
    for entry in status.get("slots", []):
        for slot in entry.values():
            if slot.get("bootname"):
                found[str(slot["bootname"])] = slot
    found["_"] = {"booted": status.get("booted"), "primary": status.get("boot_primary")}
    return found


def wait_marked_good(booted: Booted, timeout_s: float = 600) -> str:
    """Result of the mark-good unit once it has run (60 s after the kiosk's READY)."""
    deadline = time.monotonic() + timeout_s
    shown = ""
    while time.monotonic() < deadline:
        shown = booted.ssh(f"systemctl show -p ActiveState -p Result -p ExecMainStatus {MARK_GOOD}")
        if "ActiveState=inactive" in shown or "ActiveState=failed" in shown:
            if "ExecMainStatus=" in shown and "ExecMainStatus=0" not in shown:
                return f"failed: {shown!r}"
            if "Result=success" in shown and "ExecMainStatus=0" in shown:
                return "success"
        time.sleep(10)
    return f"timeout: {shown!r}"


def reboot(booted: Booted) -> None:
    """Reboot from inside; QEMU runs with -no-reboot, so the process ends with the guest."""
    booted.vm.ssh("sudo systemctl reboot")
    booted.vm.wait_exit(300)
    booted.vm.stop()


def install(booted: Booted) -> str:
    result = booted.vm.ssh(f"sudo rauc install {qemu.UPLOAD}", timeout=3600)
    assert result.returncode == 0, result.stderr[-2000:]
    return str(result.stdout)


@pytest.fixture(scope="module")
def vm(
    tmp_path_factory: pytest.TempPathFactory,
    clinic_account: tuple[str, str, str, int],
    lan: dict[str, Any],
) -> Iterator[Any]:
    assert DISK is not None
    machine = provisioned_vm(Path(DISK), tmp_path_factory.mktemp("qemu-ota"), clinic_account, lan)
    try:
        yield machine
    finally:
        machine.stop()


def test_update_broken_rolls_back_then_good_update_is_kept(vm: Any) -> None:
    assert BUNDLE is not None
    # 1. Slot A, as flashed: READY, then confirmed by mark-good (not by hand).
    on_a = power_on(vm)
    assert on_a.state == "active", on_a.ssh(f"sudo journalctl -b -u {UNIT} | tail -n 40")
    assert "rauc.slot=A" in on_a.ssh("cat /proc/cmdline")
    assert wait_marked_good(on_a) == "success"
    assert slots(on_a)["A"]["boot_status"] == "good"

    copy = subprocess.run(
        [
            "scp",
            "-i",
            str(vm.key),
            "-P",
            str(vm.port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            BUNDLE,
            f"kioskadmin@127.0.0.1:{qemu.UPLOAD}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert copy.returncode == 0, copy.stderr

    # 2. A broken update: installed (signature checked), then its kiosk broken on slot B.
    install(on_a)
    broke = on_a.vm.ssh(BREAK_SLOT_B)
    assert broke.returncode == 0, broke.stderr
    assert slots(on_a)["_"]["primary"] == "rootfs.1"  # B is tried first at the next boot
    reboot(on_a)

    started = time.monotonic()
    vm.start()
    # Nobody touches the VM: the kiosk unit's start limit reboots it (QEMU then exits).
    try:
        vm.wait_exit(BOOT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"slot B with a broken kiosk did not reboot by itself; logs in {vm.workdir}")
    crash_reboot_s = time.monotonic() - started
    vm.stop()
    print(f"\nqemu: the broken slot B rebooted itself {crash_reboot_s:.0f} s after power-on")

    back = power_on(vm)
    assert "rauc.slot=A" in back.ssh("cat /proc/cmdline")
    assert back.state == "active"
    # GRUB made the rollback stick before anything was confirmed: A first, B unusable
    # (RAUC names no primary yet: A is still on trial until mark-good).
    tried = slots(back)
    assert tried["B"]["boot_status"] != "good", tried["B"]
    assert tried["_"]["booted"] == "A", tried["_"]
    grubenv = back.ssh("sudo cat /boot/efi/EFI/BOOT/grubenv").splitlines()
    assert "ORDER=A B" in grubenv and "B_OK=0" in grubenv and "A_TRY=1" in grubenv, grubenv
    # What the previous boot (the trial of B) left in the persistent journal on /data.
    kernel = back.ssh("sudo journalctl -b -1 -k --no-pager -o cat | grep -m1 'Command line'")
    assert "rauc.slot=B" in kernel, kernel
    trial = back.ssh(f"sudo journalctl -b -1 -u {UNIT} --no-pager -o cat")
    assert "broken update" in trial, trial[-3000:]
    assert "Start request repeated too quickly" in trial, trial[-3000:]

    # A power cut before A is confirmed again (mark-good waits 60 s after READY): the
    # next boot must still be A, never the failed update.
    pending = back.ssh(f"systemctl show -p ActiveState --value {MARK_GOOD}").strip()
    assert pending == "activating", pending  # still in its 60 s wait: nothing confirmed
    vm.stop()  # SIGTERM to QEMU: the power goes, no shutdown
    again = power_on(vm)
    assert "rauc.slot=A" in again.ssh("cat /proc/cmdline")
    assert again.state == "active"
    assert wait_marked_good(again) == "success"
    after_rollback = slots(again)
    assert after_rollback["A"]["boot_status"] == "good", after_rollback["A"]
    assert after_rollback["B"]["boot_status"] != "good", after_rollback["B"]
    assert after_rollback["_"]["primary"] == "rootfs.0", after_rollback["_"]

    # 3. The same update, intact: kept once the kiosk on B has reported READY.
    install(again)
    reboot(again)
    on_b = power_on(vm)
    assert "rauc.slot=B" in on_b.ssh("cat /proc/cmdline")
    assert on_b.state == "active", on_b.ssh(f"sudo journalctl -b -u {UNIT} | tail -n 40")
    assert wait_marked_good(on_b) == "success"
    kept = slots(on_b)
    assert kept["B"]["boot_status"] == "good", kept["B"]
    assert kept["_"]["booted"] == "B" and kept["_"]["primary"] == "rootfs.1", kept["_"]
