"""Kivy runs in a child process per test module: offscreen, its own KIVY_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Offscreen = Callable[..., subprocess.CompletedProcess[str]]


def offscreen_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_HOME": str(home),
    }


def run_offscreen(
    args: list[str], home: Path, *, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run `python *args` offscreen; fail the test with its stderr if it fails."""
    done = subprocess.run(
        [sys.executable, *args],
        env=offscreen_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def last_json_line(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def offscreen() -> Offscreen:
    return run_offscreen
