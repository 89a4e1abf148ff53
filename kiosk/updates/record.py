"""The update in flight, kept on the data partition across the reboot into the new slot.

Written before RAUC installs the bundle (``stage`` "installing") and again once it has
("installed"): a power cut in between still finds the record, so a new slot booted on
trial after it is confirmed (or its rollback reported) like any other.

``attempts.json`` counts the failed tries of one action (download, deployment, RAUC
errors), so that the agent backs off and finally reports the failure instead of
retrying for ever.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from common.atomic_files import write_atomic

RECORD_FILE = "pending-update.json"
ATTEMPTS_FILE = "attempts.json"


@dataclass(frozen=True)
class PendingUpdate:
    action_id: str
    version: str
    from_slot: str  # booted when the bundle was installed
    to_slot: str  # where RAUC installed it: the slot the next boot tries
    install_boot_id: str  # the boot that installed it (the rollback is a later boot on from_slot)
    installed_at: str
    stage: str = "installed"  # "installing" while RAUC writes the slot


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


class AttemptStore:
    """Failed tries of one action, kept across restarts of the agent and reboots."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / ATTEMPTS_FILE

    def count(self, action_id: str) -> int:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        if not isinstance(data, dict) or data.get("action_id") != action_id:
            return 0
        count = data.get("count")
        return count if isinstance(count, int) else 0

    def failed(self, action_id: str) -> int:
        """One more failed try of `action_id`; the count so far."""
        count = self.count(action_id) + 1
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"action_id": action_id, "count": count}
        write_atomic(self.path, json.dumps(body).encode("utf-8"), mode=0o600)
        return count

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
