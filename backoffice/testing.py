"""Wiring the web app for tests, the Playwright suite and the benchmark.

Builds real dependencies (the clinic database, our tables, a secrets file with a
generated session key, the preview printer) in a scratch directory; nothing here
is a fake of product code. Also a few staff accounts with known passwords in a
*synthetic* database, one per role (written by ``integrations.jhcis.synth_cases``: only
that room writes JHCIS tables).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine

from backoffice.app import build_deps
from backoffice.web.deps import WebDeps
from common.config import Settings, load_settings
from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.records import CheckinRequest, Visit
from integrations.jhcis.synth_cases import StaffAccount, add_staff_accounts

#: username -> (password, officertype, role set through kiosk_staff_role or None for default)
TEST_ACCOUNTS: dict[str, tuple[str, str, str | None]] = {
    "t_admin": ("admin-pass-1", "1", "admin"),
    "t_staff": ("staff-pass-1", "3", None),  # a nurse: staff by default
    "t_viewer": ("viewer-pass-1", "x", None),  # "other": viewer by default
    "t_gone": ("gone-pass-1", "1", None),  # marked deleted in JHCIS
}
TEST_RECORDER_CID = "1998000000016"  # checksum-valid, synthetic (province digits 99)


def add_test_accounts(engine: Engine, unit: str) -> None:
    """(Re)create the test staff accounts in a synthetic database, with their roles."""
    from backoffice.web.auth import StaffDirectory

    add_staff_accounts(
        engine,
        unit,
        {
            name: StaffAccount(
                password,
                officertype,
                deleted=name == "t_gone",
                idcard=TEST_RECORDER_CID if name == "t_staff" else None,
            )
            for name, (password, officertype, _role) in TEST_ACCOUNTS.items()
        },
    )
    directory = StaffDirectory(engine)
    for name, (_password, _type, role) in TEST_ACCOUNTS.items():
        if role:
            directory.set_role(name, role, by="(test)")


def scratch_settings(tmp: Path, *, nhso_url: str = "", hcode: str = "") -> Settings:
    """Settings for a scratch directory: preview printer, sandbox NHSO at `nhso_url`."""
    tmp.mkdir(parents=True, exist_ok=True)
    config = tmp / "config.toml"
    lines = [
        f'data_dir = "{tmp / "data"}"',
        f'secrets_file = "{tmp / "secrets.toml"}"',
        "[clinic]",
        f'hcode = "{hcode}"',
        'name = "รพ.สต. ทดสอบระบบ"',
        "[printer]",
        'uri = "preview"',
        f'preview_dir = "{tmp / "tickets"}"',
        "[nhso]",
        'mode = "sandbox"',
        f'api_base_url = "{nhso_url}"',
        "rate_per_second = 50.0",
        "[backoffice]",
        "lockout_attempts = 3",
        "lockout_minutes = 15",
    ]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(config)


def make_deps(
    db_url: str,
    tmp: Path,
    *,
    clock: Callable[[], dt.datetime] = dt.datetime.now,
    nhso_url: str = "",
) -> WebDeps:
    settings = scratch_settings(tmp, nhso_url=nhso_url)
    deps = build_deps(settings, db_url=db_url, config_path=tmp / "config.toml", clock=clock)
    add_test_accounts(deps.clinic.engine, deps.clinic.unit_code())
    return deps


@contextmanager
def running_server(
    deps: WebDeps, host: str = "127.0.0.1", *, tls: tuple[Path, Path] | None = None
) -> Iterator[str]:
    """The app under uvicorn in a thread on a free loopback port; yields its base URL.

    Served as ``backoffice serve`` serves it (no server banner, no proxy headers), over
    HTTPS with `tls` (certificate, key) and then with ``__Host-`` cookies.
    """
    import socket

    import uvicorn

    from backoffice.app import create_app

    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    deps.secure_cookies = tls is not None
    config = uvicorn.Config(
        create_app(deps), host=host, port=port, log_config=None, access_log=False, workers=1,
        server_header=False, proxy_headers=False,
        ssl_certfile=str(tls[0]) if tls else None, ssl_keyfile=str(tls[1]) if tls else None,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="backoffice-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the backoffice web server did not start")
        time.sleep(0.05)
    try:
        yield f"{'https' if tls else 'http'}://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# 25 characters: it fits JHCIS's person.fname whole (a longer one would be fitted).
XSS = "<script>alert(1)</script>"


def walkin_cid(serial: int) -> str:
    """A checksum-valid synthetic citizen ID (province digits 99: never a real person)."""
    from common.cid import cid_check_digit

    first12 = f"1999{serial:08d}"
    return first12 + str(cid_check_digit(first12))


def seed_day(
    clinic: ClinicDatabase,
    at: dt.datetime,
    *,
    with_code: int = 2,
    without_code: int = 2,
    pending: int = 1,
    walkin_name: str = "ทดสอบ",
) -> dict[str, list[Visit]]:
    """Open kiosk visits on `at`'s day for synthetic persons, as the kiosk would.

    Returns the visits by kind: "coded" (claim code PP...), "uncoded", "pending"
    (no code, pending authen recorded) and "walkin" (a new out-of-area person).
    """
    from sqlalchemy import select

    from integrations.jhcis.records import WalkinIdentity
    from integrations.jhcis.tables import person

    total = with_code + without_code + pending
    with clinic.engine.connect() as conn:
        rows: Sequence[object] = (
            conn.execute(
                select(person.c.idcard)
                .where(person.c.pcucodeperson == clinic.unit_code(), person.c.idcard.is_not(None))
                .order_by(person.c.pid)
                .limit(total)
            )
            .scalars()
            .all()
        )
        cids = [str(c) for c in rows]
    out: dict[str, list[Visit]] = {"coded": [], "uncoded": [], "pending": [], "walkin": []}
    moment = at
    for index, cid in enumerate(cids):
        who = clinic.find_person_by_cid(cid)
        assert who is not None
        moment += dt.timedelta(minutes=3)
        request = CheckinRequest(
            key=f"seed-{at:%Y%m%d}-{who.pid}", at=moment, person=who.key, claim_type="PG0060001"
        )
        if index < with_code:
            code = f"PP{9_000_000_000 + who.pid:010d}"
            out["coded"].append(checkin(clinic, replace(request, claim_code=code)))
        elif index < with_code + without_code:
            out["uncoded"].append(checkin(clinic, request))
        else:
            out["pending"].append(checkin(clinic, replace(request, pending_authen=True)))
    identity = WalkinIdentity(
        cid=walkin_cid(at.toordinal() % 10**6),
        title="นาย",
        first_name=walkin_name,
        last_name="นอกเขต",
        birth=dt.date(1990, 1, 1),
        sex="1",
    )
    walkin = CheckinRequest(
        key=f"seed-walkin-{at:%Y%m%d}", at=moment + dt.timedelta(minutes=3), identity=identity
    )
    out["walkin"].append(checkin(clinic, walkin))
    return out


def checkin(clinic: ClinicDatabase, request: CheckinRequest) -> Visit:
    """A check-in as the kiosk and the staff page make it: the one JHCIS call."""
    return clinic.open_checkin_visit(request).visit
