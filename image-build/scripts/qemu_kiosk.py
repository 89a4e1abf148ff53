# ruff: noqa: S603, S607 - a build-machine tool that runs qemu, ssh and mtools by name
"""Boot the amd64 kiosk image in QEMU (TCG, OVMF) and check it from the outside.

The :class:`Vm` here is what ``tests/image/test_qemu_boot.py`` (``make -C image-build
ci-boot`` / ``qemu-boot``, and ``make test``) and ``tests/image/test_qemu_update_rollback.py``
(``ci-update-rollback`` / ``qemu-update-rollback``) drive: they boot the image with the
shipped kiosk unit against a JHCIS database, NHSO sandbox and printer on the host.
The command below predates them; with ``--fakes`` it runs a copy of the unit on
in-memory fakes, for a look at an image without any clinic behind it.

    qemu_kiosk.py boot --image IMG [--fakes]   provision, boot, wait for the kiosk's READY

The image is copied (sparse) and grown to 8 GiB, a test kiosk-provision.toml and an
SSH key are put on the copy's boot partition, and the serial console is logged to
WORKDIR/serial-N.log. Nested KVM does not work on the build machine, so this is
software emulation: expect minutes per boot.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
UPLOAD = "/data/home/kioskadmin/update.raucb"
DEBUG_CMDLINE = "console=ttyS0,115200 systemd.show_status=1 systemd.log_level=info"
# --fakes: the real unit is masked for the boot and a copy of it, identical except for
# `run --fakes` (in-memory card, database, NHSO and printer), is started instead. It
# exercises the image's display stack, hardening, notify and watchdog on a machine
# without the clinic's devices; the real unit needs kiosk.adapters and a reachable JHCIS.
FAKES_CMDLINE = "systemd.mask=jhcis-kiosk.service systemd.mask=jhcis-kiosk-mark-good.service"
SMOKE_UNIT = "jhcis-kiosk-smoke.service"
# Under TCG a frame of llvmpipe takes seconds, so the smoke copy gets WatchdogSec=120
# (pings every 60 s);
# everything else (user, groups, devices, hardening, TTY, Type=notify) is the real unit's.
MAKE_SMOKE_UNIT = (
    "sed -e 's#^ExecStart=\\(.*\\) run$#ExecStart=\\1 run --fakes#' "
    "-e 's#^WatchdogSec=.*#WatchdogSec=120#' "
    "/usr/lib/systemd/system/jhcis-kiosk.service | sudo tee /run/systemd/system/"
    + SMOKE_UNIT
    + " >/dev/null && sudo systemctl daemon-reload"
)
PROVISION = """
[clinic]
hcode = "99999"
name = "QEMU test"

[database]
host = "10.0.2.2"
port = 3333
name = "jhcisdb"
user = "kiosk"
password = "qemu-test-only"

[nhso]
mode = "agent"

[printer]
uri = "tcp://10.0.2.2:9100"

[access]
ssh_authorized_keys = ["{key}"]
"""


def run(*cmd: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def boot_offset(disk: Path) -> int:
    table = json.loads(run("sfdisk", "--json", str(disk)).stdout)["partitiontable"]
    return int(table["partitions"][0]["start"]) * 512


class Vm:
    def __init__(self, image: Path, workdir: Path) -> None:
        self.workdir = workdir
        self.disk = workdir / "disk.img"
        self.key = workdir / "id_ed25519"
        self.port = _free_port()
        self.boots = 0
        self.process: subprocess.Popen[bytes] | None = None
        run("cp", "--sparse=always", str(image), str(self.disk))
        run("truncate", "-s", "8G", str(self.disk))
        shutil.copyfile(OVMF_VARS, workdir / "OVMF_VARS.fd")
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.key))
        self.fat = f"{self.disk}@@{boot_offset(self.disk)}"

    @property
    def public_key(self) -> str:
        return (self.workdir / "id_ed25519.pub").read_text().strip()

    def provision(self, fakes: bool, text: str | None = None) -> None:
        """Put `text` (default: PROVISION, nothing listening behind it) on the boot partition."""
        source = self.workdir / "kiosk-provision.toml"
        source.write_text(text or PROVISION.format(key=self.public_key), encoding="utf-8")
        run("mcopy", "-o", "-i", self.fat, str(source), "::kiosk-provision.toml")
        env = self.workdir / "grubenv"
        run("mcopy", "-o", "-i", self.fat, "::EFI/BOOT/grubenv", str(env))
        extra = f"{DEBUG_CMDLINE} {FAKES_CMDLINE}" if fakes else DEBUG_CMDLINE
        run("grub-editenv", str(env), "set", f"KIOSK_CMDLINE_EXTRA={extra}")
        run("mcopy", "-o", "-i", self.fat, str(env), "::EFI/BOOT/grubenv")

    def start(self) -> Path:
        self.boots += 1
        log = self.workdir / f"serial-{self.boots}.log"
        cmd = [
            "qemu-system-x86_64",
            "-machine",
            "q35",
            "-accel",
            "tcg",
            "-smp",
            "2",
            "-m",
            "2048",
            "-drive",
            f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
            "-drive",
            f"if=pflash,format=raw,file={self.workdir / 'OVMF_VARS.fd'}",
            "-drive",
            f"file={self.disk},format=raw,if=virtio",
            # One display, as on a kiosk: q35's default VGA would be a second DRM card,
            # and SDL's kmsdrm takes the first it finds.
            "-vga",
            "none",
            "-device",
            "virtio-gpu-pci",
            "-display",
            "none",
            "-nic",
            f"user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{self.port}-:22",
            "-device",
            "i6300esb",
            "-serial",
            f"file:{log}",
            "-monitor",
            "none",
            "-qmp",
            f"unix:{self.qmp_socket},server=on,wait=off",
            "-no-reboot",
        ]
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        return log

    @property
    def qmp_socket(self) -> Path:
        return self.workdir / "qmp.sock"

    def screendump(self, png: Path) -> None:
        """What the kiosk's screen shows now (the virtio-gpu output), as a PNG file."""
        with socket.socket(socket.AF_UNIX) as qmp:
            qmp.settimeout(60)
            qmp.connect(str(self.qmp_socket))
            replies = qmp.makefile("r", encoding="utf-8")

            def call(command: str, **arguments: object) -> None:
                qmp.sendall(json.dumps({"execute": command, "arguments": arguments}).encode())
                while True:  # skip asynchronous events until the command's own reply
                    reply = json.loads(replies.readline())
                    if "error" in reply:
                        raise RuntimeError(f"QMP {command}: {reply['error']}")
                    if "return" in reply:
                        return

            json.loads(replies.readline())  # the greeting
            call("qmp_capabilities")
            call("screendump", filename=str(png), format="png")

    def ssh(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "ssh",
                "-i",
                str(self.key),
                "-p",
                str(self.port),
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "ConnectTimeout=10",
                "-o",
                "LogLevel=ERROR",
                "kioskadmin@127.0.0.1",
                command,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def wait_ssh(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ssh("true", timeout=30).returncode == 0:
                return True
            time.sleep(5)
        return False

    def wait_exit(self, timeout: float) -> None:
        if self.process is not None:
            self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check(label: str, ok: bool, detail: str = "") -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {label}{(': ' + detail) if detail and not ok else ''}")
    return ok


def wait_kiosk_ready(vm: Vm, timeout: float, unit: str) -> str:
    """ActiveState of the kiosk unit once settled: Type=notify is "active" only after READY=1."""
    deadline = time.monotonic() + timeout
    state = "unknown"
    while time.monotonic() < deadline:
        state = vm.ssh(f"systemctl is-active {unit}").stdout.strip() or "unknown"
        if state in ("active", "failed"):
            return state
        time.sleep(5)
    return state


def boot_and_check(vm: Vm, timeout: float, fakes: bool) -> bool:
    vm.start()
    if not vm.wait_ssh(timeout):
        return check("ssh with the provisioned key", False, "no answer")
    unit = "jhcis-kiosk.service"
    if fakes:
        unit = SMOKE_UNIT
        made = vm.ssh(MAKE_SMOKE_UNIT)
        check("smoke unit = kiosk unit with run --fakes", made.returncode == 0, made.stderr)
        # start blocks until READY=1 (Type=notify) or failure
        started = vm.ssh(f"sudo systemctl start {unit}", timeout=timeout)
        check("systemctl start returned after READY=1", started.returncode == 0, started.stderr)
    state = wait_kiosk_ready(vm, timeout, unit)
    ping = f"systemctl show -p WatchdogTimestampMonotonic --value {unit}"
    first_ping = vm.ssh(ping).stdout.strip()
    time.sleep(75)  # WATCHDOG=1 from the main loop (every WatchdogSec/2) keeps coming
    later_ping = vm.ssh(ping).stdout.strip()
    restarts = vm.ssh(f"systemctl show -p NRestarts --value {unit}").stdout.strip()
    journal = vm.ssh(f"sudo journalctl -b -u {unit} --no-pager | tail -n 30").stdout
    results = [
        check(f"{unit} reached READY (Type=notify, active)", state == "active", journal),
        check("no watchdog kill or restart for 75 s", restarts == "0", restarts),
        check(
            "watchdog pings arrive (WatchdogTimestamp advances)",
            first_ping.isdigit() and later_ping.isdigit() and int(later_ping) > int(first_ping),
            f"{first_ping} -> {later_ping}",
        ),
    ]
    show = f"systemctl show -p NRestarts -p StatusText -p WatchdogUSec -p User {unit}"
    print(vm.ssh(show).stdout.strip())
    root = vm.ssh("findmnt -n -o OPTIONS /").stdout
    results.append(check("root mounted read-only", root.startswith("ro"), root))
    gone = vm.ssh(
        "test ! -e /boot/efi/kiosk-provision.toml && sudo test -s /etc/jhcis-kiosk/secrets.toml"
    )
    results.append(
        check("provisioned: secrets on /data, gone from boot", gone.returncode == 0, gone.stderr)
    )
    vpcd = vm.ssh("! ls /usr/lib/pcsc/drivers | grep -i vpcd")
    results.append(check("no vpcd in the image", vpcd.returncode == 0))
    size = vm.ssh("findmnt -n -b -o SIZE /data").stdout.strip()
    # 8 GiB disk - 256 MiB boot - 2 x 2560 MiB slots = about 2.7 GiB (1 GiB as flashed)
    grown = size.isdigit() and int(size) > 2 * 2**30
    results.append(check("data partition grown to the disk", grown, size))
    return all(results)


def cmd_boot(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="kiosk-qemu-", dir=args.workdir))
    vm = Vm(args.image, workdir)
    vm.provision(args.fakes)
    try:
        ok = boot_and_check(vm, args.timeout, args.fakes)
    finally:
        vm.stop()
    print(f"serial logs in {workdir}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qemu_kiosk.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("boot")
    p.add_argument("--image", type=Path, required=True)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--workdir", type=Path, default=None)
    p.add_argument("--fakes", action="store_true", help="kiosk run --fakes (see FAKES_CMDLINE)")
    args = parser.parse_args(argv)
    return cmd_boot(args)


if __name__ == "__main__":
    sys.exit(main())
