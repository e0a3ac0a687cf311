"""Runs that outlive the rpc that started them, and the per-project schedule loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from athena.consolidation.engine import Consolidator, Lease
from athena.consolidation.models import Trigger
from athena.errors import AthenaError, ConsolidationRunning

log = logging.getLogger(__name__)


class Background:
    """Owns background run tasks; `run()` is the schedule loop started with the server."""

    def __init__(self, consolidator: Consolidator, poll_seconds: float) -> None:
        self._c = consolidator
        self._poll = poll_seconds
        self._tasks: set[asyncio.Task[object]] = set()

    def start(self, lease: Lease) -> None:
        """Execute a begun run in the background (the lease already holds the project lock)."""
        task = asyncio.create_task(self._execute(lease))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _execute(self, lease: Lease) -> None:
        # The run records its own failure; there is nobody else to tell.
        with contextlib.suppress(AthenaError):
            await self._c.execute(lease)

    async def run(self) -> None:
        while True:
            # Sleep first: a server that just started has nothing due that cannot wait one poll.
            await asyncio.sleep(self._poll)
            try:
                for project in await self._c.claim_due():
                    try:
                        lease, _ = await self._c.begin(project, Trigger.SCHEDULE)
                    except ConsolidationRunning:
                        continue
                    if lease is not None:
                        self.start(lease)
            except AthenaError:
                log.warning("consolidation schedule: database error; retrying", exc_info=True)
            except Exception:
                log.exception("consolidation schedule: unexpected error; retrying")

    async def close(self) -> None:
        """Cancel runs in flight; each marks itself interrupted and its events stay pending."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
