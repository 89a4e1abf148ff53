"""`kiosk run` as systemd runs it: the real adapters on the simulators, Type=notify
readiness, watchdog pings from the UI loop, a graceful stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_kiosk_run_notifies_pings_and_stops(tmp_path: Path, vpcd_slot: int) -> None:
    assert vpcd_slot == 35963  # the embedded defaults put the virtual card in slot 0
    notify_path = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify_path))
    listener.settimeout(1.0)
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(notify_path),
        "WATCHDOG_USEC": "2000000",  # pings expected every second
        "KIOSK_DATA_DIR": str(data_dir),
        "KIOSK_SECRETS_FILE": str(tmp_path / "none.toml"),
        "KIVY_HOME": str(tmp_path / "kivy"),
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_CONSOLELOG": "1",
    }
    env.pop("WATCHDOG_PID", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    messages: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while messages.count("WATCHDOG=1") < 2 and time.monotonic() < deadline:
            try:
                messages.append(listener.recv(256).decode())
            except TimeoutError:
                assert process.poll() is None, "kiosk run exited early"
        # STATUS= (the device watcher's "reader ok, database ok") may come at any time,
        # before READY=1 too; of the lifecycle messages READY=1 must be first.
        lifecycle = [m for m in messages if not m.startswith("STATUS=")]
        assert lifecycle[:1] == ["READY=1"], messages
        assert messages.count("WATCHDOG=1") >= 2, messages
        health = json.loads((data_dir / "kiosk-health.json").read_text(encoding="utf-8"))
        assert health["state"] == "idle"

        process.send_signal(signal.SIGTERM)
        stop_deadline = time.monotonic() + 60
        while "STOPPING=1" not in messages and time.monotonic() < stop_deadline:
            try:
                messages.append(listener.recv(256).decode())
            except TimeoutError:
                if process.poll() is not None:
                    break
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        listener.close()
    assert process.returncode == 0, output[-3000:]
    assert "STOPPING=1" in messages, messages
    health = json.loads((data_dir / "kiosk-health.json").read_text(encoding="utf-8"))
    assert health["state"] == "stopped"
