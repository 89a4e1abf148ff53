"""`backoffice serve` as a process: starts on a free port, makes its session key, serves."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_command(jhcis_sqlite_url: str, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\nsecrets_file = "{secrets}"\n')
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "backoffice.cli", "--config", str(config), "serve",
         "--host", "127.0.0.1", "--port", str(port), "--db", jhcis_sqlite_url],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        reply = None
        while time.monotonic() < deadline:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                time.sleep(0.2)
        assert reply is not None and reply.status_code == 200
        assert "ลงชื่อเข้าใช้" in reply.text
        assert "kb_login" in reply.headers["set-cookie"]
        queue = httpx.get(f"http://127.0.0.1:{port}/queue", timeout=5)
        assert queue.status_code == 303
        assert "session_key = " in secrets.read_text()
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    # Nothing personal or secret on the console.
    assert secrets.read_text().split('"')[1] not in output
