"""Engines for the clinic database, with the connection settings JHCIS needs.

MySQL/MariaDB: the connection always speaks utf8mb4, so the server converts to and
from each column's own charset (tis620 or utf8) and Thai text round-trips whatever the
table was created with; see :mod:`integrations.jhcis.profile` for the per-column check.

SQLite (demo, tests): WAL journal, a busy timeout, and transactions we begin
ourselves so that numbering can ask for ``BEGIN IMMEDIATE`` (the write lock) while
ordinary work uses a deferred ``BEGIN``.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from common.config import Settings
from common.private_files import private_sqlite
from common.secrets import load_secrets

SQLITE_BEGIN_OPTION = "jhcis_sqlite_begin"


def is_mysql(engine: Engine | Connection) -> bool:
    return engine.dialect.name in {"mysql", "mariadb"}


def normalise_url(url: str | URL, *, read_only: bool = False) -> URL:
    """The URL with our connection defaults (charset, read-only SQLite)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in {"mysql", "mariadb"}:
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    elif backend == "sqlite" and read_only and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=f"file:{parsed.database}?mode=ro").update_query_dict(
            {"uri": "true"}
        )
    elif backend != "sqlite":
        raise ValueError(f"unsupported database backend: {backend}")
    return parsed


def configured_url(settings: Settings) -> URL:
    """The configured clinic database with the password of the secrets file.

    ``database.url`` names the account only (provisioning writes it so, and the
    configuration file is not private); ``database_password`` supplies the password
    unless the URL carries its own. ``database.ssl_ca`` turns on TLS with that CA. A
    URL object never prints its password.
    """
    parsed = make_url(settings.effective_db_url)
    if parsed.get_backend_name() == "sqlite":
        return parsed
    if settings.database.ssl_ca and "ssl_ca" not in parsed.query:
        # TLS to the JHCIS server, its certificate checked against this CA and its name
        # (the driver's defaults once a CA is given): never a silent clear-text fallback.
        parsed = parsed.update_query_dict({"ssl_ca": settings.database.ssl_ca})
    if not parsed.username or parsed.password:
        return parsed
    secret = load_secrets(settings.secrets_file).database_password
    return parsed.set(password=secret.get_secret_value()) if secret is not None else parsed


def db_url(args: argparse.Namespace, settings: Settings) -> str:
    """--db as given, else the configured database with the secrets file's password.

    The configuration names the account only; without the password a provisioned
    appliance would be refused by MySQL. The result is handed to engines (and to
    export worker processes), never printed.
    """
    url: str | None = getattr(args, "db", None)
    return url or configured_url(settings).render_as_string(hide_password=False)


def open_engine(
    url: str | URL,
    *,
    connect_timeout_s: float = 5.0,
    lock_timeout_s: float = 10.0,
    read_only: bool = False,
    pool_size: int = 2,
    read_timeout_s: float | None = None,
) -> Engine:
    """An Engine for a JHCIS database (MySQL 5.6, MariaDB or SQLite).

    ``read_timeout_s`` bounds each wait for the server's answer (MySQL/MariaDB). The
    JHCIS server is another PC on the clinic's LAN: without it, a pulled cable or a
    hung server blocks a query (even the handshake) until TCP gives up, many minutes.
    """
    parsed = normalise_url(url, read_only=read_only)
    if parsed.get_backend_name() == "sqlite" and not read_only and _is_file(parsed.database):
        # Our SQLite files (the demo clinic, tests) hold personal data, synthetic or not.
        private_sqlite(Path(str(parsed.database)))
    connect_args: dict[str, Any] = {}
    # A driver error's text would otherwise quote the statement's parameters (citizen
    # IDs, names, phone numbers) into every traceback and log line that shows it.
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        connect_args["timeout"] = lock_timeout_s
        connect_args["check_same_thread"] = False
    else:
        connect_args["connect_timeout"] = max(1, round(connect_timeout_s))
        if read_timeout_s is not None:
            connect_args["read_timeout"] = connect_args["write_timeout"] = read_timeout_s
        kwargs.update(pool_size=pool_size, max_overflow=2, pool_recycle=3600)
    engine = create_engine(parsed, connect_args=connect_args, **kwargs)
    engine_setup(engine, read_only=read_only)
    return engine


def _is_file(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def engine_setup(engine: Engine, *, read_only: bool = False) -> None:
    """Install our per-connection settings on an engine (idempotent)."""
    if engine.dialect.name == "sqlite":
        if not event.contains(engine, "connect", _sqlite_connect):
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
    elif read_only and not event.contains(engine, "connect", _mysql_read_only):
        event.listen(engine, "connect", _mysql_read_only)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's begin event issue BEGIN (pysqlite's own handling defers it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        if mode not in ("wal", "memory"):
            # A read-only file keeps its journal mode.
            with contextlib.suppress(Exception):
                cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


_BEGIN = {"DEFERRED": "BEGIN DEFERRED", "IMMEDIATE": "BEGIN IMMEDIATE"}


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(_BEGIN[mode])


def _mysql_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # MySQL < 5.6.5 has no read-only sessions; the doctor then still only SELECTs
        # (and reports the old version) instead of failing to connect.
        with contextlib.suppress(Exception):
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
    finally:
        cursor.close()
