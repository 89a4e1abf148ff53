"""`backoffice serve` (the staff web app) and `backoffice staff role USER ROLE`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from common.cli import add_db_argument, fail
from common.config import Settings, config_path_from
from common.errors import BilingualError
from integrations.jhcis.engine import db_url


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the staff web app (backoffice)")
    serve.add_argument("--host", help="address to listen on (default: backoffice.host)")
    serve.add_argument("--port", type=int, help="port (default: backoffice.port)")
    serve.add_argument("--tls-cert", help="certificate (PEM) to serve HTTPS")
    serve.add_argument("--tls-key", help="private key (PEM) of --tls-cert")
    add_db_argument(serve)
    serve.set_defaults(handler=serve_command)

    staff = subparsers.add_parser("staff", help="backoffice staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    role = staff_sub.add_parser("role", help="set a JHCIS account's backoffice role")
    role.add_argument("username")
    role.add_argument("role", choices=("viewer", "staff", "admin", "none"))
    add_db_argument(role)
    role.set_defaults(handler=role_command)


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from backoffice.app import build_deps, create_app

    tls = bool(args.tls_cert and args.tls_key)
    try:
        deps = build_deps(
            settings,
            db_url=db_url(args, settings),
            config_path=config_path_from(getattr(args, "config", None)),
            secure_cookies=tls,
        )
    except BilingualError as exc:
        return fail(exc, as_json=False)
    host = args.host or settings.backoffice.host
    port = args.port or settings.backoffice.port
    uvicorn.run(
        create_app(deps),
        host=host,
        port=port,
        log_config=None,  # our PII-filtered root handler, not uvicorn's
        access_log=False,  # request lines can carry query strings
        ssl_certfile=args.tls_cert if tls else None,
        ssl_keyfile=args.tls_key if tls else None,
    )
    return 0


def role_command(args: argparse.Namespace, settings: Settings) -> int:
    from backoffice.web.audit import AuditLog
    from backoffice.web.auth import StaffDirectory
    from backoffice.web.sessions import SessionStore
    from backoffice.web.tables import ensure_web_tables
    from integrations.jhcis.engine import open_engine

    engine = open_engine(db_url(args, settings))
    try:
        ensure_web_tables(engine)
        try:
            StaffDirectory(engine).set_role(args.username, args.role, by="(cli)")
        except LookupError:
            print(
                "ไม่พบบัญชีนี้ในตาราง user ของ JHCIS\nNo such account in JHCIS's user table",
                file=sys.stderr,
            )
            return 1
        SessionStore(engine, "unused-for-role-updates").set_role_everywhere(
            args.username, args.role
        )
        AuditLog(engine).record(
            "role_set",
            username="(cli)",
            role="admin",
            target=args.username,
            detail={"role": args.role},
        )
    finally:
        engine.dispose()
    print(f"{args.username}: {args.role}")
    return 0
