"""Where the update agent tells what it did: one file name for its writer (the kiosk's
update agent, ``kiosk/updates/status.py``, which holds the format) and its readers (the
kiosk's staff menu and the backoffice's device page), so the two cannot drift apart."""

from __future__ import annotations

#: In the data directory (``Settings.data_dir``), beside the kiosk's health file.
STATUS_FILE = "update-status.json"
