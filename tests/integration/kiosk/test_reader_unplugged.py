"""The reader disappears and comes back under a real pcscd: health and idle screen follow.

The shared test pcscd cannot lose its vpcd reader, so this test runs a private pcscd
(its own vpcd reader, on a private port) in a mount namespace of its own, where a
tmpfs over /run/pcscd hides the shared daemon's socket. Stopping it is the reader
going away as the kiosk sees it (pcscd restarting or the reader unplugged: the reader
leaves PC/SC's list); starting it again brings the reader back. The kiosk side runs in
a child process because libpcsclite reads PCSCLITE_CSOCK_NAME once per process.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import vpcd_slot_lock

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
PORT = 36000  # vpcd's port for the private reader (the shared pcscd uses 35963/35964)
READER = "Private Kiosk PCD 00 00"

KIOSK = """
import json, sys, time
from pathlib import Path
from kiosk.adapters.card import PcscCardMonitor
from kiosk.device_status import DeviceWatcher
from kiosk.health import HealthRecorder
from kiosk.testing import FakeWorld
health = HealthRecorder(Path(sys.argv[1]), write_interval_s=0)
services = FakeWorld().services()
services.monitor = monitor = PcscCardMonitor(sys.argv[2], settle_s=0.1)
def changed(status):
    print(json.dumps({"reader": status.reader, "notes": list(status.notes)}), flush=True)
# The periodic look comes after an hour: what the test sees comes from the events.
watcher = DeviceWatcher(services, health, on_change=changed, first_after_s=3600)
watcher.start()
monitor.start(lambda: None, lambda: None)
sys.stdin.read()  # until the test closes stdin
watcher.stop(); monitor.stop()
"""


class PrivatePcscd:
    """A pcscd of our own with one vpcd reader, started and stopped by the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.conf = tmp_path / "reader.conf.d"
        self.conf.mkdir()
        (self.conf / "vpcd").write_text(
            f'FRIENDLYNAME "Private Kiosk PCD"\nDEVICENAME /dev/null:{PORT:#x}\n'
            f"LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID {PORT:#x}\n"
        )
        self.socket = tmp_path / "pcscd.comm"  # a link into the namespace, renewed per start
        self.log = tmp_path / "pcscd.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        script = "mount -t tmpfs none /run/pcscd && exec /usr/sbin/pcscd -f -c " + str(self.conf)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                stdout=log,
                stderr=log,
            )
        inside = Path(f"/proc/{self.proc.pid}/root/run/pcscd/pcscd.comm")
        deadline = time.monotonic() + 10
        while not inside.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(self.log.read_text(errors="replace")[-2000:])
            time.sleep(0.05)
        tmp_link = self.socket.with_suffix(".new")
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(inside)
        os.replace(tmp_link, self.socket)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or not Path("/usr/sbin/pcscd").exists():
        return False
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "none", "/mnt"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def pcscd(vpcd_ports: list[int], tmp_path: Path) -> Iterator[PrivatePcscd]:
    if not _can_unshare():
        message = "a private pcscd needs unshare -m (root, CAP_SYS_ADMIN) and pcscd"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    daemon = PrivatePcscd(tmp_path)
    with vpcd_slot_lock(PORT, "the private pcscd's vpcd port"):
        daemon.start()
        try:
            yield daemon
        finally:
            daemon.stop()


def next_status(lines: queue.Queue[str], timeout_s: float = 15) -> dict[str, Any]:
    return json.loads(lines.get(timeout=timeout_s))  # type: ignore[no-any-return]


def test_reader_gone_and_back(pcscd: PrivatePcscd, tmp_path: Path) -> None:
    health_file = tmp_path / "health.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PCSCLITE_CSOCK_NAME": str(pcscd.socket)}
    kiosk = subprocess.Popen(
        [sys.executable, "-c", KIOSK, str(health_file), READER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert kiosk.stdout is not None
    threading.Thread(target=lambda: [lines.put(x) for x in kiosk.stdout], daemon=True).start()

    def reader_in_health() -> str:
        return str(json.loads(health_file.read_text())["components"]["reader"]["status"])

    try:
        assert next_status(lines) == {"reader": "ok", "notes": []}
        assert reader_in_health() == "ok"
        pcscd.stop()
        assert next_status(lines) == {"reader": "missing", "notes": ["reader_missing"]}
        assert reader_in_health() == "missing"
        pcscd.start()
        assert next_status(lines) == {"reader": "ok", "notes": []}
        assert reader_in_health() == "ok"
    finally:
        assert kiosk.stdin is not None
        kiosk.stdin.close()
        try:
            kiosk.wait(15)
        except subprocess.TimeoutExpired:
            kiosk.kill()
            kiosk.wait(5)
