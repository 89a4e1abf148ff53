"""The update in flight, kept on the data partition across the reboot into the new slot.

Written only once RAUC has installed the bundle: a power cut before that leaves no
record, the server still sees the action running and offers it again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from common.atomic_files import write_atomic

RECORD_FILE = "pending-update.json"


@dataclass(frozen=True)
class PendingUpdate:
    action_id: str
    version: str
    from_slot: str  # booted when the bundle was installed
    to_slot: str  # where RAUC installed it: the slot the next boot tries
    install_boot_id: str  # the boot that installed it (the rollback is a later boot on from_slot)
    installed_at: str


class RecordStore:
    def __init__(self, directory: Path) -> None:
        self.path = directory / RECORD_FILE

    def load(self) -> PendingUpdate | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return PendingUpdate(**data)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError):
            # A damaged record cannot say what was installed: drop it; the server
            # offers the action again if it is still open.
            self.path.unlink(missing_ok=True)
            return None

    def save(self, pending: PendingUpdate) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(asdict(pending)).encode("utf-8"), mode=0o600)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
