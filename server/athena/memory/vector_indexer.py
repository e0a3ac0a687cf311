"""Background vector indexing: moves queued event vectors into the HNSW-indexed table.

New events are searchable by vector at once (search scans the queue exactly); this task keeps the
queue short so that scan stays cheap. Every server replica runs one; `FOR UPDATE SKIP LOCKED`
lets them share the queue without blocking each other.
"""

from __future__ import annotations

import asyncio
import logging

from athena.errors import StorageError, StorageUnavailable
from athena.storage import Database, Queries

log = logging.getLogger(__name__)

BATCH = 100
IDLE_SECONDS = 1.0
RETRY_SECONDS = 2.0


class VectorIndexer:
    """Call `wake()` after enqueuing; `run()` until cancelled."""

    def __init__(self, db: Database, queries: Queries, batch: int = BATCH) -> None:
        self._db = db
        self._q = queries
        self._batch = batch
        self._wake = asyncio.Event()
        self.indexed_total = 0

    def wake(self) -> None:
        self._wake.set()

    async def index_batch(self) -> int:
        """Index up to one batch; returns how many vectors moved."""
        async with self._db.transaction() as conn:
            moved = int(await conn.fetchval(self._q.index_queued_vectors, self._batch))
        self.indexed_total += moved
        return moved

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
        while True:
            # Cleared before looking, so a wake() during the batch is not lost.
            self._wake.clear()
            try:
                moved = await self.index_batch()
            except (StorageUnavailable, StorageError) as exc:
                log.warning("vector indexing failed; retrying", extra={"error": str(exc)})
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if moved:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=IDLE_SECONDS)
            except TimeoutError:
                pass
