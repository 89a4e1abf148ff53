"""The update agent's status file, as the kiosk's staff menu reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.updates.status import UpdateFacts, update_facts, write_outcome, write_running


def test_running_then_outcome_then_running_again_keeps_the_last_outcome(tmp_path: Path) -> None:
    path = tmp_path / "update-status.json"
    assert update_facts(path) is None  # no agent: the staff menu shows no slot
    write_running(path, "0.1.0", "A")
    assert update_facts(path) == UpdateFacts("A", "", "")
    write_outcome(path, "refused", "0.1.9", "RAUC refused the bundle: signature")
    write_running(path, "0.1.0", "A")  # the next boot
    assert update_facts(path) == UpdateFacts("A", "refused", "0.1.9")
    assert path.stat().st_mode & 0o777 == 0o644  # the kiosk and backoffice users read it


def test_unknown_results_are_refused_and_damaged_files_read_as_none(tmp_path: Path) -> None:
    path = tmp_path / "update-status.json"
    with pytest.raises(ValueError):
        write_outcome(path, "maybe", "1", "")
    path.write_text("{not json")
    assert update_facts(path) is None
