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

from athena.deferred import QUIET_SECONDS, DeferredWorker
from athena.storage import Database, Queries

BATCH = 100
# A 100k-event burst at full recording speed stays deferred; the indexer then catches up at a
# few hundred vectors/s (docs/benchmarks.md).
MAX_DEFERRED = 100_000
# After moving this many vectors, VACUUM the emptied queue: otherwise its dead pages stay until
# autovacuum comes round, and every vector search scans them (measured 12 ms after 100k).
VACUUM_AFTER = 5_000


class VectorIndexer(DeferredWorker):
    """Call `wake()` after enqueuing; `run()` until cancelled."""

    what = "vector indexing"

    def __init__(
        self,
        db: Database,
        queries: Queries,
        batch: int = BATCH,
        quiet_seconds: float = QUIET_SECONDS,
        max_deferred: int = MAX_DEFERRED,
    ) -> None:
        super().__init__(quiet_seconds, max_deferred)
        self._db = db
        self._q = queries
        self._batch = batch
        self._since_vacuum = 0
        self.indexed_total = 0

    async def index_batch(self) -> int:
        """Index up to one batch; returns how many vectors moved."""
        async with self._db.transaction() as conn:
            moved = int(await conn.fetchval(self._q.index_queued_vectors, self._batch))
        self.indexed_total += moved
        self._since_vacuum += moved
        self._worked_off(moved)
        return moved

    async def step(self) -> int:
        return await self.index_batch()

    async def on_idle(self) -> None:
        await self.vacuum_if_due()

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
