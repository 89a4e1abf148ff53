"""One kiosk's update agent: poll, download, install with RAUC, reboot when idle, report.

The outcome is reported only when it is known for sure:

* success once the new slot runs and is marked good (``jhcis-kiosk-mark-good.service``
  confirms it a minute after the kiosk reported READY);
* failure once a later boot runs the old slot again: the bootloader skipped the
  unconfirmed new slot (the kiosk crash-looped, the watchdog or a power cut hit during
  the trial); the reason is what systemd said about the kiosk in that trial boot;
* refused when RAUC will not install the bundle (signature, compatible), with RAUC's words.

The record of the update in flight is on the data partition (``record.py``), so the
reboot in between loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from integrations.hawkbit_ddi import (
    Artifact,
    DdiHashMismatch,
    Deployment,
    Execution,
    Finished,
    Poll,
)
from kiosk.updates.rauc import InstallResult, RaucStatus
from kiosk.updates.record import PendingUpdate, RecordStore
from kiosk.updates.status import write_outcome, write_running

log = logging.getLogger(__name__)

BUNDLE_NAME = "update.raucb"
CONFIRM_CHECK_S = 15.0  # while the new slot waits for mark-good
IDLE_CHECK_S = 15.0  # while an installed update waits for a quiet moment
AFTER_REBOOT_S = 300.0  # systemctl reboot returned: the system is going down


class DdiPort(Protocol):
    def poll(self) -> Poll: ...
    def send_attributes(self, attributes: dict[str, str], url: str | None = None) -> None: ...
    def deployment(self, url: str) -> Deployment: ...
    def download(
        self,
        artifact: Artifact,
        destination: Path,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Path: ...
    def feedback(
        self,
        action_id: str,
        execution: Execution,
        finished: Finished = Finished.NONE,
        details: Sequence[str] = (),
        progress: tuple[int, int] | None = None,
    ) -> None: ...


class RaucPort(Protocol):
    def status(self) -> RaucStatus: ...
    def install(self, bundle: Path) -> InstallResult: ...


class IdlePort(Protocol):
    def why_not(self) -> str | None: ...


@dataclass
class Machine:
    """What the agent needs of the machine besides RAUC (replaced in tests)."""

    boot_id: Callable[[], str]
    reboot: Callable[[], None]
    trial_failure: Callable[[str], list[str]]  # slot -> systemd's words about the kiosk


class UpdateAgent:
    def __init__(
        self,
        ddi: DdiPort,
        rauc: RaucPort,
        idle: IdlePort,
        machine: Machine,
        *,
        state_dir: Path,
        status_file: Path,
        fallback_version: str,
        extra_attributes: dict[str, str] | None = None,
    ) -> None:
        self.ddi = ddi
        self.rauc = rauc
        self.idle = idle
        self.machine = machine
        self.records = RecordStore(state_dir)
        self.download_dir = state_dir
        self.status_file = status_file
        self.fallback_version = fallback_version
        self.extra_attributes = extra_attributes or {}
        self._attributes_sent = False

    # --- one step; the service loops over it ---------------------------------------------
    def cycle(self) -> float:
        """Do what is due now; return how long to wait before the next cycle (seconds)."""
        status = self.rauc.status()
        running = self.running_version(status)
        if not self._attributes_sent:
            write_running(self.status_file, running, status.booted or None)
        pending = self.records.load()
        if pending is not None:
            wait = self._settle(pending, status, running)
            if wait is not None:
                return wait
        poll = self.ddi.poll()
        if poll.config_data_url or not self._attributes_sent:
            self.ddi.send_attributes(self.attributes(status, running), poll.config_data_url)
            self._attributes_sent = True
        if poll.deployment_url:
            self._deploy(self.ddi.deployment(poll.deployment_url), status, running)
            return 0.0 if self.records.load() is not None else poll.sleep_s
        return poll.sleep_s

    def running_version(self, status: RaucStatus) -> str:
        slot = status.booted_slot
        if slot is not None and slot.bundle_version:
            return slot.bundle_version
        return self.fallback_version  # the slot as flashed: the image's own version

    def attributes(self, status: RaucStatus, running: str) -> dict[str, str]:
        return {
            "sw_version": running,
            # gooseBit matches a bundle's `compatible` to the device's hw_boardname.
            "hw_boardname": status.compatible,
            "hw_revision": "default",
            "slot": status.booted,
            **self.extra_attributes,
        }

    # --- an update in flight -----------------------------------------------------------
    def _settle(self, pending: PendingUpdate, status: RaucStatus, running: str) -> float | None:
        """Report the outcome of the pending update if known; a wait, or None to go on polling."""
        if status.booted == pending.to_slot:
            slot = status.booted_slot
            if slot is None or slot.boot_status != "good":
                log.info("slot %s runs %s on trial; waiting for mark-good", status.booted, running)
                return CONFIRM_CHECK_S
            details = [f"{pending.version} runs from slot {status.booted}, marked good"]
            self.ddi.feedback(pending.action_id, Execution.CLOSED, Finished.SUCCESS, details)
            write_outcome(self.status_file, "success", pending.version, details[0])
            self.records.clear()
            log.info("update %s succeeded (slot %s)", pending.version, status.booted)
            return None
        if self.machine.boot_id() != pending.install_boot_id:
            reason = [
                f"rolled back: slot {pending.to_slot} ({pending.version}) was tried and never "
                f"marked good; the kiosk runs slot {status.booted} ({running}) again",
                *self.machine.trial_failure(pending.to_slot),
            ]
            self.ddi.feedback(pending.action_id, Execution.CLOSED, Finished.FAILURE, reason)
            write_outcome(self.status_file, "failure", pending.version, "\n".join(reason))
            self.records.clear()
            log.warning("update %s rolled back to slot %s", pending.version, status.booted)
            return None
        why = self.idle.why_not()
        if why is not None:
            log.info("update %s installed; reboot waits: %s", pending.version, why)
            return IDLE_CHECK_S
        self.ddi.feedback(
            pending.action_id,
            Execution.PROCEEDING,
            details=[f"kiosk idle: rebooting into slot {pending.to_slot}"],
        )
        log.info("rebooting into slot %s for update %s", pending.to_slot, pending.version)
        self.machine.reboot()
        return AFTER_REBOOT_S

    def _deploy(self, deployment: Deployment, status: RaucStatus, running: str) -> None:
        action = deployment.action_id
        version = deployment.version
        if version and version == running:
            # Already there (an action re-offered after a lost success report).
            details = [f"{version} already runs from slot {status.booted}"]
            self.ddi.feedback(action, Execution.CLOSED, Finished.SUCCESS, details)
            return
        to_slot = status.other()
        if to_slot is None:
            self._fail(action, version, "failure", ["no inactive slot to install into"])
            return
        artifact = deployment.single_artifact()
        self.ddi.feedback(
            action,
            Execution.PROCEEDING,
            details=[f"downloading {artifact.filename} ({artifact.size} bytes)"],
        )
        bundle = self.download_dir / BUNDLE_NAME
        try:
            self.ddi.download(artifact, bundle)
        except DdiHashMismatch as exc:
            self._fail(action, version, "failure", [exc.en, exc.detail])
            return
        self.ddi.feedback(
            action,
            Execution.PROCEEDING,
            details=[f"downloaded and checked; RAUC installs it into slot {to_slot}"],
        )
        try:
            result = self.rauc.install(bundle)
        finally:
            bundle.unlink(missing_ok=True)
        if not result.ok:
            self._fail(action, version, "refused", ["RAUC refused the bundle:", result.message])
            return
        self.records.save(
            PendingUpdate(
                action_id=action,
                version=version,
                from_slot=status.booted,
                to_slot=to_slot,
                install_boot_id=self.machine.boot_id(),
                installed_at=dt.datetime.now().isoformat(timespec="seconds"),
            )
        )
        self.ddi.feedback(
            action,
            Execution.PROCEEDING,
            details=[f"installed into slot {to_slot}; the kiosk reboots when it is idle"],
        )

    def _fail(self, action: str, version: str, result: str, details: list[str]) -> None:
        self.ddi.feedback(action, Execution.CLOSED, Finished.FAILURE, details)
        write_outcome(self.status_file, result, version, "\n".join(details))
        log.warning("update %s %s: %s", version, result, details[-1])
