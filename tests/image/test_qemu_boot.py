"""The appliance image booted in QEMU (software emulation) with the shipped kiosk unit.

IMAGE_DISK names the disk image (``make -C image-build ci-boot`` for the ``ci`` flavour,
which `make test` runs; ``qemu-boot`` for the release image). Without it the module is
skipped. The image is booted as flashed: OVMF, GRUB's A/B choice, a provisioning file
on the boot partition. The VM reaches this machine as 10.0.2.2 (QEMU user networking),
where this module starts what a clinic has on its LAN:

* JHCIS: a synthetic JHCIS database on the test MariaDB, reached with a least-privilege
  kiosk account (``integrations.jhcis.grants``), which the kiosk's first contact uses to
  create its own ``kiosk_`` tables;
* NHSO: the NHSO sandbox (the kiosk is provisioned in ``agent`` mode, pointed at it);
* the ticket printer: a loopback ESC/POS printer.

There is no card reader (pcscd in the VM lists none). READY therefore means: the kiosk
came up, drew its idle screen with "the card reader is not connected" on it, told
systemd READY=1, and keeps pinging the watchdog without a restart; its health file says
the database answers and the reader is missing. On the release image (KMS/DRM) the
screen itself is read from outside as well: the idle screen must be on the display.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.image.conftest import ROOT
from tests.image.qemu_clinic import UNIT, Booted, power_on, provisioned_vm, wait_health

DISK = os.environ.get("IMAGE_DISK")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(
        not DISK,
        reason="QEMU boot is opt-in: make -C image-build ci-boot (or IMAGE_DISK=IMG)",
    ),
]


@pytest.fixture(scope="module")
def booted(
    tmp_path_factory: pytest.TempPathFactory,
    clinic_account: tuple[str, str, str, int],
    lan: dict[str, Any],
) -> Iterator[Booted]:
    assert DISK is not None
    vm = provisioned_vm(Path(DISK), tmp_path_factory.mktemp("qemu"), clinic_account, lan)
    try:
        result = power_on(vm)
        result.facts["password"] = clinic_account[2]
        yield result
    finally:
        vm.stop()


def test_kiosk_reaches_ready_with_the_shipped_unit(booted: Booted) -> None:
    journal = booted.ssh(f"sudo journalctl -b -u {UNIT} --no-pager | tail -n 40")
    assert booted.state == "active", journal
    unit = booted.ssh(f"systemctl cat {UNIT}")
    shipped = "ExecStart=/opt/jhcis-kiosk/venv/bin/kiosk --config /etc/jhcis-kiosk/config.toml run"
    assert shipped + "\n" in unit
    assert "--fakes" not in unit
    shown = booted.ssh(f"systemctl show -p User -p Type -p WatchdogUSec -p MainPID {UNIT}")
    assert "User=kiosk" in shown and "Type=notify" in shown, shown
    assert "kiosk ready in" in journal, journal


def test_database_reachable_and_reader_missing(booted: Booted) -> None:
    health = wait_health(booted)
    parts = health.get("components", {})
    assert parts.get("database", {}).get("status") == "ok", health
    assert parts.get("reader", {}).get("status") == "missing", health
    assert health.get("state") == "idle", health
    status = booted.ssh(f"systemctl show -p StatusText --value {UNIT}").strip()
    # then the printer and NHSO (issue 20: idle checks); the VM has no way out to NHSO
    assert status.startswith("reader missing, database ok, printer "), status
    journal = booted.ssh(f"sudo journalctl -b -u {UNIT} --no-pager")
    assert "devices: reader missing, database ok" in journal, journal[-3000:]


def test_watchdog_pings_keep_coming_without_restarts(booted: Booted) -> None:
    ping = f"systemctl show -p WatchdogTimestampMonotonic --value {UNIT}"
    first = booted.ssh(ping).strip()
    time.sleep(45)  # WATCHDOG=1 every WatchdogSec/2 (15 s) from the UI's main loop
    later = booted.ssh(ping).strip()
    restarts = booted.ssh(f"systemctl show -p NRestarts --value {UNIT}").strip()
    if not (first.isdigit() and later.isdigit() and int(later) > int(first)) or restarts != "0":
        # what the kiosk said meanwhile: why it withheld its pings, or why it restarted
        journal = booted.ssh(f"sudo journalctl -b -u {UNIT} --no-pager -n 80")
        pytest.fail(f"pings {first} -> {later}, restarts {restarts}\n{journal}")
    assert booted.ssh(f"systemctl is-active {UNIT}").strip() == "active"


def test_root_read_only_and_provisioning_moved_the_secrets(booted: Booted) -> None:
    assert booted.ssh("findmnt -n -o OPTIONS /").startswith("ro")
    # The boot partition is mounted umask=0077: only root sees into it.
    boot = booted.ssh("sudo ls /boot/efi").split()
    assert "kiosk-provision.toml" not in boot and "kiosk-provision.applied.toml" in boot, boot
    owner = booted.ssh("sudo stat -c '%U %a %s' /etc/jhcis-kiosk/secrets.toml").split()
    assert owner[:2] == ["kiosk", "600"] and int(owner[2]) > 0, owner
    applied = booted.ssh("sudo cat /boot/efi/kiosk-provision.applied.toml")
    assert "(moved to the data partition)" in applied
    assert booted.facts["password"] not in applied
    journal = booted.ssh("sudo journalctl -b --no-pager")
    assert booted.facts["password"] not in journal


# Run in the VM with the product's Python: the backoffice over HTTPS, trusting only the
# device certificate file (so a different certificate on the wire fails the handshake),
# and plain HTTP, which must only redirect. Prints what it saw as JSON.
HTTPS_PROBE = r"""
import hashlib, http.client, json, ssl
context = ssl.create_default_context(cafile="/var/lib/jhcis-kiosk/tls/backoffice.crt")
context.check_hostname = False  # self-signed for the device's name; the file is the anchor
https = http.client.HTTPSConnection("127.0.0.1", 8443, context=context, timeout=20)
https.request("GET", "/login")
reply = https.getresponse()
der = https.sock.getpeercert(binary_form=True)
digest = hashlib.sha256(der).hexdigest().upper()
plain = http.client.HTTPConnection("127.0.0.1", 8080, timeout=20)
plain.request("GET", "/login?next=/queue", headers={"Host": "kiosk.test:8080"})
redirect = plain.getresponse()
print(json.dumps({
    "https_status": reply.status,
    "hsts": reply.getheader("strict-transport-security") or "",
    "cookie": reply.getheader("set-cookie") or "",
    "server": reply.getheader("server") or "",
    "served": ":".join(digest[i:i + 2] for i in range(0, 64, 2)),
    "http_status": redirect.status,
    "location": redirect.getheader("location") or "",
}))
"""


def test_backoffice_serves_https_with_the_device_certificate(booted: Booted) -> None:
    """Issue 19: the staff web is HTTPS with the certificate made for this device at first
    boot, whose fingerprint the provisioning log shows; plain HTTP only redirects."""
    service = "jhcis-backoffice.service"
    deadline = time.monotonic() + 120
    while booted.ssh(f"systemctl is-active {service}").strip() != "active":
        if time.monotonic() > deadline:
            pytest.fail(booted.ssh(f"sudo journalctl -b -u {service} --no-pager -n 60"))
        time.sleep(3)
    fingerprint = booted.ssh("cat /var/lib/jhcis-kiosk/tls/backoffice.sha256").strip()
    assert len(fingerprint) == 95 and fingerprint.count(":") == 31, fingerprint
    modes = booted.ssh("sudo stat -c '%U %a' /var/lib/jhcis-kiosk/tls/backoffice.key").split()
    assert modes == ["kiosk", "600"], modes
    provisioning_log = booted.ssh("sudo journalctl -b -u jhcis-kiosk-provision --no-pager")
    assert f"SHA-256 {fingerprint}" in provisioning_log, provisioning_log[-2000:]
    applied = booted.ssh("sudo cat /boot/efi/kiosk-provision.applied.toml")
    assert fingerprint in applied
    for _ in range(20):  # the unit is active a moment before uvicorn listens
        # base64 through the shell: the probe's own quotes cannot break the command line
        probe = base64.b64encode(HTTPS_PROBE.encode()).decode()
        out = booted.vm.ssh(f"echo {probe} | base64 -d | /opt/jhcis-kiosk/venv/bin/python -")
        if out.returncode == 0:
            break
        time.sleep(3)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["https_status"] == 200, seen
    assert seen["served"] == fingerprint, seen
    assert seen["hsts"].startswith("max-age="), seen
    assert "__Host-kb_login=" in seen["cookie"] and "Secure" in seen["cookie"], seen
    assert seen["server"] == "", seen
    assert seen["http_status"] == 308, seen
    assert seen["location"] == "https://kiosk.test:8443/login?next=/queue", seen


def test_no_vpcd_and_data_partition_grown(booted: Booted) -> None:
    drivers = booted.vm.ssh("ls -R /usr/lib/pcsc/drivers 2>/dev/null | grep -i vpcd")
    assert drivers.returncode == 1, drivers.stdout  # grep found nothing
    size = booted.ssh("findmnt -n -b -o SIZE /data").strip()
    # 8 GiB disk - 256 MiB boot - 2 x 2560 MiB slots = about 2.7 GiB (1 GiB as flashed)
    assert size.isdigit() and int(size) > 2 * 2**30, size
    cmdline = booted.ssh("cat /proc/cmdline")
    assert "rauc.slot=A" in cmdline, cmdline


def release_only(why: str) -> None:
    """Skip on the ci flavour (make test), which lacks what the test looks at."""
    if os.environ.get("IMAGE_FLAVOUR") == "ci":
        pytest.skip(why)


def kiosk_palette() -> dict[str, tuple[int, int, int]]:
    """The kiosk's colours as 8-bit RGB, read from kiosk/ui/widgets.py without importing Kivy."""
    palette = {}
    for node in ast.parse((ROOT / "kiosk" / "ui" / "widgets.py").read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("INK", "PAPER", "SECONDARY", "WARNING"):
                rgba = ast.literal_eval(node.value)
                palette[name] = (round(rgba[0] * 255), round(rgba[1] * 255), round(rgba[2] * 255))
    return palette


def pixels_of(image: Any, colour: tuple[int, int, int], box: tuple[int, int, int, int]) -> int:
    """How many pixels in `box` are `colour` (within anti-aliasing and dithering slack)."""
    return sum(
        1
        for pixel in image.crop(box).getdata()
        if all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))
    )


def test_idle_screen_is_on_the_display(booted: Booted, tmp_path: Path) -> None:
    """The kiosk drew its idle screen on the display itself, through KMS/DRM.

    The screen is read from outside (QEMU's screendump of the virtio-gpu output); the
    same screen with its texts is checked in tests/ui, so here its layout is checked
    by the kiosk's own colours: paper background, headline in ink in the upper half,
    the "reader not connected" warning in the lower third, the language button.
    """
    release_only("the ci flavour renders offscreen: its display shows the text console")
    from PIL import Image

    state = booted.ssh("sudo cat /sys/kernel/debug/dri/0/state")
    assert "allocated by = kiosk" in state, state[:2000]  # the scanout is the kiosk's
    png = tmp_path / "idle-screen.png"
    booted.vm.screendump(png)
    print(f"screen: {png}")
    colour = kiosk_palette()
    with Image.open(png) as shot:
        image = shot.convert("RGB")
    width, height = image.size
    assert (width, height) == (1280, 800), image.size  # the virtual monitor's preferred mode
    assert pixels_of(image, colour["PAPER"], (0, 0, width, height)) > 0.8 * width * height
    assert pixels_of(image, colour["INK"], (0, 0, width, height // 2)) > 2000
    assert pixels_of(image, colour["WARNING"], (0, height * 2 // 3, width, height)) > 1000
    assert pixels_of(image, colour["SECONDARY"], (width * 2 // 3, 0, width, height // 8)) > 5000


def test_a_hung_system_is_reset_by_the_hardware_watchdog(booted: Booted) -> None:
    """Last in the module: it takes the VM down.

    systemd pings the board's watchdog (RuntimeWatchdogSec=30s; QEMU's i6300esb here,
    iTCO/sp5100 on a mini PC). A kernel that stops dead stops the pings, and the board
    resets; QEMU runs with -no-reboot, so the reset ends it.
    """
    release_only("the ci flavour's cloud kernel has no watchdog driver for QEMU's board")
    watchdog = booted.ssh(
        "systemctl show -p RuntimeWatchdogUSec --value; cat /sys/class/watchdog/watchdog0/identity"
    ).split("\n")
    assert watchdog[0] == "30s", watchdog
    assert watchdog[1].strip(), "no hardware watchdog device"  # e.g. "i6300ESB timer"
    log = booted.vm.workdir / f"serial-{booted.vm.boots}.log"
    # kernel.panic=10 would reboot a crashed kernel by itself; with 0 it just stops, as a
    # hung one does, and only the watchdog can bring the kiosk back.
    # From a timer, 2 s on: ssh returns first, so the clock below starts at the crash.
    crash = "sudo systemd-run -q --on-active=2 /bin/sh -c 'echo c > /proc/sysrq-trigger'"
    assert booted.vm.ssh(f"sudo sysctl -q kernel.panic=0 && {crash}").returncode == 0
    started = time.monotonic()
    booted.vm.wait_exit(timeout=300)
    stopped_s = time.monotonic() - started
    assert booted.vm.process.returncode == 0  # -no-reboot: a board reset ends QEMU cleanly
    print(f"watchdog: the hung VM was reset {stopped_s:.0f} s after the crash was started")
    serial = log.read_text(errors="replace")
    assert "Kernel panic - not syncing: sysrq triggered crash" in serial, serial[-2000:]
    assert "Rebooting in" not in serial  # the kernel did not reboot itself
    assert stopped_s > 10, stopped_s  # the reset came from the watchdog's timeout
