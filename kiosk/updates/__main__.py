"""``python -m kiosk.updates [--config PATH] run|once``: the update agent's service.

``run`` loops forever (``jhcis-kiosk-updates.service``); ``once`` does one cycle and
prints how long it would wait (for IT at the console). Without ``[updates] server_url``
the agent has nothing to do and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from common.config import ConfigError, Settings, load_settings
from common.errors import BilingualError, error_label
from common.secrets import load_secrets
from common.update_status import STATUS_FILE
from integrations.hawkbit_ddi import DdiClient
from kiosk.about import software_version
from kiosk.health import health_path
from kiosk.updates.agent import Machine, UpdateAgent
from kiosk.updates.idle import IdleWindow
from kiosk.updates.rauc import Rauc
from kiosk.updates.trial import failure_lines

log = logging.getLogger("jhcis-kiosk-updates")
RETRY_S = 60.0
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
# A directory made by jhcis-kiosk-mark-good.service (ExecStartPost) once `rauc status mark-good`
# succeeded in this boot: /run is empty again at the next boot.
MARKED_GOOD = Path("/run/jhcis-kiosk-marked-good")


def boot_id() -> str:
    return BOOT_ID.read_text(encoding="utf-8").strip()


def reboot() -> None:
    subprocess.run(["/usr/bin/systemctl", "reboot"], check=False, timeout=60)


def build_agent(settings: Settings) -> UpdateAgent | None:
    updates = settings.updates
    if not updates.server_url:
        return None
    token = load_secrets(settings.secrets_file).update_token
    if token is None:
        raise ConfigError("[updates] server_url is set but the secret update_token is not")
    if updates.server_url.startswith("http://") and not updates.allow_http:
        raise ConfigError(
            "[updates] server_url ต้องขึ้นต้นด้วย https:// / must start with https:// "
            "(plain http only with allow_http = true, for a test server on this machine)"
        )
    if updates.ca_bundle and not Path(updates.ca_bundle).is_file():
        raise ConfigError(
            f"[updates] ca_bundle: ไม่พบไฟล์ใบรับรอง {updates.ca_bundle} / "
            f"the CA file {updates.ca_bundle} does not exist"
        )
    controller = updates.controller_id or f"{settings.clinic.hcode}-kiosk"
    client = DdiClient(
        updates.server_url,
        controller,
        token.get_secret_value(),
        tenant=updates.tenant,
        verify=updates.ca_bundle or True,
    )
    state_dir = Path(updates.state_dir) if updates.state_dir else settings.data_dir / "updates"
    return UpdateAgent(
        client,
        Rauc(),
        IdleWindow(health_path(settings), updates.idle_before_reboot_s),
        Machine(
            boot_id=boot_id,
            reboot=reboot,
            trial_failure=failure_lines,
            marked_good=MARKED_GOOD.exists,
        ),
        state_dir=state_dir,
        status_file=settings.data_dir / STATUS_FILE,
        fallback_version=software_version(),
        extra_attributes={"hcode": settings.clinic.hcode},
        allow_downgrade=updates.allow_downgrade,
    )


def safe_cycle(agent: UpdateAgent) -> float:
    """One cycle; an external failure is logged (code, never text) and retried later."""
    try:
        return agent.cycle()
    except BilingualError as exc:
        log.warning("update server: %s (%s)", exc.code, exc.detail)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.warning("update agent: %s", error_label(exc))
    return RETRY_S


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.updates")
    parser.add_argument("--config", default=None)
    parser.add_argument("command", choices=("run", "once"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs every request's URL at INFO: a download link may carry a signature.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        agent = build_agent(load_settings(args.config))
    except ConfigError as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    if agent is None:
        log.info("no [updates] server_url: nothing to do")
        return 0
    if args.command == "once":
        print(f"next cycle in {safe_cycle(agent):.0f} s")
        return 0
    while True:
        time.sleep(max(safe_cycle(agent), 1.0))


if __name__ == "__main__":
    sys.exit(main())
