"""`backoffice nhso read|authen|status|sandbox` (issue 5's command-line contract).

Citizen IDs and mobile numbers never come from argv (see :mod:`.person_input`).

With --json the answer is JSON on stdout; a failure exits non-zero and prints
{error_code, message_th, message_en} (JSON with --json, two lines on stderr without).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from common.cli import add_json_argument, fail, print_json
from common.config import ConfigError, Settings
from common.secrets import Secrets, load_secrets
from integrations.nhso.agent import AgentClient
from integrations.nhso.errors import InvalidRequest, NhsoError
from integrations.nhso.person_input import add_person_arguments, read_person
from integrations.nhso.providers import (
    AgentAuthenProvider,
    AuthenProvider,
    authen_provider_from_settings,
    check_cid,
    web_client_from_settings,
)
from integrations.nhso.ratelimit import shared_limiter
from integrations.nhso.sandbox import DEFAULT_CARD_CID, DEFAULT_TOKEN, Faults, SandboxServer
from integrations.nhso.sandbox.cards import CardSource, FixedCard, PcscCard


def register(subparsers: Any) -> None:
    nhso = subparsers.add_parser("nhso", help="NHSO rights, authen, claim-code status, sandbox")
    sub = nhso.add_subparsers(dest="nhso_command", required=True)

    read = sub.add_parser("read", help="rights of the card in the agent's reader")
    read.add_argument("--agent-url", help="agent base URL (default: from the configuration)")
    read.add_argument(
        "--by-cid",
        action="store_true",
        help="rights of a citizen ID instead of the card (endpoint mode); the ID is asked "
        "on stdin or read with --from-file",
    )
    add_person_arguments(read, ("cid",))
    add_json_argument(read)
    read.set_defaults(handler=read_command)

    authen = sub.add_parser(
        "authen",
        help="get a claim code (never twice a day)",
        description="The citizen ID and mobile number are asked on stdin (prompts on "
        "stderr) or read with --from-file (lines cid=... and mobile=..., mode 600), never "
        "taken from argv (ps, shell history). A script: printf '%s\\n%s\\n' \"$CID\" "
        '"$MOBILE" | backoffice nhso authen --claim-type PG0060001 --json',
    )
    authen.add_argument("--agent-url", help="agent base URL (default: from the configuration)")
    authen.add_argument("--claim-type", required=True, help="e.g. PG0060001")
    add_person_arguments(authen, ("cid", "mobile"))
    authen.add_argument("--hn")
    authen.add_argument("--hcode")
    authen.add_argument("--province", default="", help="province code (endpoint mode)")
    add_json_argument(authen)
    authen.set_defaults(handler=authen_command)

    status = sub.add_parser("status", help="claim codes NHSO holds for a person on a day")
    status.add_argument("--date", required=True, type=_iso_date, help="YYYY-MM-DD")
    status.add_argument("--service-code", help="only this claim type")
    status.add_argument("--api-url", help="NHSO web API root (default: from the configuration)")
    add_person_arguments(status, ("cid",))
    add_json_argument(status)
    status.set_defaults(handler=status_command)

    sandbox = sub.add_parser("sandbox", help="run the NHSO sandbox (agent and web APIs)")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, help="default: nhso.sandbox_port")
    sandbox.add_argument("--card-cid", default=DEFAULT_CARD_CID, help="the card in the reader")
    sandbox.add_argument("--no-card", action="store_true", help="start with the reader empty")
    sandbox.add_argument(
        "--card-source", choices=("fixed", "pcsc"), default="fixed", help="pcsc: the real reader"
    )
    sandbox.add_argument("--reader", help="PC/SC reader name (with --card-source pcsc)")
    sandbox.add_argument("--hcode", help="the sandbox clinic's hcode (default: seed)")
    sandbox.add_argument("--seed", type=Path, help="people file (default: the built-in seed)")
    sandbox.add_argument("--token", default=DEFAULT_TOKEN, help="Bearer token it accepts")
    sandbox.add_argument("--latency", type=float, default=0.0, metavar="SECONDS")
    for switch in ("timeout", "lose-answer", "server-error", "malformed", "rate-limit"):
        sandbox.add_argument(f"--{switch}", action="store_true", help="fault switch")
    sandbox.add_argument("--token-invalid", action="store_true", help="fault switch")
    sandbox.add_argument("--no-reader", action="store_true", help="the agent sees no reader")
    add_json_argument(sandbox)
    sandbox.set_defaults(handler=sandbox_command)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD") from None


def _secrets(settings: Settings) -> Secrets:
    return load_secrets(settings.secrets_file)


def _provider(args: argparse.Namespace, settings: Settings) -> AuthenProvider:
    if args.agent_url:
        agent = AgentClient(
            args.agent_url,
            limiter=shared_limiter(settings.nhso.rate_per_second),
            timeout_s=settings.nhso.timeout_s,
        )
        return AgentAuthenProvider(agent, hcode=settings.clinic.hcode or None)
    return authen_provider_from_settings(
        settings, _secrets(settings), province=getattr(args, "province", "")
    )


def _run(args: argparse.Namespace, settings: Settings, action: Any) -> int:
    try:
        result = action()
    except NhsoError as exc:
        return fail(exc, as_json=args.json)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.json:
        print_json(result)
    else:
        _print_plain(result)
    return 0


def _print_plain(result: Any) -> None:
    if isinstance(result, dict):
        for key, value in result.items():
            shown = (
                json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
            )
            print(f"{key}: {shown}")
    else:
        for item in result:
            _print_plain(item)
            print()


def read_command(args: argparse.Namespace, settings: Settings) -> int:
    def action() -> dict[str, Any]:
        cid = read_person(args, ("cid",))["cid"] if args.by_cid else None
        if not args.by_cid:
            read_person(args, ())  # refuses a CID given in argv
        provider = _provider(args, settings)
        try:
            if cid:
                return provider.rights(cid).cli_dict()
            if not isinstance(provider, AgentAuthenProvider):
                raise InvalidRequest("endpoint mode reads no card: give --by-cid or --agent-url")
            return provider.read_inserted().cli_dict()
        finally:
            provider.close()

    return _run(args, settings, action)


def authen_command(args: argparse.Namespace, settings: Settings) -> int:
    def action() -> dict[str, Any]:
        person = read_person(args, ("cid", "mobile"))
        provider = _provider(args, settings)
        try:
            result = provider.authen(
                person["cid"], args.claim_type, person["mobile"], hn=args.hn, hcode=args.hcode
            )
        finally:
            provider.close()
        return result.cli_dict()

    return _run(args, settings, action)


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    def action() -> list[dict[str, Any]]:
        cid = check_cid(read_person(args, ("cid",))["cid"])
        if args.api_url:
            settings.nhso.api_base_url = args.api_url
        web = web_client_from_settings(settings, _secrets(settings))
        try:
            status = web.check_authen_status(cid, args.date, args.service_code)
        finally:
            web.close()
        return [h.model_dump(mode="json") for h in status.histories]

    return _run(args, settings, action)


def sandbox_command(args: argparse.Namespace, settings: Settings) -> int:
    card: CardSource
    if args.card_source == "pcsc":
        card = PcscCard(args.reader)
    else:
        fixed = FixedCard(None if args.no_card else args.card_cid)
        fixed.set_reader(not args.no_reader)
        card = fixed
    faults = Faults(
        latency_s=args.latency,
        timeout=args.timeout,
        lose_answer=args.lose_answer,
        server_error=args.server_error,
        malformed=args.malformed,
        rate_limit=args.rate_limit,
        token_invalid=args.token_invalid,
    )
    port = settings.nhso.sandbox_port if args.port is None else args.port
    server = SandboxServer(
        args.host,
        port,
        card_source=card,
        hcode=args.hcode,
        seed_path=args.seed,
        token=args.token,
        claim_token=args.token,
        faults=faults,
    )
    info = {"sandbox": True, "url": server.url, "hcode": server.state.hcode}
    if args.json:
        print_json(info)
    else:
        print(f"NHSO SANDBOX (not real NHSO) listening on {server.url}")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
