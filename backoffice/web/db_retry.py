"""One more try when MariaDB/MySQL picks our transaction as a deadlock's victim.

InnoDB resolves a deadlock by rolling one transaction back with error 1213; the
other goes through. The victim's work is undone whole, so doing it once more is
safe and almost always succeeds. Only the short transactions of sign-in, sessions
and the audit trail use this: they must not show staff a 500 for a lock race.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")

MYSQL_DEADLOCK = 1213


def is_deadlock(exc: DBAPIError) -> bool:
    args: tuple[object, ...] = tuple(getattr(exc.orig, "args", ()))
    return bool(args) and args[0] == MYSQL_DEADLOCK


def once_more_on_deadlock(work: Callable[[], T]) -> T:
    """`work()`, run a second time if the first was a deadlock's victim."""
    try:
        return work()
    except DBAPIError as exc:
        if not is_deadlock(exc):
            raise
        log.warning("database deadlock (1213): the transaction is tried once more")
        return work()
