"""The Pi image's A/B boot on Debian's own U-Boot, in QEMU, with RAUC on the Linux side.

See ``pi_boot_rig.py`` for what is the image's own and what QEMU's ``raspi3b`` stands in
for. Each power-on runs U-Boot, the image's ``boot.scr`` and the slot's kernel (about
25 s under software emulation); between boots RAUC 1.8 with the image's ``system.conf``
does what the booted system would: ``mark-good`` when the kiosk was READY, ``mark-active
other`` at the end of ``rauc install``, nothing at all for an update that never gets
there. Needs root (mmdebstrap, mount namespaces); ``make test`` runs it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.image.conftest import IMAGE_BUILD
from tests.image.pi_boot_rig import Boot, Parts, PiRig, fetch_parts, imagebuild

TOOLS = (
    *("mmdebstrap", "qemu-system-aarch64", "mkimage", "mkfs.vfat", "mcopy", "mke2fs", "sfdisk"),
    *("fw_printenv", "fw_setenv", "rauc", "dbus-daemon", "unshare", "openssl"),
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: mmdebstrap, mount namespaces"),
    pytest.mark.skipif(
        os.environ.get("SKIP_IMAGE") == "1", reason="SKIP_IMAGE=1 leaves the image tests out"
    ),
]


@pytest.fixture(scope="module")
def parts() -> Parts:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing tools {missing}: run bash scripts/install-system-deps.sh")
    return fetch_parts(IMAGE_BUILD / "build" / "pi-rig")


@pytest.fixture
def rig(parts: Parts, tmp_path: Path) -> Iterator[PiRig]:
    yield PiRig(parts, tmp_path / "rig")


def assert_booted(boot: Boot, slot: str) -> None:
    """U-Boot chose `slot`, loaded that slot's kernel and initramfs, and said so to Linux."""
    part = {"A": 2, "B": 3}[slot]
    disk_id = imagebuild.PI_DISK_SIGNATURE.removeprefix("0x")
    assert (boot.uboot_slot, boot.slot_content, boot.rauc_slot) == (slot, slot, slot), boot
    assert f"root=PARTUUID={disk_id}-0{part}" in boot.cmdline.split()
    assert "ro" in boot.cmdline.split()


def attempts(rig: PiRig) -> tuple[str, str, str]:
    env = rig.env()
    return env["BOOT_ORDER"], env["BOOT_A_LEFT"], env["BOOT_B_LEFT"]


def rauc_status(rig: PiRig, booted: Boot) -> tuple[str, str, dict[str, str]]:
    """(booted slot, primary slot, boot status per slot) as RAUC reports them."""
    status = json.loads(rig.rauc(booted, "status --output-format=json"))
    slots = {name: info["boot_status"] for slot in status["slots"] for name, info in slot.items()}
    return status["booted"], status["boot_primary"], slots


def test_broken_update_rolls_back_and_a_good_one_is_kept(rig: PiRig) -> None:
    # 1. First power-on of a fresh card: no uboot.env yet, so the script's defaults,
    #    and one attempt of A spent until the kiosk's READY lets mark-good refill it.
    first = rig.boot()
    assert_booted(first, "A")
    assert attempts(rig) == ("A B", "2", "3")
    assert "marked slot rootfs.0 as good" in rig.rauc(first, "status mark-good booted")
    assert attempts(rig) == ("A B", "3", "3")

    # 2. An update installed into B (`rauc install` ends with B activated) whose kiosk
    #    never reports READY: nothing marks B good, and each power-on (the unit's
    #    StartLimitAction=reboot, or the hardware watchdog) spends one attempt.
    assert "activated slot rootfs.1" in rig.rauc(first, "status mark-active other")
    assert attempts(rig) == ("B A", "3", "3")
    for left in ("2", "1", "0"):
        assert_booted(rig.boot(), "B")
        assert attempts(rig) == ("B A", "3", left)
    back = rig.boot()
    assert_booted(back, "A")
    # The failed slot goes last; RAUC on A sees A booted, primary and good, B bad.
    assert attempts(rig) == ("A B", "2", "0")
    assert "marked slot rootfs.0 as good" in rig.rauc(back, "status mark-good booted")
    assert rauc_status(rig, back) == ("A", "rootfs.0", {"rootfs.0": "good", "rootfs.1": "bad"})

    # 3. A then goes unconfirmed three times too (power cuts in the first minute; set
    #    here with fw_setenv rather than three more power-ons): every attempt is spent,
    #    and the box must come back on A, never on the failed B.
    rig.set_env(BOOT_A_LEFT="0")
    spent = rig.boot()
    assert_booted(spent, "A")
    assert attempts(rig) == ("A B", "2", "0")

    # 4. The update installed again, intact: B boots on trial, is confirmed, and stays.
    assert "activated slot rootfs.1" in rig.rauc(spent, "status mark-active other")
    trial = rig.boot()
    assert_booted(trial, "B")
    assert attempts(rig) == ("B A", "2", "2")
    assert "marked slot rootfs.1 as good" in rig.rauc(trial, "status mark-good booted")
    kept = rig.boot()
    assert_booted(kept, "B")
    assert attempts(rig) == ("B A", "2", "2")
    assert rauc_status(rig, kept) == ("B", "rootfs.1", {"rootfs.0": "good", "rootfs.1": "good"})

    # 5. Both spent with B first (the update confirmed, then power cuts before each
    #    confirmation, and A spent too): B, the slot RAUC activated last, gets the attempts.
    rig.set_env(BOOT_A_LEFT="0", BOOT_B_LEFT="0")
    assert_booted(rig.boot(), "B")
    assert attempts(rig) == ("B A", "0", "2")
