"""The whole kiosk on real pieces: pcscd + vpcd (slot 0), MariaDB, the NHSO sandbox over
HTTP and the loopback ESC/POS printer, driven through the controller as the touch
screen would drive it (no Kivy: the screens have their own offscreen tests)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from common.config import Settings, load_settings
from kiosk import flow as f
from kiosk.app import build_controller
from kiosk.controller import Controller
from kiosk.testing import patient_touches, synthetic_cid
from kiosk.wiring import Runtime, demo_profile_path, start_runtime, vpcd_reader_name
from tests.conftest import vpcd_slot_lock

ROOT = Path(__file__).resolve().parents[2]
MOBILE = "0812345678"
GENERAL = "PG0060001"
STOPPED = f.END_STEPS | f.WAITING_STEPS


def run_headless_demo(
    tmp_path: Path, out: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`kiosk demo --headless` as its own process, on private data, secrets and Kivy home;
    `env` adds to (or overrides) that environment."""
    full = {
        **os.environ,
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_LOGGING__JOURNAL": "off",
        "KIOSK_SECRETS_FILE": str(tmp_path / "none.toml"),
        "KIVY_HOME": str(tmp_path / "kivy"),
        "SDL_VIDEODRIVER": "offscreen",
        **env,
    }
    full.pop("KIVY_NO_CONSOLELOG", None)
    return subprocess.run(
        # A relative --out, from the repository: a subprocess elsewhere would measure
        # coverage without the project's settings and spoil the run's combined data.
        [sys.executable, "-m", "kiosk", "demo", "--headless", "--out", os.path.relpath(out, ROOT)],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.fixture
def vpcd_slot(vpcd_ports: list[int]) -> Iterator[int]:
    """vpcd slot 0, ours for the test (other runs on this machine take turns)."""
    from hardware.card.pcsc import wait_for_card

    port = vpcd_ports[0]
    with vpcd_slot_lock(port, "vpcd slot 0"):
        if not wait_for_card(vpcd_reader_name(port), present=False, timeout_s=5):
            pytest.fail("vpcd slot 0 holds a card before the test")
        yield port


def card_profile(tmp_path: Path, serial: int | None, cid: str | None = None) -> Path:
    """The demo card, or the same card with another (synthetic, valid) citizen ID."""
    data = json.loads(demo_profile_path().read_text(encoding="utf-8"))
    data["photo"] = str(demo_profile_path().with_name(data["photo"]))
    if serial is not None:
        data["cid"] = synthetic_cid(serial)
    if cid is not None:
        data["cid"] = cid
    path = tmp_path / f"card-{serial}-{cid}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def e2e_settings(tmp_path: Path, db_url: str, profile: Path) -> Settings:
    return load_settings(
        None,
        {
            "data_dir": str(tmp_path / "data"),
            "secrets_file": str(tmp_path / "no-secrets.toml"),
            "database.url": db_url,
            "card.simulate": True,
            "card.simulator_profile": str(profile),
            "card.settle_s": 0.1,
            "nhso.mode": "sandbox",
            "nhso.timeout_s": 3.0,
            "printer.simulate": True,
            "printer.uri": "preview",
        },
    )


@dataclass
class Kiosk:
    """A running kiosk and the hands of a patient in front of it."""

    runtime: Runtime
    controller: Controller
    settings: Settings
    taps: int = 0  # touches on the screen since the last card in: what the patient did

    @property
    def state(self) -> f.FlowState:
        return self.controller.state

    def wait(self, predicate: Callable[[f.FlowState], bool], timeout: float = 20) -> f.FlowState:
        return self.controller.wait_for(predicate, timeout)

    def insert(self) -> f.FlowState:
        """Insert the card; returns the first state that waits for a touch, or the end."""
        before = self.state.seq
        card = self.runtime.virtual_card
        assert card is not None
        self.taps = 0
        card.insert()
        return self.wait(lambda s: s.seq > before and s.step in STOPPED)

    def touch(self, event: f.Event) -> f.FlowState:
        before = self.state.seq
        self.taps += 1
        self.controller.post(event)
        return self.wait(lambda s: s.seq > before and s.step in STOPPED)

    def checkin(self, claim_type: str = GENERAL, mobile: str = MOBILE) -> f.FlowState:
        """Card in, then the touches a patient makes (claim type, mobile: each keypad key
        counts) until the check-in ends, card still in; `taps` says how many."""
        state = self.insert()
        for _ in range(30):  # a patient gives up long before
            if state.step in f.END_STEPS:
                return state
            for touch in patient_touches(state, claim_type, mobile):
                state = self.touch(touch)
        raise AssertionError(f"no end after 30 touches: {state.step}")

    def remove(self) -> f.FlowState:
        card = self.runtime.virtual_card
        assert card is not None
        card.remove()
        return self.wait(lambda s: s.step == f.Step.IDLE and not s.card_present)


@pytest.fixture
def start_kiosk(tmp_path: Path, vpcd_slot: int) -> Iterator[Callable[..., Kiosk]]:
    started: list[Kiosk] = []

    def _start(
        db_url: str, *, serial: int | None = None, cid: str | None = None, **changes: Any
    ) -> Kiosk:
        settings = e2e_settings(tmp_path, db_url, card_profile(tmp_path, serial, cid))
        runtime = start_runtime(settings, vpcd_port=vpcd_slot)
        controller = build_controller(settings, runtime.services)
        kiosk = Kiosk(runtime, controller, settings)
        started.append(kiosk)
        controller.start()
        return kiosk

    yield _start
    for kiosk in started:
        kiosk.controller.stop()
        kiosk.runtime.close()


class TcpProxy:
    """A TCP relay in front of MariaDB that a test can cut (database down) and restore."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.up = True
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and break the open ones, as a dead server would."""
        self.up = False
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self._listener.close()
