"""One watcher of the lines per server, fanning the board out to every screen and caller.

Every open board and caller page holds a server-sent-events stream. Rather than each
asking the database, one task per server does: woken at once by an action taken on this
server, and every :data:`POLL_S` seconds anyway (a check-in by the kiosk, an action on
another backoffice), it takes in the day's new arrivals, reads the cheap revision and,
when it moved, builds the board once for all. Waiting streams are released together.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from backoffice.calling.arrivals import take_in_arrivals
from backoffice.calling.board import snapshot
from backoffice.calling.line import revision
from common.config import CallingSettings
from common.errors import error_label
from integrations.jhcis.clinic import ClinicDatabase

log = logging.getLogger(__name__)

POLL_S = 1.0
#: Arrivals are looked for on every n-th poll (a read of the day's JHCIS visits).
ARRIVALS_EVERY = 2


class BoardHub:
    def __init__(
        self,
        clinic: ClinicDatabase,
        calling: CallingSettings,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.clinic = clinic
        self.calling = calling
        self.clock = clock
        self.loop = asyncio.get_running_loop()  # its conditions belong to this loop
        self.version = 0
        self.board: dict[str, Any] | None = None
        self.online = True  # the database answered the last poll
        self._revision: tuple[Any, ...] | None = None
        # Set and replaced on each new version: a waiter holds the one of its version. No
        # Condition: its lock, re-taken while a stream is cancelled, can end unacquired.
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        """Something changed here: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait_newer(self, version: int, timeout: float) -> int:
        """The version after `version`, or the same one after `timeout` seconds."""
        self.start()
        if self.version == version:
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout)
        return self.version

    async def _run(self) -> None:
        rounds = 0
        while True:
            try:
                await self._look(rounds % ARRIVALS_EVERY == 0)
                if not self.online:
                    log.info("calling board: the database answers again")
                    await self._set_online(True)
            except Exception as exc:  # the board must outlive a database outage
                if self.online:
                    log.warning("calling board: cannot read the lines (%s)", error_label(exc))
                    await self._set_online(False)
            rounds += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            self._wake.clear()

    async def _look(self, arrivals: bool) -> None:
        now = self.clock()
        day = now.date()
        if arrivals:
            await run_in_threadpool(take_in_arrivals, self.clinic, self.calling, day, now)
        current = (day, *await run_in_threadpool(revision, self.clinic.engine, day))
        if current == self._revision and self.board is not None:
            return
        board = await run_in_threadpool(snapshot, self.clinic.engine, self.calling, day)
        self._revision = current
        self.board = board
        await self._bump()

    async def _set_online(self, online: bool) -> None:
        self.online = online
        await self._bump()

    async def _bump(self) -> None:
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
