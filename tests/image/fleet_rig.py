"""What the fleet tests share: gooseBit on this machine, signed bundles, simulated kiosks.

gooseBit runs from its own virtual environment (``make -C image-build fleet-venv``, made
here when missing: FLEET_VENV) with the config a district uses (image-build/fleet), on a
free port, with a fresh state directory per test module. Bundles are real RAUC bundles
made with ``image-build/scripts/make-bundle.sh``: gooseBit reads their manifest, RAUC on
the VM checks their signature. A simulated kiosk is our own agent (kiosk/updates) with
our DDI client over real HTTP, on a RAUC stand-in that records what it was asked to
install: the device in a rollout that is not a VM.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from integrations.hawkbit_ddi import DdiClient
from kiosk.updates.agent import Machine, UpdateAgent
from kiosk.updates.rauc import InstallResult, RaucStatus, Slot
from tests.image.conftest import IMAGE_BUILD, load_script

fleet = load_script(IMAGE_BUILD / "scripts" / "fleet.py", "fleet")

FLEET_VENV = Path(os.environ.get("FLEET_VENV", IMAGE_BUILD / "build" / "fleet-venv"))
MAKE_BUNDLE = IMAGE_BUILD / "scripts" / "make-bundle.sh"
COMPATIBLE = "jhcis-kiosk-amd64"
# gooseBit 0.2.12 reads a bundle's manifest with PySquashfsImage, which takes squashfs'
# lz4 blocks for lz4 frames and fails: the ci bundles' "-comp lz4" cannot be uploaded.
# Uncompressed (the default compressor named, nothing compressed) is as fast to make.
FLEET_SQUASHFS = "-noI -noD -noF -noX"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_fleet_venv() -> Path:
    if not (FLEET_VENV / "bin" / "uvicorn").exists():
        made = subprocess.run(
            ["make", "-C", str(IMAGE_BUILD), "fleet-venv", f"FLEET_VENV={FLEET_VENV}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if made.returncode != 0:
            pytest.fail(f"make fleet-venv failed: {made.stderr[-2000:]}")
    return FLEET_VENV


@dataclass
class RunningFleet:
    server: Any
    admin: Any  # fleet.Fleet

    @property
    def url(self) -> str:
        return str(self.server.url)


def start_fleet(state: Path, poll: str | None = None) -> RunningFleet:
    """gooseBit with the district's config; `poll` ("HH:MM:SS") shortens the polling."""
    config = fleet.CONFIG
    if poll is not None:
        state.mkdir(parents=True, exist_ok=True)
        config = state / "goosebit.yaml"
        text = fleet.CONFIG.read_text(encoding="utf-8")
        assert 'poll_time: "00:01:00"' in text
        config.write_text(text.replace('"00:01:00"', f'"{poll}"'), encoding="utf-8")
    server = fleet.Server(state, ensure_fleet_venv(), port=free_port(), config=config)
    server.start()
    return RunningFleet(server, fleet.Fleet(server.url, server.admin_password()))


@pytest.fixture(scope="module")
def goosebit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFleet]:
    running = start_fleet(tmp_path_factory.mktemp("goosebit"))
    try:
        yield running
    finally:
        running.server.stop()


def need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing tools {missing}: run make -C image-build deps")


def signing_keys(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) of a fresh self-signed signer: the image's dev key or a stranger's."""
    subprocess.run(
        ["bash", str(IMAGE_BUILD / "scripts" / "dev-keys.sh"), str(directory)],
        check=True,
        capture_output=True,
    )
    return directory / "dev-ca.cert.pem", directory / "dev-ca.key.pem"


def small_rootfs(path: Path) -> Path:
    """A small slot image of random bytes: RAUC checks a bundle's signature before it
    looks at the image, and gooseBit reads only the manifest."""
    path.write_bytes(os.urandom(256 * 1024))
    return path


def make_bundle(rootfs: Path, version: str, keys: tuple[Path, Path], out: Path) -> Path:
    need("rauc", "mksquashfs")
    done = subprocess.run(
        [
            "bash",
            str(MAKE_BUNDLE),
            "amd64",
            str(rootfs),
            version,
            str(keys[0]),
            str(keys[1]),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MKSQUASHFS_ARGS": FLEET_SQUASHFS},
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


# --- a kiosk that is not a VM ------------------------------------------------------------------
@dataclass
class FakeRauc:
    """Two slots; `install` records the bundle's size and refuses when told to. A slot
    booted into is "bad" (on trial) until the kiosk's mark-good (SimulatedKiosk)."""

    booted: str = "A"
    versions: dict[str, str | None] = field(default_factory=lambda: {"A": None, "B": None})
    refuse: str | None = None
    installed: list[int] = field(default_factory=list)
    good: set[str] = field(default_factory=lambda: {"A"})

    def status(self) -> RaucStatus:
        slots = {
            name: Slot(name, "good" if name in self.good else "bad", version)
            for name, version in self.versions.items()
        }
        return RaucStatus(COMPATIBLE, self.booted, slots)

    def install(self, bundle: Path) -> InstallResult:
        self.installed.append(bundle.stat().st_size)
        if self.refuse:
            return InstallResult(False, self.refuse)
        return InstallResult(True, "Installing done.")


@dataclass
class SimulatedKiosk:
    """Our agent in a thread; its "reboot" boots the stand-in into the installed slot, on
    trial until `mark_good` (by itself after the next cycle unless `auto_mark_good` is off:
    the image's mark-good unit, a minute after the kiosk's READY)."""

    device: str
    rauc: FakeRauc
    agent: UpdateAgent | None = None
    boots: int = 1
    marked: bool = True  # the mark-good unit's marker of this boot
    auto_mark_good: bool = True
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    errors: list[str] = field(default_factory=list)

    def boot_id(self) -> str:
        return f"boot-{self.boots}"

    def reboot(self) -> None:
        assert self.agent is not None
        pending = self.agent.records.load()
        assert pending is not None, "rebooted with nothing installed"
        self.rauc.versions[pending.to_slot] = pending.version
        self.rauc.booted = pending.to_slot
        self.rauc.good.discard(pending.to_slot)
        self.marked = False
        self.boots += 1

    def mark_good(self) -> None:
        self.rauc.good.add(self.rauc.booted)
        self.marked = True

    def run_in_background(self) -> SimulatedKiosk:
        assert self.agent is not None
        agent = self.agent

        def loop() -> None:
            while not self.stop.is_set():
                try:
                    wait = agent.cycle()
                except Exception as exc:
                    self.errors.append(repr(exc))
                    wait = 1.0
                if self.auto_mark_good and not self.marked:
                    self.mark_good()
                self.stop.wait(min(max(wait, 0.2), 2.0))

        self.thread = threading.Thread(target=loop, name=self.device, daemon=True)
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(30)


def simulated_kiosk(
    running: RunningFleet, device: str, feed: str, workdir: Path, *, version: str = "0.1.0"
) -> SimulatedKiosk:
    """A kiosk enrolled in `feed`, its agent on a RAUC stand-in, always idle."""
    token = f"token-{device}"
    running.admin.enroll(device, token, feed)
    kiosk = SimulatedKiosk(device, FakeRauc())
    workdir.mkdir(parents=True, exist_ok=True)
    kiosk.agent = UpdateAgent(
        DdiClient(running.url, device, token),
        kiosk.rauc,
        _AlwaysIdle(),
        Machine(
            boot_id=kiosk.boot_id,
            reboot=kiosk.reboot,
            trial_failure=lambda slot: [],
            marked_good=lambda: kiosk.marked,
        ),
        state_dir=workdir / "updates",
        status_file=workdir / "update-status.json",
        fallback_version=version,
    )
    return kiosk


class _AlwaysIdle:
    def why_not(self) -> str | None:
        return None
