"""`backoffice serve` (the staff web app), `backoffice tls ensure` and `backoffice staff role`.

``serve`` speaks HTTPS when given a certificate and its key (options or
``backoffice.tls_cert``/``tls_key``); half a pair, an unreadable file or a key of
another certificate stops it with a clear message, never a silent fall back to HTTP.
With TLS, ``--http-redirect-port`` answers plain HTTP with redirects only. The
appliance's unit always passes its device pair (made by ``tls ensure``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from common.cli import add_db_argument, add_json_argument, bounded_int, fail, print_json
from common.config import Settings, config_path_from
from common.errors import BilingualError
from common.tls import TlsError, check_pair, ensure_device_certificate
from integrations.jhcis.engine import db_url

log = logging.getLogger(__name__)

PORT = bounded_int(1, 65535)


class RedirectNeedsTls(TlsError):
    code = "tls.redirect_without_tls"
    message_th = "ตั้งพอร์ตเปลี่ยนเส้นทาง HTTP ได้เฉพาะเมื่อเปิด HTTPS (ระบุใบรับรองและกุญแจ)"
    message_en = "An HTTP redirect port needs HTTPS: give the certificate and its key."


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the staff web app (backoffice)")
    serve.add_argument("--host", help="address to listen on (default: backoffice.host)")
    serve.add_argument("--port", type=PORT, help="port (default: backoffice.port)")
    serve.add_argument("--tls-cert", help="certificate (PEM) to serve HTTPS (with --tls-key)")
    serve.add_argument("--tls-key", help="private key (PEM) of --tls-cert")
    serve.add_argument(
        "--http-redirect-port", type=PORT,
        help="with TLS: also listen here for plain HTTP, answering only with redirects",
    )  # fmt: skip
    add_db_argument(serve)
    serve.set_defaults(handler=serve_command)

    tls = subparsers.add_parser("tls", help="the backoffice's HTTPS certificate")
    tls_sub = tls.add_subparsers(dest="tls_command", required=True)
    ensure = tls_sub.add_parser(
        "ensure",
        help="make this device's key and self-signed certificate unless a usable pair "
        "(the clinic's own, say) is there; print its SHA-256 fingerprint",
    )
    ensure.add_argument("--dir", type=Path, help="folder of the pair (default <data_dir>/tls)")
    ensure.add_argument(
        "--name", action="append", default=[],
        help="host name or address the certificate is for (repeatable)",
    )  # fmt: skip
    add_json_argument(ensure)
    ensure.set_defaults(handler=tls_ensure_command)

    staff = subparsers.add_parser("staff", help="backoffice staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    role = staff_sub.add_parser("role", help="set a JHCIS account's backoffice role")
    role.add_argument("username")
    role.add_argument("role", choices=("viewer", "staff", "admin", "none"))
    add_db_argument(role)
    role.set_defaults(handler=role_command)


def tls_pair(args: argparse.Namespace, settings: Settings) -> tuple[str, str] | None:
    """The certificate and key to serve with, checked; None for plain HTTP."""
    cert = args.tls_cert or settings.backoffice.tls_cert
    key = args.tls_key or settings.backoffice.tls_key
    if not cert and not key:
        return None
    check_pair(cert, key)  # raises TlsHalfConfigured, TlsFileUnreadable, TlsKeyMismatch
    return cert, key


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from backoffice.app import build_deps, create_app
    from backoffice.web.redirect import RedirectToHttps

    try:
        tls = tls_pair(args, settings)
        redirect_port = args.http_redirect_port or settings.backoffice.http_redirect_port
        if redirect_port and tls is None:
            raise RedirectNeedsTls()
        deps = build_deps(
            settings,
            db_url=db_url(args, settings),
            config_path=config_path_from(getattr(args, "config", None)),
            secure_cookies=tls is not None,
        )
    except BilingualError as exc:
        return fail(exc, as_json=False, exit_code=2 if isinstance(exc, TlsError) else 1)
    host = args.host or settings.backoffice.host
    port = args.port or settings.backoffice.port
    common: dict[str, Any] = {
        "log_config": None,  # our PII-filtered root handler, not uvicorn's
        "access_log": False,  # request lines can carry query strings
        "server_header": False,  # no "server: uvicorn" banner
        "proxy_headers": False,  # nothing stands in front: X-Forwarded-For is a lie
    }
    if redirect_port:
        redirect = uvicorn.Server(
            uvicorn.Config(
                RedirectToHttps(port), host=host, port=redirect_port, lifespan="off", **common
            )
        )
        threading.Thread(target=redirect.run, name="http-redirect", daemon=True).start()
    log.info("backoffice on %s://%s:%d", "https" if tls else "http", host, port)
    uvicorn.run(
        create_app(deps),
        host=host,
        port=port,
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
        **common,
    )
    return 0


def tls_ensure_command(args: argparse.Namespace, settings: Settings) -> int:
    folder = args.dir or Path(settings.data_dir) / "tls"
    names = args.name or [_host_name()]
    try:
        value, made = ensure_device_certificate(folder, names=names)
    except (TlsError, OSError) as exc:
        error = exc if isinstance(exc, TlsError) else TlsError(type(exc).__name__)
        return fail(error, as_json=args.json, exit_code=2)
    if args.json:
        print_json({"folder": str(folder), "fingerprint_sha256": value, "made": made})
    else:
        print(f"{'made' if made else 'kept'} {folder}: SHA-256 {value}")
    return 0


def _host_name() -> str:
    import socket

    return socket.gethostname() or "jhcis-kiosk"


def role_command(args: argparse.Namespace, settings: Settings) -> int:
    from backoffice.web.audit import audit_from_settings
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
        audit_from_settings(engine, settings).record(
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
