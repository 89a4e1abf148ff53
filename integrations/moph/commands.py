"""``backoffice moph sandbox``: every MOPH endpoint on one loopback URL, for demos.

Serves the token, MOPH Claim, FDH, MOPH IC (ImmunizationTarget, UpdateImmunization,
SendMessageTarget) and MOPH-PHR (UpdatePHRv1, OrganizationSummary) routes of
:mod:`integrations.moph.sandbox` until Ctrl-C, and prints the settings that point the
backoffice at it. ``--ic-history FILE`` preloads doses MOPH IC "already holds" (JSON
``{"<cid>": [{"vaccine_code", "vaccine_name", "immunization_datetime",
"hospital_code", "hospital_name"}, ...]}``), for the vaccine-history demo.
``backoffice reminders sandbox`` serves the same with an SMS gateway added.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from common.config import Settings
from integrations.moph.sandbox import MophSandboxServer, MophSandboxState


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("moph", help="MOPH services (sandbox for demos)")
    sub = group.add_subparsers(dest="moph_command", required=True)
    box = sub.add_parser("sandbox", help="serve every MOPH endpoint on one local URL")
    add_sandbox_arguments(box)
    box.set_defaults(handler=sandbox_command)


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--moph-user", default="demo")
    parser.add_argument("--moph-password", default="demo")
    parser.add_argument("--hcode", default="99901")
    parser.add_argument("--phr-token", default="", help="a fixed HCODE:TOKEN UpdatePHRv1 accepts")
    parser.add_argument("--ic-history", type=Path, help="JSON file of doses MOPH IC holds")


def sandbox_state(args: argparse.Namespace) -> MophSandboxState:
    state = MophSandboxState(args.moph_user, args.moph_password, args.hcode)
    if args.phr_token:
        state.phr_state.fixed_tokens.add(args.phr_token)
    if args.ic_history:
        for cid, doses in json.loads(args.ic_history.read_text(encoding="utf-8")).items():
            state.ic_state.add_doses(str(cid), list(doses))
    return state


def print_settings(url: str) -> None:
    print(
        f"MOPH sandbox: {url}\n"
        f"  KIOSK_MOPH__BASE_URL={url}      (MOPH Claim, FDH)\n"
        f"  KIOSK_MOPH__IC_BASE_URL={url}   (token, MOPH IC, หมอพร้อม)\n"
        f"  KIOSK_MOPH__PHR_BASE_URL={url}  (MOPH-PHR)\n"
        "  secrets: moph_username / moph_password as given (--moph-user, --moph-password)",
        flush=True,
    )


def sandbox_command(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until interrupted."""
    box = MophSandboxServer(sandbox_state(args), port=args.port)
    print_settings(box.url)
    box.serve_until_interrupted()
    return 0
