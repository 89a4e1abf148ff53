"""``MAX()+1`` numbers (visitno, pid) allocated under a lock that spans processes.

JHCIS has no AUTO_INCREMENT: every writer picks ``MAX(visitno)+1`` and ``MAX(pid)+1``.
Two kiosks (or a kiosk and the backoffice) doing that at once would pick the same
number, so allocation and insert happen while holding a lock that every process and
machine sees:

* MySQL/MariaDB: ``GET_LOCK(name, timeout)``, a server-wide named lock held by the
  session. The lock is taken *before* the transaction's first read, so the ``MAX()``
  is read from a snapshot that already includes the previous holder's commit.
  MySQL 5.6 lets a session hold only one named lock (a second GET_LOCK releases the
  first), so one lock per database covers both numbers.
* SQLite: ``BEGIN IMMEDIATE``, the database's single write lock.

The JHCIS desktop program does not take our lock; a duplicate-key error from a race
with it is retried by the caller with fresh numbers (and counted, so tests can prove
the lock made retries unnecessary among our own writers).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Engine, func, select, text
from sqlalchemy.exc import OperationalError

from integrations.jhcis.engine import SQLITE_BEGIN_OPTION, is_mysql
from integrations.jhcis.errors import NumberingBusy
from integrations.jhcis.tables import visit

log = logging.getLogger(__name__)

LOCK_PREFIX = "jhcis_kiosk_numbering."
MYSQL_LOCK_NAME_MAX = 64


def lock_name(database: str) -> str:
    """One named lock per database (named locks are server-wide)."""
    return (LOCK_PREFIX + database)[:MYSQL_LOCK_NAME_MAX]


@contextmanager
def numbering_transaction(
    engine: Engine, *, database: str, timeout_s: float
) -> Iterator[Connection]:
    """A connection in a transaction that holds the numbering lock until commit."""
    if is_mysql(engine):
        with _mysql_locked(engine, lock_name(database), timeout_s) as conn:
            yield conn
    else:
        with _sqlite_immediate(engine) as conn:
            yield conn


@contextmanager
def _mysql_locked(engine: Engine, name: str, timeout_s: float) -> Iterator[Connection]:
    with engine.connect() as conn:
        started = time.monotonic()
        got = conn.execute(
            text("SELECT GET_LOCK(:name, :timeout)"),
            {"name": name, "timeout": max(1, round(timeout_s))},
        ).scalar()
        # End the implicit transaction: the snapshot must start after the lock.
        conn.commit()
        if got != 1:
            waited = time.monotonic() - started
            raise NumberingBusy(f"GET_LOCK returned {got!r} after {waited:.1f}s")
        try:
            with conn.begin():
                yield conn
        finally:
            try:
                conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
                conn.commit()
            except OperationalError:
                # The session is gone, and the server released its lock with it.
                log.warning("could not release the numbering lock explicitly")


@contextmanager
def _sqlite_immediate(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as base:
        conn = base.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        try:
            tx = conn.begin()
        except OperationalError as exc:
            raise NumberingBusy("sqlite write lock not obtained") from exc
        with tx:
            yield conn


def next_number(conn: Connection, column: Column[int], *where: ColumnElement[bool]) -> int:
    """``COALESCE(MAX(column), 0) + 1`` over the rows matching `where`."""
    query = select(func.coalesce(func.max(column), 0))
    if where:
        query = query.where(*where)
    return int(conn.execute(query).scalar_one()) + 1


def next_visitno(conn: Connection) -> int:
    """JHCIS's global ``MAX(visitno)+1``, read as the largest of the per-unit maxima.

    ``visitno`` is the second column of the primary key ``(pcucode, visitno)``, so a
    plain ``MAX(visitno)`` scans the whole index (tens of ms at 100,000 visits) while
    ``GROUP BY pcucode`` with ``MAX`` is a loose index scan on MySQL/MariaDB (one probe
    per unit). Same answer, over every unit in the table.
    """
    per_unit: Iterable[Any] = conn.execute(
        select(func.max(visit.c.visitno)).group_by(visit.c.pcucode)
    ).scalars()
    return max((int(m) for m in per_unit if m is not None), default=0) + 1
