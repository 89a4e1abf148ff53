"""What the QEMU boot tests share: the clinic's LAN on this machine, and a booted VM.

The VM reaches this machine as 10.0.2.2 (QEMU user networking), where the fixtures of
``tests/image/conftest.py`` start what a clinic has on its LAN: a synthetic JHCIS
database on the test MariaDB with a least-privilege account, the NHSO sandbox, and a
loopback ESC/POS printer. Here: the provisioning file that points the image at them, and
the boot of an image as flashed (OVMF, GRUB's A/B choice) up to the kiosk unit's READY.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.image.conftest import HCODE, IMAGE_BUILD, load_script

qemu = load_script(IMAGE_BUILD / "scripts" / "qemu_kiosk.py", "qemu_kiosk")

UNIT = "jhcis-kiosk.service"
HOST = "10.0.2.2"  # this machine, seen from QEMU's user network
BOOT_TIMEOUT_S = float(os.environ.get("IMAGE_BOOT_TIMEOUT", "1200"))
HEALTH = "/var/lib/jhcis-kiosk/kiosk-health.json"
TOOLS = ("qemu-system-x86_64", "mcopy", "grub-editenv", "sfdisk", "ssh", "ssh-keygen")


@dataclass
class Booted:
    vm: Any
    state: str
    boot_s: float
    facts: dict[str, str] = field(default_factory=dict)

    def ssh(self, command: str, timeout: float = 120) -> str:
        return str(self.vm.ssh(command, timeout=timeout).stdout)


def need_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing tools {missing}: run make -C image-build deps")


def provisioning(key: str, account: tuple[str, str, str, int], lan: dict[str, Any]) -> str:
    database, user, password, port = account
    return f"""
[clinic]
hcode = "{HCODE}"
name = "QEMU test"

[database]
host = "{HOST}"
port = {port}
name = "{database}"
user = "{user}"
password = "{password}"

[nhso]
mode = "agent"
agent_url = "http://{HOST}:{lan["nhso_port"]}"

[printer]
uri = "tcp://{HOST}:{lan["printer_port"]}"

[kiosk]
# A 7-inch panel: llvmpipe under emulation draws it ~3x faster than the default 1280x800.
width = 800
height = 480

[access]
ssh_authorized_keys = ["{key}"]
"""


def provisioned_vm(
    disk: Path, workdir: Path, account: tuple[str, str, str, int], lan: dict[str, Any]
) -> Any:
    """A copy of `disk` with a provisioning file for this machine's LAN on its boot partition."""
    need_tools(*TOOLS)
    vm = qemu.Vm(disk, workdir)
    vm.provision(False, provisioning(vm.public_key, account, lan))
    return vm


def power_on(vm: Any, timeout_s: float = BOOT_TIMEOUT_S) -> Booted:
    """Start the VM and wait for SSH, then for the kiosk unit to settle (active or failed)."""
    started = time.monotonic()
    vm.start()
    if not vm.wait_ssh(timeout_s):
        pytest.fail(f"no SSH with the provisioned key; serial log in {vm.workdir}")
    state = qemu.wait_kiosk_ready(vm, timeout_s - (time.monotonic() - started), UNIT)
    booted = Booted(vm, state, time.monotonic() - started)
    print(f"\nqemu: kiosk {state} {booted.boot_s:.0f} s after power-on; logs in {vm.workdir}")
    return booted


def wait_health(booted: Booted, timeout_s: float = 300) -> dict[str, Any]:
    """The health file once the device watcher found the database answering.

    Under emulation the kiosk's first contact (schema profile, its own tables) can take
    longer than the connect timeout and report "down" once; the watcher asks again every
    15 s, so "ok" must follow.
    """
    deadline = time.monotonic() + timeout_s
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        raw = booted.ssh(f"sudo cat {HEALTH}")
        try:
            health = json.loads(raw)
        except json.JSONDecodeError:
            health = {}
        if health.get("components", {}).get("database", {}).get("status") == "ok":
            return health
        time.sleep(5)
    return health
