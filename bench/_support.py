"""What the benchmarks share: where the test services are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mariadb_admin_url() -> str | None:
    """The private MariaDB of `scripts/services.sh start`, if it is running."""
    env = ROOT / "var" / "test" / "services.env"
    if not env.exists():
        return None
    for line in env.read_text().splitlines():
        if line.startswith("TEST_MARIADB_URL="):
            return line.split("=", 1)[1].strip()
    return None
