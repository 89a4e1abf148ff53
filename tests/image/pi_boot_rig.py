"""The Raspberry Pi image's A/B boot, run in QEMU as far as QEMU can take it.

No emulator runs the Pi firmware, and QEMU 7.2 (Debian 12) has no Pi 4 machine. Its
``raspi3b`` machine does run the ``u-boot.bin`` the arm64 image installs: Debian's
``rpi_arm64`` build, one binary for the Pi 3 and the Pi 4, loaded here in the firmware's
place. What is the image's own in this rig:

- U-Boot: the same package, build and version;
- its environment: ``uboot.env`` on the SD card's FAT partition (``mmc 0:1``), 16 KiB,
  written by U-Boot's ``saveenv`` and read and written on the Linux side by
  ``fw_printenv``/``fw_setenv`` through the image's own ``/etc/fw_env.config`` geometry;
- ``boot.scr``: compiled from ``image-build/boot/boot-arm64.cmd`` as ``assemble-image.sh``
  does, with the image's MBR disk id and partition numbers;
- the kernel: Debian's arm64 ``Image``, started by the script's ``booti``;
- the Linux side: RAUC 1.8 with the image's ``system.conf`` (uboot backend), its service
  on a private D-Bus, told the booted slot through the kernel command line that U-Boot
  actually passed (bind-mounted over ``/proc/cmdline`` in a private mount namespace).

What differs from a Pi 4: the board (BCM2837), no firmware or ``config.txt``, and each
slot holds the kernel with a tiny initramfs that reports its slot and command line on the
serial port instead of the kiosk system. Needs root (mmdebstrap, mount namespaces).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import signal
import subprocess
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tests.image.conftest import IMAGE_BUILD, load_script

imagebuild = load_script(IMAGE_BUILD / "scripts" / "imagebuild.py", "imagebuild")

OVERLAY_ARM64 = IMAGE_BUILD / "overlay-arm64"
PACKAGES = ("u-boot-rpi", "linux-image-arm64", "busybox-static")
UBOOT = "usr/lib/u-boot/rpi_arm64/u-boot.bin"  # what assemble-image.sh installs
DTB = "broadcom/bcm2837-rpi-3-b.dtb"
MIB = 1024 * 1024
DISK_MIB = 256  # QEMU's SD card must be a power of two
BOOT_PART = (1 * MIB, 32 * MIB)  # (offset, size) in the disk: mmc 0:1, FAT
SLOT_PART = {"A": (33 * MIB, 64 * MIB), "B": (97 * MIB, 64 * MIB)}  # mmc 0:2 and 0:3
REPORT = re.compile(r"KIOSK-RIG slot-content=(\w+) cmdline=\[([^\]]*)\]")
UBOOT_SLOT = re.compile(r"jhcis-kiosk: booting slot (\w+)")

INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
line="KIOSK-RIG slot-content=@SLOT@ cmdline=[$(cat /proc/cmdline)]"
i=0
while [ $i -lt 120 ]; do
  for tty in /dev/ttyS1 /dev/ttyAMA0; do
    [ -c $tty ] && echo "$line" > $tty 2>/dev/null && sent=1
  done
  [ -n "$sent" ] && break
  sleep 1
  i=$((i + 1))
done
sleep 1
reboot -f
"""


def run(*cmd: str | Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(c) for c in cmd], input=input, text=True, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{cmd[0]} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


@dataclass(frozen=True)
class Parts:
    """Debian's arm64 pieces the rig boots, as the image would ship them."""

    uboot: Path
    dtb: Path
    kernel: Path
    busybox: Path


def fetch_parts(cache: Path) -> Parts:
    """Debian's packages for arm64, unpacked (not installed: nothing runs under emulation)."""
    tree = cache / "arm64-parts"
    done = tree / ".done"
    # A week-old copy is fetched again: the rig should boot what an image built today ships.
    if not done.exists() or time.time() - done.stat().st_mtime > 7 * 24 * 3600:
        fresh = cache / "arm64-parts.new"
        shutil.rmtree(fresh, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        debian = tomllib.loads((IMAGE_BUILD / "manifest.toml").read_text())["debian"]
        try:
            run(
                "mmdebstrap",
                "--quiet",
                "--variant=extract",
                "--arch=arm64",
                f"--include={','.join(PACKAGES)}",
                debian["suite"],
                fresh,
                debian["mirror"],
            )
        except AssertionError:
            if not done.exists():
                raise
            shutil.rmtree(fresh, ignore_errors=True)  # offline: the old copy still boots
        else:
            shutil.rmtree(tree, ignore_errors=True)
            fresh.rename(tree)
            done.touch()
    kernel = sorted(tree.glob("boot/vmlinuz-*"))[-1]
    version = kernel.name.removeprefix("vmlinuz-")
    return Parts(
        uboot=tree / UBOOT,
        dtb=tree / "usr/lib" / f"linux-image-{version}" / DTB,
        kernel=kernel,
        busybox=tree / "bin/busybox",
    )


def newc_archive(entries: list[tuple[str, int, bytes, tuple[int, int]]]) -> bytes:
    """A cpio "newc" archive, the initramfs format: (name, mode, data, (rdev major, minor))."""
    out = io.BytesIO()

    def pad() -> None:
        out.write(b"\0" * (-out.tell() % 4))

    for ino, (name, mode, data, (major, minor)) in enumerate(
        [*entries, ("TRAILER!!!", 0, b"", (0, 0))], start=1
    ):
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(name) + 1, 0]
        out.write(b"070701" + "".join(f"{f:08x}" for f in fields).encode())
        out.write(name.encode() + b"\0")
        pad()
        out.write(data)
        pad()
    return out.getvalue()


def initramfs(busybox: Path, slot: str) -> bytes:
    """An initramfs that reports which slot it was loaded from and the kernel command line."""
    directory, executable, chardev = 0o040755, 0o100755, 0o020600
    archive = newc_archive(
        [
            ("bin", directory, b"", (0, 0)),
            ("dev", directory, b"", (0, 0)),
            ("proc", directory, b"", (0, 0)),
            ("dev/console", chardev, b"", (5, 1)),
            ("bin/busybox", executable, busybox.read_bytes(), (0, 0)),
            ("init", executable, INIT.replace("@SLOT@", slot).encode(), (0, 0)),
        ]
    )
    return gzip.compress(archive, compresslevel=1)


def image_env_config(env_file: Path) -> str:
    """The image's /etc/fw_env.config with its uboot.env path pointed at `env_file`."""
    text = (OVERLAY_ARM64 / "etc" / "fw_env.config").read_text()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == 1 and lines[0].split()[0] == "/boot/firmware/uboot.env", lines
    return text.replace("/boot/firmware/uboot.env", str(env_file))


@dataclass(frozen=True)
class Boot:
    """What one power-on showed: U-Boot's choice and what the started kernel reported."""

    uboot_slot: str
    slot_content: str
    cmdline: str
    serial: str

    @property
    def rauc_slot(self) -> str:
        match = re.search(r"\brauc\.slot=(\w+)", self.cmdline)
        return match.group(1) if match else ""


class PiRig:
    """An SD card with the image's boot partition and two slots, booted in ``raspi3b``."""

    def __init__(self, parts: Parts, workdir: Path) -> None:
        self.parts = parts
        self.workdir = workdir
        self.disk = workdir / "sd.img"
        self.boots = 0
        workdir.mkdir(parents=True, exist_ok=True)
        self._build_disk()
        self._prepare_linux_side()

    # --- the SD card ----------------------------------------------------------------
    def _build_disk(self) -> None:
        w = self.workdir
        script = w / "boot.cmd"
        script.write_text(
            imagebuild.boot_config((IMAGE_BUILD / "boot" / "boot-arm64.cmd").read_text())
        )
        run("mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none",
            "-n", "jhcis-kiosk A/B", "-d", script, w / "boot.scr")  # fmt: skip
        fat = w / "boot.vfat"
        fat.unlink(missing_ok=True)
        run("mkfs.vfat", "-n", "KIOSKBOOT", "-C", fat, str(BOOT_PART[1] // 1024))
        run("mcopy", "-i", fat, w / "boot.scr", "::boot.scr")
        images = {"boot": (fat, BOOT_PART[0])}
        for slot, (offset, size) in SLOT_PART.items():
            tree = w / f"slot-{slot}"
            shutil.rmtree(tree, ignore_errors=True)
            tree.mkdir()
            shutil.copyfile(self.parts.kernel, tree / "vmlinuz")
            (tree / "initrd.img").write_bytes(initramfs(self.parts.busybox, slot))
            image = w / f"slot-{slot}.ext4"
            image.unlink(missing_ok=True)
            run("mke2fs", "-q", "-t", "ext4", "-L", f"rootfs-{slot.lower()}", "-d", tree,
                image, f"{size // 1024}k")  # fmt: skip
            images[slot] = (image, offset)
        with self.disk.open("wb") as disk:
            disk.truncate(DISK_MIB * MIB)
        a, b = SLOT_PART["A"], SLOT_PART["B"]
        table = (
            f"label: dos\nlabel-id: {imagebuild.PI_DISK_SIGNATURE}\n"
            f"start={BOOT_PART[0] // 512}, size={BOOT_PART[1] // 512}, type=c, bootable\n"
            f"start={a[0] // 512}, size={a[1] // 512}, type=83\n"
            f"start={b[0] // 512}, size={b[1] // 512}, type=83\n"
            f"start={(b[0] + b[1]) // 512}, type=83\n"
        )
        run("sfdisk", "--quiet", self.disk, input=table)
        with self.disk.open("r+b") as disk:
            for image, offset in images.values():
                disk.seek(offset)
                with image.open("rb") as source:
                    shutil.copyfileobj(source, disk)
                image.unlink()

    # --- power on -------------------------------------------------------------------
    def boot(self, timeout_s: float = 300) -> Boot:
        """Power on, wait for the started kernel's report, power off."""
        self.boots += 1
        logs = [self.workdir / f"serial{n}-boot{self.boots}.log" for n in (0, 1)]
        cmd = [
            "qemu-system-aarch64", "-machine", "raspi3b",
            "-kernel", str(self.parts.uboot), "-dtb", str(self.parts.dtb),
            "-drive", f"file={self.disk},if=sd,format=raw",
            "-serial", f"file:{logs[0]}", "-serial", f"file:{logs[1]}",
            "-display", "none", "-monitor", "none", "-no-reboot",
        ]  # fmt: skip
        process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
        started = time.monotonic()
        deadline = started + timeout_s

        def serial_so_far() -> str:
            return "".join(log.read_text(errors="replace") for log in logs if log.exists())

        try:
            while time.monotonic() < deadline:
                if REPORT.search(serial_so_far()) or process.poll() is not None:
                    break
                time.sleep(0.5)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        serial = serial_so_far()  # all of it, QEMU being gone
        report = REPORT.search(serial)
        chosen = UBOOT_SLOT.search(serial)
        if report is None or chosen is None:
            tail = serial[-3000:]
            raise AssertionError(f"boot {self.boots}: no slot report; serial ends:\n{tail}")
        print(f"pi rig: power-on {self.boots}: slot {chosen.group(1)} reported after "
              f"{time.monotonic() - started:.0f} s")  # fmt: skip
        return Boot(chosen.group(1), report.group(1), report.group(2).strip(), serial)

    # --- the Linux side -------------------------------------------------------------
    def _prepare_linux_side(self) -> None:
        w = self.workdir
        self.env_file = w / "uboot.env"
        (w / "fw_env.config").write_text(image_env_config(self.env_file))
        # RAUC runs fw_setenv/fw_printenv by name; these hand them the image's geometry
        # for this rig's file instead of the host's /etc/fw_env.config.
        bin_dir = w / "bin"
        bin_dir.mkdir(exist_ok=True)
        for tool in ("fw_setenv", "fw_printenv"):
            wrapper = bin_dir / tool
            real = shutil.which(tool)
            assert real, f"{tool} missing (Debian package libubootenv-tool)"
            wrapper.write_text(f'#!/bin/sh\nexec {real} -c {w / "fw_env.config"} "$@"\n')
            wrapper.chmod(0o755)
        conf = (OVERLAY_ARM64 / "etc" / "rauc" / "system.conf").read_text()
        conf = re.sub(r"(?m)^data-directory=.*$", f"data-directory={w / 'rauc-data'}", conf)
        conf = re.sub(r"(?m)^path=.*keyring.*$", f"path={w / 'keyring.pem'}", conf)
        (w / "system.conf").write_text(conf)
        # Status commands need no signature check, but RAUC loads the keyring at start.
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=rig",
            "-keyout", w / "rig.key", "-out", w / "keyring.pem", "-days", "1")  # fmt: skip

    def _pull_env(self) -> None:
        self.env_file.unlink(missing_ok=True)
        run("mcopy", "-i", f"{self.disk}@@{BOOT_PART[0]}", "::uboot.env", self.env_file)

    def _push_env(self) -> None:
        run("mcopy", "-o", "-i", f"{self.disk}@@{BOOT_PART[0]}", self.env_file, "::uboot.env")

    def env(self) -> dict[str, str]:
        """The U-Boot environment on the SD card, read as Linux reads it (fw_printenv)."""
        self._pull_env()
        printed = run(self.workdir / "bin" / "fw_printenv").stdout
        return dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)

    def set_env(self, **values: str) -> None:
        """Set U-Boot variables as Linux would (fw_setenv), for states that take long to reach."""
        self._pull_env()
        for name, value in values.items():
            run(self.workdir / "bin" / "fw_setenv", name, value)
        self._push_env()

    def rauc(self, booted: Boot, *commands: str) -> str:
        """Run `rauc <command>`s as the booted system would, then write the env back."""
        self._pull_env()
        w = self.workdir
        (w / "cmdline").write_text(booted.cmdline + "\n")
        calls = "\n".join(f"rauc {c}" for c in commands)
        script = f"""set -eu
mount --bind {w / "cmdline"} /proc/cmdline
export PATH={w / "bin"}:$PATH
export DBUS_SYSTEM_BUS_ADDRESS=$(dbus-daemon --session --fork --print-address=1 --print-pid=3 3>{w / "dbus.pid"})
trap 'kill $(cat {w / "dbus.pid"}) 2>/dev/null || true' EXIT
rauc -c {w / "system.conf"} service >>{w / "rauc-service.log"} 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true; kill $(cat {w / "dbus.pid"}) 2>/dev/null || true' EXIT
for i in $(seq 100); do rauc status >/dev/null 2>&1 && break; sleep 0.1; done
{calls}
"""  # noqa: E501
        done = run("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
        self._push_env()
        return done.stdout
