"""The loopback printer as a process: `simulate`, then `test-ticket` and `status` against it."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest
import zxingcpp
from PIL import Image

from hardware.printer.__main__ import main

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hardware.printer", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class Lines:
    """The simulator's stdout, line by line, never waiting forever."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)

    def next(self, timeout: float = 20.0) -> str:
        return self._queue.get(timeout=timeout)


def test_simulate_records_a_test_ticket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    out = tmp_path / "jobs"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardware.printer",
            "simulate",
            "--port",
            str(port),
            "--out",
            str(out),
            "--state",
            "near_end",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "simulate.err").open("w"),
        text=True,
    )
    try:
        assert sim.stdout is not None and sim.stdin is not None
        lines = Lines(sim.stdout)
        assert "loopback printer on" in lines.next()
        lines.next()
        uri = f"tcp://127.0.0.1:{port}"
        # The simulator and one client run as processes; the rest in this process.
        assert main(["status", "--printer", uri]) == 0
        assert json.loads(capsys.readouterr().out)["paper"] == "near_end"
        printed = run("test-ticket", "--printer", uri, env=env)
        assert printed.returncode == 0, printed.stderr
        assert json.loads(printed.stdout)["paper_near_end"] is True
        assert "job 1:" in lines.next()
        sim.stdin.write("cover_open\n")
        sim.stdin.flush()
        assert "state: cover_open" in lines.next()
        assert main(["test-ticket", "--printer", uri]) == 1
        assert "cover" in capsys.readouterr().err
        decoded = tmp_path / "decoded.png"
        assert main(["decode", str(out / "job-0001.bin"), "--png", str(decoded)]) == 0
        texts = [r.text for r in zxingcpp.read_barcodes(Image.open(decoded).convert("L"))]
        assert texts == ["PP1234567890"]
        assert (out / "job-0001.png").exists() and not (out / "job-0002.bin").exists()
    finally:
        sim.send_signal(signal.SIGTERM)
        try:
            assert sim.wait(timeout=10) == 0
        finally:
            sim.kill()
