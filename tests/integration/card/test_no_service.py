"""pcscd unreachable: libpcsclite is pointed at a socket that does not exist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def _without_pcscd(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm"),
    }
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_read_without_pcscd_is_exit_3_service_down(tmp_path: Path) -> None:
    result = _without_pcscd(tmp_path, "-m", "hardware.card", "read", "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["error_code"] == "card_service_down"


def test_monitor_survives_a_missing_pcscd(tmp_path: Path) -> None:
    """The monitor keeps retrying (and can be stopped) while pcscd is away."""
    code = (
        "import time\n"
        "from hardware.card.monitor import CardMonitor\n"
        "m = CardMonitor(None, retry_s=0.1).start()\n"
        "print(m.wait_event(1.0)); time.sleep(0.3)\n"
        "alive = m.running\n"
        "m.stop(); print('alive' if alive else 'dead', m.running)\n"
    )
    result = _without_pcscd(tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "alive", "False"]
