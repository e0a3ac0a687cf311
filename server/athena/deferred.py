"""Background work that yields to writes: vector indexing and graph linking.

Both move rows out of a queue that every write fills, and both cost the database CPU that the
writes need on a small machine. So while writes keep arriving the work waits for a quiet moment,
unless the backlog passes `max_deferred`, beyond which it runs regardless (writes slow down, the
queue stops growing without bound).
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod

from athena.errors import StorageError, StorageUnavailable

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
RETRY_SECONDS = 2.0
QUIET_SECONDS = 0.25


class DeferredWorker(ABC):
    """Subclasses say how to count the backlog and do one step; `run()` until cancelled."""

    # Names the work in log lines.
    what = "background work"

    def __init__(self, quiet_seconds: float = QUIET_SECONDS, max_deferred: int = 0) -> None:
        self.quiet_seconds = quiet_seconds
        self.max_deferred = max_deferred
        self._wake = asyncio.Event()
        self._last_write = float("-inf")
        # This replica's view of the backlog: its own writes minus what it worked off. Other
        # replicas' writes are worked off too, just without influencing the deferral.
        self._pending = 0

    def wake(self, queued: int = 1) -> None:
        """Called after a write queued `queued` items."""
        self._pending += queued
        self._last_write = time.monotonic()
        self._wake.set()

    def _worked_off(self, done: int) -> None:
        self._pending = max(0, self._pending - done)

    @abstractmethod
    async def backlog(self) -> int:
        """How many items wait in the queue (all replicas')."""

    @abstractmethod
    async def step(self) -> int:
        """Do one chunk of work; returns how many items left the queue (0: nothing to do)."""

    async def on_idle(self) -> None:  # noqa: B027 - an optional hook, by default nothing
        """Called when a step found nothing to do, before waiting for the next write."""

    async def run(self) -> None:
        try:
            self._pending = await self.backlog()
        except (StorageUnavailable, StorageError):
            self._pending = 0
        while True:
            # Cleared before looking, so a wake() during the step is not lost.
            self._wake.clear()
            busy_for = self.quiet_seconds - (time.monotonic() - self._last_write)
            if busy_for > 0 and self._pending < self.max_deferred:
                # Woken by the next write too, so a backlog that passes the cap is seen at once.
                await self._wait_for_wake(busy_for)
                continue
            try:
                done = await self.step()
            except (StorageUnavailable, StorageError) as exc:
                log.warning(f"{self.what} failed; retrying", extra={"error": str(exc)})
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if done:
                continue
            try:
                await self.on_idle()
            except (StorageUnavailable, StorageError) as exc:
                log.warning(f"{self.what}: idle work failed", extra={"error": str(exc)})
            await self._wait_for_wake(IDLE_SECONDS)

    async def _wait_for_wake(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the cancellation
        # that stops the server when it races with the wake-up, leaving this loop running.
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass
