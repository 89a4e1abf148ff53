"""One kiosk's update agent: poll, download, install with RAUC, reboot when idle, report.

The outcome is reported only when it is known for sure:

* success once the new slot runs and is marked good: RAUC says "good" *and* the
  mark-good unit (``jhcis-kiosk-mark-good.service``, a minute after the kiosk reported
  READY) has left its marker for this boot. RAUC alone is not enough: with its U-Boot
  backend a slot still on trial counts as "good" while it has boot attempts left;
* failure once a later boot runs the old slot again: the bootloader skipped the
  unconfirmed new slot (the kiosk crash-looped, the watchdog or a power cut hit during
  the trial); the reason is what systemd said about the kiosk in that trial boot;
* refused when RAUC will not install the bundle (signature, compatible), with RAUC's words.

The record of the update in flight is on the data partition (``record.py``), written
before RAUC installs, so the reboot in between (or a power cut) loses nothing. Failed
tries of an action back off and are finally reported (``MAX_ATTEMPTS``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from common.errors import BilingualError, error_label
from integrations.hawkbit_ddi import (
    Artifact,
    DdiAuthError,
    DdiError,
    DdiHashMismatch,
    DdiNoSpace,
    Deployment,
    Execution,
    Finished,
    Poll,
)
from kiosk.updates.rauc import InstallResult, RaucStatus, Slot
from kiosk.updates.record import AttemptStore, PendingUpdate, RecordStore
from kiosk.updates.status import write_outcome, write_running

log = logging.getLogger(__name__)

BUNDLE_NAME = "update.raucb"
CONFIRM_CHECK_S = 15.0  # while the new slot waits for mark-good
IDLE_CHECK_S = 15.0  # while an installed update waits for a quiet moment
AFTER_REBOOT_S = 300.0  # systemctl reboot returned: the system is going down
# mark-good runs a minute after READY; a slot unconfirmed this long will not be.
MARK_GOOD_LIMIT_S = 1800.0
MAX_ATTEMPTS = 5  # failed tries of one action before its failure is reported
RETRY_BASE_S = 60.0  # the first retry; doubled each time up to RETRY_MAX_S
RETRY_MAX_S = 3600.0


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
    marked_good: Callable[[], bool]  # the mark-good unit confirmed the booted slot this boot


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
        allow_downgrade: bool = False,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ddi = ddi
        self.rauc = rauc
        self.idle = idle
        self.machine = machine
        self.records = RecordStore(state_dir)
        self.attempts = AttemptStore(state_dir)
        self.allow_downgrade = allow_downgrade
        self._clock = clock
        self._monotonic = monotonic
        self._trial_started: dict[str, float] = {}  # "boot action" -> first seen on trial
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
            wait = self._try_deploy(poll.deployment_url, status, running)
            if wait is not None:
                return wait
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
        same_boot = self.machine.boot_id() == pending.install_boot_id
        if pending.stage != "installed" and status.booted != pending.to_slot:
            installed = (status.slots.get(pending.to_slot) or _NO_SLOT).bundle_version
            if same_boot or installed != pending.version:
                # RAUC did not finish (an error this boot, or a power cut during the
                # install): nothing to report; the server offers the action again.
                self.records.clear()
                return None
            # Installed, then the power went before the record said so, and the new slot
            # was tried and left: a rollback like any other (below).
        if status.booted == pending.to_slot:
            return self._confirm(pending, status)
        if not same_boot:
            reason = [
                f"rolled back: slot {pending.to_slot} ({pending.version}) was tried and never "
                f"marked good; the kiosk runs slot {status.booted} ({running}) again",
                *self.machine.trial_failure(pending.to_slot),
            ]
            self._report(pending.action_id, "failure", pending.version, reason)
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
        # The feedback may have taken minutes: somebody may have started a check-in.
        why = self.idle.why_not()
        if why is not None:
            log.info("update %s: the kiosk got busy; reboot waits: %s", pending.version, why)
            return IDLE_CHECK_S
        log.info("rebooting into slot %s for update %s", pending.to_slot, pending.version)
        self.machine.reboot()
        return AFTER_REBOOT_S

    def _confirm(self, pending: PendingUpdate, status: RaucStatus) -> float | None:
        """The new slot runs: success once marked good; failure if it never is."""
        slot = status.booted_slot
        if slot is not None and slot.boot_status == "good" and self.machine.marked_good():
            details = [f"{pending.version} runs from slot {status.booted}, marked good"]
            self._report(pending.action_id, "success", pending.version, details)
            write_running(self.status_file, pending.version, status.booted)
            self.records.clear()
            log.info("update %s succeeded (slot %s)", pending.version, status.booted)
            return None
        # Counted on this boot's monotonic clock: the Pi has no RTC, and its wall clock
        # jumps when NTP sets it. The marker is this boot's too.
        key = f"{self.machine.boot_id()} {pending.action_id}"
        started = self._trial_started.setdefault(key, self._monotonic())
        if self._monotonic() - started < MARK_GOOD_LIMIT_S:
            log.info(
                "slot %s runs %s on trial; waiting for mark-good", status.booted, pending.version
            )
            return CONFIRM_CHECK_S
        reason = [
            f"slot {status.booted} ({pending.version}) ran {MARK_GOOD_LIMIT_S / 60:.0f} min "
            "without being marked good (the kiosk never stayed ready); the next restart "
            f"returns to slot {pending.from_slot}",
        ]
        self._report(pending.action_id, "failure", pending.version, reason)
        self.records.clear()
        log.warning("update %s not marked good in time", pending.version)
        return None

    # --- a new action ------------------------------------------------------------------
    def _try_deploy(self, url: str, status: RaucStatus, running: str) -> float | None:
        """Deploy the offered action; on an error, a back-off (None when nothing failed).

        After MAX_ATTEMPTS failed tries of one action its failure is reported with the
        last reason, so that a rollout stops instead of a kiosk retrying for ever.
        """
        action = _action_id(url)
        try:
            self._deploy(self.ddi.deployment(url), status, running)
        except DdiAuthError:
            raise  # enrolment, not this action: IT must act; safe_cycle logs it
        except (DdiError, OSError, ValueError, subprocess.SubprocessError) as exc:
            failures = self.attempts.failed(action)
            reason = _reason(exc)
            if failures >= MAX_ATTEMPTS:
                self.attempts.clear()
                details = [f"gave up after {failures} attempts", reason]
                self._report(action, "failure", "", details)
                return None
            wait = min(RETRY_BASE_S * float(2 ** (failures - 1)), RETRY_MAX_S)
            log.warning(
                "update action %s: try %d failed (%s); next in %.0f s",
                action,
                failures,
                reason,
                wait,
            )
            return wait
        self.attempts.clear()
        return None

    def _deploy(self, deployment: Deployment, status: RaucStatus, running: str) -> None:
        action = deployment.action_id
        version = deployment.version
        if version and version == running:
            # Already there: an action re-offered after a lost success report, or a power
            # cut before the record was written. Success only once the slot is confirmed.
            self.records.save(
                PendingUpdate(
                    action_id=action,
                    version=version,
                    from_slot=status.other() or "",
                    to_slot=status.booted,
                    install_boot_id=self.machine.boot_id(),
                    installed_at=self._clock().isoformat(timespec="seconds"),
                )
            )
            return
        if not self.allow_downgrade and _older(version, running):
            details = [
                f"{version} is older than the running {running}: refused "
                "([updates] allow_downgrade = true on the kiosk allows it)"
            ]
            self._fail(action, version, "refused", details)
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
        except (DdiHashMismatch, DdiNoSpace) as exc:
            self._fail(action, version, "failure", [exc.en, exc.detail])
            return
        self.ddi.feedback(
            action,
            Execution.PROCEEDING,
            details=[f"downloaded and checked; RAUC installs it into slot {to_slot}"],
        )
        pending = PendingUpdate(
            action_id=action,
            version=version,
            from_slot=status.booted,
            to_slot=to_slot,
            install_boot_id=self.machine.boot_id(),
            installed_at=self._clock().isoformat(timespec="seconds"),
            stage="installing",
        )
        self.records.save(pending)
        still_installing = False
        try:
            result = self.rauc.install(bundle)
        except subprocess.TimeoutExpired:
            # Only the client gave up: rauc.service may still be reading the bundle.
            still_installing = True
            raise
        finally:
            if not still_installing:
                bundle.unlink(missing_ok=True)
        if not result.ok:
            self.records.clear()
            self._fail(action, version, "refused", ["RAUC refused the bundle:", result.message])
            return
        self.records.save(dataclasses.replace(pending, stage="installed"))
        self.ddi.feedback(
            action,
            Execution.PROCEEDING,
            details=[f"installed into slot {to_slot}; the kiosk reboots when it is idle"],
        )

    def _fail(self, action: str, version: str, result: str, details: list[str]) -> None:
        self._report(action, result, version, details)
        log.warning("update %s %s: %s", version, result, details[-1])

    def _report(self, action: str, result: str, version: str, details: list[str]) -> None:
        """The final report: the action closed on the server, the outcome on the screens."""
        finished = Finished.SUCCESS if result == "success" else Finished.FAILURE
        self.ddi.feedback(action, Execution.CLOSED, finished, details)
        write_outcome(self.status_file, result, version, "\n".join(details))


_NO_SLOT = Slot("", "", None)


def _action_id(url: str) -> str:
    """hawkBit's deploymentBase link ends in the action's id (``.../deploymentBase/7?c=..``)."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _reason(exc: BaseException) -> str:
    """What the server may be told about a failed try (never personal: our own texts)."""
    if isinstance(exc, BilingualError):
        return f"{exc.en} ({exc.detail})" if exc.detail else exc.en
    if isinstance(exc, ValueError):
        return f"{error_label(exc)}: {exc}"
    return error_label(exc)


def _version_key(version: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        return None
    return tuple(int(part) for part in version.split("."))


def _older(version: str, running: str) -> bool:
    """True only when both are plain dotted numbers and `version` is the lower."""
    new, now = _version_key(version), _version_key(running)
    return new is not None and now is not None and new < now
