"""Slowing down password guessing without handing attackers a way to lock staff out.

Three brakes, all kept in the database (the counters survive a restart):

* per computer (client address): after ``free`` failures each further one doubles
  the wait before the next try (1 s, 2 s, 4 s, ... up to a ceiling), so spraying a
  few guesses at many accounts is slowed as much as hammering one;
* overall: the same, counted over every computer that has no sign-in history, so a
  guesser rotating addresses is slowed too while known computers are not;
* per account (:class:`backoffice.web.auth.StaffDirectory`): after
  ``lockout_attempts`` failures the account is locked for a while, *except* from a
  computer or browser where it signed in before (:class:`KnownClients`), so a lock
  set by someone else does not stop the right password at the usual desk.

Counting is atomic on every backend: the first statement of the transaction is the
UPDATE that adds the failure (on SQLite that takes the write lock at once, so the busy
timeout applies instead of the immediate "database is locked" a read-then-write
transaction gets; on MariaDB it takes the row lock), and the count is read back
inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, Table, case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from backoffice.web.db_retry import once_more_on_deadlock
from backoffice.web.tables import login_known, login_state, login_throttle

GLOBAL_SCOPE = "global"
#: How long a computer or browser stays "known" for an account after a good sign-in.
KNOWN_FOR = dt.timedelta(days=90)


@dataclass(frozen=True)
class Policy:
    """`free` failures within `window` cost nothing; then waits double up to `max_delay_s`."""

    free: int
    max_delay_s: int
    window: dt.timedelta = dt.timedelta(hours=1)

    def delay(self, failures: int) -> dt.timedelta | None:
        if failures <= self.free:
            return None
        steps = min(failures - self.free - 1, 30)  # 2**30 s is far past any ceiling
        return dt.timedelta(seconds=min(2**steps, self.max_delay_s))


@dataclass(frozen=True)
class Counters:
    """A table of failure counters: its key column and its "blocked until" column."""

    table: Table
    key: str
    until: str


#: per sign-in name (the account lock) and per scope (the throttles)
ACCOUNTS = Counters(login_state, "username", "locked_until")
SCOPES = Counters(login_throttle, "scope", "blocked_until")


def count_failure(
    engine: Engine,
    counters: Counters,
    key: str,
    *,
    now: dt.datetime,
    window: dt.timedelta,
    until_for: Callable[[int], dt.datetime | None],
) -> tuple[int, dt.datetime | None]:
    """Add one failure to `key`'s row atomically: (failures in the window, blocked until).

    A row whose last failure is older than `window` starts again from one.
    """
    table, until_column = counters.table, counters.until
    where = table.c[counters.key] == key
    _ensure_row(engine, counters, key)

    def work() -> tuple[int, dt.datetime | None]:
        with engine.begin() as conn:
            recent = table.c.last_failure_at >= now - window
            # failures is set before last_failure_at: MySQL evaluates SET left to right.
            conn.execute(
                update(table)
                .where(where)
                .ordered_values(
                    (table.c.failures, case((recent, table.c.failures + 1), else_=1)),
                    (table.c.last_failure_at, now),
                )
            )
            failures = int(conn.execute(select(table.c.failures).where(where)).scalar_one())
            until = until_for(failures)
            if until is not None:
                conn.execute(update(table).where(where).values({until_column: until}))
            return failures, until

    return once_more_on_deadlock(work)


def _ensure_row(engine: Engine, counters: Counters, key: str) -> None:
    column = counters.table.c[counters.key]
    with engine.connect() as conn:
        if conn.execute(select(column).where(column == key)).first():
            return
    try:
        with engine.begin() as conn:
            conn.execute(insert(counters.table).values({counters.key: key, "failures": 0}))
    except IntegrityError:
        pass  # a parallel failure made it first: the UPDATE counts on its row


def blocked_until(
    engine: Engine, counters: Counters, key: str, now: dt.datetime
) -> dt.datetime | None:
    table = counters.table
    with engine.connect() as conn:
        until = conn.execute(
            select(table.c[counters.until]).where(table.c[counters.key] == key)
        ).scalar()
    return until if until is not None and until > now else None


class SignInThrottle:
    """Per-computer and overall progressive delays (see the module's description)."""

    def __init__(
        self,
        engine: Engine,
        *,
        per_address: Policy,
        overall: Policy,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.engine = engine
        self.per_address = per_address
        self.overall = overall
        self.clock = clock

    def wait_s(self, address: str, *, known: bool) -> int:
        """Seconds before `address` may try again (0: now). Known computers skip the
        overall brake: an attack from elsewhere must not stop the clinic's own desks."""
        now = self.clock()
        scopes = [_address_scope(address)] + ([] if known else [GLOBAL_SCOPE])
        waits = [blocked_until(self.engine, SCOPES, scope, now) for scope in scopes]
        latest = max((w for w in waits if w is not None), default=None)
        return 0 if latest is None else max(1, int((latest - now).total_seconds() + 0.999))

    def failed(self, address: str, *, known: bool) -> None:
        now = self.clock()
        scopes = [(_address_scope(address), self.per_address)]
        if not known:
            scopes.append((GLOBAL_SCOPE, self.overall))
        for scope, policy in scopes:
            count_failure(
                self.engine, SCOPES, scope, now=now, window=policy.window,
                until_for=_until(policy, now),
            )  # fmt: skip

    def succeeded(self, address: str) -> None:
        with self.engine.begin() as conn:
            scope = login_throttle.c.scope == _address_scope(address)
            conn.execute(delete(login_throttle).where(scope))


def _until(policy: Policy, now: dt.datetime) -> Callable[[int], dt.datetime | None]:
    def until(failures: int) -> dt.datetime | None:
        delay = policy.delay(failures)
        return None if delay is None else now + delay

    return until


def _address_scope(address: str) -> str:
    return f"addr:{address or '?'}"[:80]


def device_client(device_id: str) -> str:
    """How a browser's device cookie is remembered: a hash, never the cookie's value."""
    return "device:" + hashlib.sha256(device_id.encode("utf-8")).hexdigest()


def address_client(address: str) -> str:
    return f"addr:{address}"[:80]


class KnownClients:
    """The computers and browsers each account signed in from (for the lock's exception)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def any_known(self, username: str, clients: Iterable[str]) -> bool:
        wanted = [c for c in clients if c]
        if not wanted:
            return False
        since = self.clock() - KNOWN_FOR
        with self.engine.connect() as conn:
            found = conn.execute(
                select(login_known.c.client).where(
                    login_known.c.username == username,
                    login_known.c.client.in_(wanted),
                    login_known.c.last_ok_at >= since,
                )
            ).first()
        return found is not None

    def remember(self, username: str, clients: Iterable[str]) -> None:
        now = self.clock()
        for client in (c for c in clients if c):
            where = (login_known.c.username == username) & (login_known.c.client == client)
            with self.engine.begin() as conn:
                done = conn.execute(update(login_known).where(where).values(last_ok_at=now))
                if done.rowcount:
                    continue
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(login_known).values(username=username, client=client, last_ok_at=now)
                    )
            except IntegrityError:
                pass  # the same account signed in from here twice at once
