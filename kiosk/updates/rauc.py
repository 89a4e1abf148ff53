"""RAUC as the agent sees it: which slot is booted and confirmed, and installing a bundle."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INSTALL_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class Slot:
    bootname: str
    boot_status: str  # "good" once confirmed (mark-good), "bad" while on trial or unusable
    bundle_version: str | None  # of the bundle RAUC installed into it; None as flashed


@dataclass(frozen=True)
class RaucStatus:
    compatible: str
    booted: str  # the booted slot's bootname (A, B)
    slots: dict[str, Slot] = field(default_factory=dict)

    @property
    def booted_slot(self) -> Slot | None:
        return self.slots.get(self.booted)

    def other(self) -> str | None:
        """The slot an install writes to: the one not booted."""
        others = [name for name in self.slots if name != self.booted]
        return others[0] if len(others) == 1 else None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RaucStatus:
        slots: dict[str, Slot] = {}
        for entry in data.get("slots") or []:
            for slot in entry.values():
                bootname = slot.get("bootname")
                if not bootname:
                    continue
                bundle = (slot.get("slot_status") or {}).get("bundle") or {}
                slots[str(bootname)] = Slot(
                    bootname=str(bootname),
                    boot_status=str(slot.get("boot_status") or ""),
                    bundle_version=str(bundle["version"]) if bundle.get("version") else None,
                )
        return cls(
            compatible=str(data.get("compatible") or ""),
            booted=str(data.get("booted") or ""),
            slots=slots,
        )


@dataclass(frozen=True)
class InstallResult:
    ok: bool
    message: str  # RAUC's own last lines: why it refused (signature, compatible, space)


class Rauc:
    """The ``rauc`` command line (the agent runs as root; RAUC's D-Bus service does the work)."""

    def __init__(self, binary: str = "rauc") -> None:
        self.binary = binary

    def status(self) -> RaucStatus:
        done = subprocess.run(  # noqa: S603 - argument list, no shell
            [self.binary, "status", "--detailed", "--output-format=json"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return RaucStatus.from_json(json.loads(done.stdout))

    def install(self, bundle: Path) -> InstallResult:
        done = subprocess.run(  # noqa: S603 - argument list, no shell
            [self.binary, "install", str(bundle)],
            capture_output=True,
            text=True,
            check=False,
            timeout=INSTALL_TIMEOUT_S,
        )
        lines = [line for line in (done.stdout + "\n" + done.stderr).splitlines() if line.strip()]
        return InstallResult(done.returncode == 0, "\n".join(lines[-6:]))
