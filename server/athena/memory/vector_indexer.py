"""Background vector indexing: moves queued event vectors into the HNSW-indexed table.

New events are searchable by vector at once (search scans the queue exactly); this task keeps the
queue short so that scan stays cheap. Every server replica runs one; `FOR UPDATE SKIP LOCKED`
lets them share the queue without blocking each other.

HNSW inserts cost milliseconds of database CPU each (~4 ms at 100k vectors on two cores, against
~0.15 ms to store an event), so indexing yields to writes: while events keep arriving it waits for
a quiet moment, unless the backlog passes `max_deferred`, beyond which it runs regardless. Until
a queued vector is indexed, vector search finds it only among the newest EXACT_SCAN_LIMIT queued
events of its project (full-text search finds every event at once); the cap bounds that window.
"""

from __future__ import annotations

import asyncio
import logging
import time

from athena.errors import StorageError, StorageUnavailable
from athena.storage import Database, Queries

log = logging.getLogger(__name__)

BATCH = 100
IDLE_SECONDS = 1.0
RETRY_SECONDS = 2.0
QUIET_SECONDS = 0.25
# A 100k-event burst at full recording speed stays deferred; the indexer then catches up at a
# few hundred vectors/s (docs/benchmarks.md).
MAX_DEFERRED = 100_000
# After moving this many vectors, VACUUM the emptied queue: otherwise its dead pages stay until
# autovacuum comes round, and every vector search scans them (measured 12 ms after 100k).
VACUUM_AFTER = 5_000


class VectorIndexer:
    """Call `wake()` after enqueuing; `run()` until cancelled."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        batch: int = BATCH,
        quiet_seconds: float = QUIET_SECONDS,
        max_deferred: int = MAX_DEFERRED,
    ) -> None:
        self._db = db
        self._q = queries
        self._batch = batch
        self.quiet_seconds = quiet_seconds
        self.max_deferred = max_deferred
        self._wake = asyncio.Event()
        self._last_write = float("-inf")
        # This replica's view of the backlog: its own writes minus what it indexed. Other
        # replicas' writes are picked up too, just without influencing the deferral.
        self._pending = 0
        self._since_vacuum = 0
        self.indexed_total = 0

    def wake(self, queued: int = 1) -> None:
        """Called after `queued` vectors were queued by a write."""
        self._pending += queued
        self._last_write = time.monotonic()
        self._wake.set()

    async def index_batch(self) -> int:
        """Index up to one batch; returns how many vectors moved."""
        async with self._db.transaction() as conn:
            moved = int(await conn.fetchval(self._q.index_queued_vectors, self._batch))
        self.indexed_total += moved
        self._since_vacuum += moved
        self._pending = max(0, self._pending - moved)
        return moved

    async def vacuum_if_due(self) -> bool:
        """VACUUM the queue once it is empty after a large drain; True if it ran."""
        if self._since_vacuum < VACUUM_AFTER:
            return False
        async with self._db.connection() as conn:
            await conn.execute(self._q.vacuum_vector_queue)
        self._since_vacuum = 0
        return True

    async def backlog(self) -> int:
        async with self._db.connection() as conn:
            return int(await conn.fetchval(self._q.count_queued_vectors))

    async def drain(self) -> int:
        """Index until the queue is empty (used by tests, benchmarks and shutdown tooling)."""
        total = 0
        while moved := await self.index_batch():
            total += moved
        return total

    async def run(self) -> None:
        try:
            self._pending = await self.backlog()
        except (StorageUnavailable, StorageError):
            self._pending = 0
        while True:
            # Cleared before looking, so a wake() during the batch is not lost.
            self._wake.clear()
            busy_for = self.quiet_seconds - (time.monotonic() - self._last_write)
            if busy_for > 0 and self._pending < self.max_deferred:
                await asyncio.sleep(busy_for)
                continue
            try:
                moved = await self.index_batch()
            except (StorageUnavailable, StorageError) as exc:
                log.warning("vector indexing failed; retrying", extra={"error": str(exc)})
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if moved:
                continue
            try:
                await self.vacuum_if_due()
            except (StorageUnavailable, StorageError) as exc:
                log.warning("vacuum of the vector queue failed", extra={"error": str(exc)})
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the cancellation
            # that stops the server when it races with the wake-up, leaving this loop running.
            try:
                async with asyncio.timeout(IDLE_SECONDS):
                    await self._wake.wait()
            except TimeoutError:
                pass
