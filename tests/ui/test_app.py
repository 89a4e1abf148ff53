"""`kiosk run` as systemd runs it: readiness, watchdog pings, graceful SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.ui.conftest import last_json_line, offscreen_env, run_offscreen

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
KIOSK = ROOT / ".venv" / "bin" / "kiosk"


def test_ready_watchdog_and_graceful_stop(tmp_path: Path) -> None:
    sock_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(sock_path))
        server.settimeout(60)
        env = {
            **offscreen_env(tmp_path / "kivy"),
            "KIOSK_DATA_DIR": str(tmp_path / "data"),
            "KIOSK_SECRETS_FILE": str(tmp_path / "no-secrets.toml"),
            "KIOSK_KIOSK__WIDTH": "800",
            "KIOSK_KIOSK__HEIGHT": "480",
            "NOTIFY_SOCKET": str(sock_path),
            "WATCHDOG_USEC": "1000000",
        }
        env.pop("WATCHDOG_PID", None)
        proc = subprocess.Popen(
            [str(KIOSK), "run", "--fakes"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            messages: list[str] = []
            deadline = time.monotonic() + 60
            while "WATCHDOG=1" not in messages and time.monotonic() < deadline:
                messages.append(server.recv(100).decode())
            assert messages[0] == "READY=1"
            assert "WATCHDOG=1" in messages
            health = json.loads((tmp_path / "data" / "kiosk-health.json").read_text())
            assert health["state"] == "idle"
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
            server.settimeout(5)
            while "STOPPING=1" not in messages:
                messages.append(server.recv(100).decode())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, err[-2000:]
    health = json.loads((tmp_path / "data" / "kiosk-health.json").read_text())
    assert health["state"] == "stopped"


def test_the_app_renders_the_controller_and_keys_move_the_card(tmp_path: Path) -> None:
    driver = Path(__file__).with_name("app_driver.py")
    seen = last_json_line(run_offscreen([str(driver), str(tmp_path / "d")], tmp_path / "kivy"))
    assert "error" not in seen, seen
    # The patient's words for the service (the clinic's list), not NHSO's.
    assert seen["mobile_screen"] == [
        "เบอร์นี้ใช่ของท่านไหม",
        "08x-xxx-5678",
        "บริการ: ตรวจรักษาทั่วไป",
    ]
    assert seen["final"] == "idle" and seen["printed"] == ["1"]
    assert seen["health_state"] == "stopped" and seen["health_checkins"] == 1
