"""Why a trial boot failed, from the persistent journal (``/var/log/journal`` on /data).

Only systemd's own messages about the kiosk unit are taken (``UNIT=`` is set by PID 1:
"Main process exited, status=3", "Start request repeated too quickly"): never the
kiosk's output, which is not written for the update server's eyes.
"""

from __future__ import annotations

import subprocess

KIOSK_UNIT = "jhcis-kiosk.service"
LOOK_BACK_BOOTS = 3
MAX_LINES = 12


def _journal(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - argument list, no shell
        ["/usr/bin/journalctl", "--no-pager", "-o", "cat", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return done.stdout if done.returncode == 0 else ""


def trial_boot_offset(slot: str) -> int | None:
    """The most recent earlier boot (-1, -2, ...) whose kernel ran from `slot`."""
    for offset in range(1, LOOK_BACK_BOOTS + 1):
        kernel = _journal("-b", f"-{offset}", "-k")
        for line in kernel.splitlines():
            if "Command line:" in line:
                if f"rauc.slot={slot}" in line.split():
                    return -offset
                break
    return None


def failure_lines(slot: str) -> list[str]:
    """What systemd said about the kiosk during the last boot of `slot` (may be empty)."""
    offset = trial_boot_offset(slot)
    if offset is None:
        return [f"no journal of a boot from slot {slot} was found"]
    said = _journal("-b", str(offset), f"UNIT={KIOSK_UNIT}").splitlines()
    failures = [line for line in said if "exited" in line or "Failed" in line or "repeated" in line]
    return (failures or said)[-MAX_LINES:]
