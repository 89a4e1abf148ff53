"""The demo's queue call refuses a clinic's database: it calls a patient and adds a
screen, so it runs only on the embedded demo database (review 21 #19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_calling_demo_refuses_a_configured_database(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(
        json.dumps({"visit": {"visitno": 1}, "database_row": {"visitdate": "2026-01-15"}}),
        encoding="utf-8",
    )
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'data_dir = "{tmp_path}"\n[database]\nurl = "mysql+pymysql://u:p@127.0.0.1:1/jhcis"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "KIOSK_CONFIG": str(config)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "calling_demo.py"), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "runs only on the embedded demo database" in done.stderr
    assert not (tmp_path / "calling").exists()  # nothing called, nothing written
