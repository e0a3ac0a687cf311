"""Episodic -> graph: link recorded events to the entities they mention and to their likely
causal predecessors.

Every recorded event is queued in `graph_link_queue` by a trigger, in the event's own
transaction (migration 0007), so no event is left unlinked by a crash or a restart. A background
worker takes queued events oldest first, a chunk per transaction of set-based statements (lock
the events still there, create missing entities, link mentions, bump co-occurrence edges,
FOLLOWS links, CAUSED_BY links) and removes them from the queue in the same transaction.
Measured on the write path these statements doubled RecordEvents latency; in the background
they still take the database CPU that recording needs on a small machine (1.9k against 3.1k
events/s with two writers), so, like vector indexing, linking waits while events keep arriving
unless the backlog passes `max_deferred`. Replicas share the queue through SKIP LOCKED.
Extraction is regexes in Python.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from athena.deferred import QUIET_SECONDS, DeferredWorker
from athena.errors import StorageUnavailable
from athena.graph.extraction import EntityExtractor
from athena.graph.models import name_key
from athena.ids import uuid7
from athena.memory import Event, EventType
from athena.memory.episodic import row_to_event
from athena.storage import Database, Queries

log = logging.getLogger(__name__)

# Events that do something, and events that report what came of it: an effect is linked to the
# latest recent cause of its session that touched the same entities.
CAUSE_TYPES = (EventType.ACTION, EventType.TOOL_CALL, EventType.DECISION, EventType.FILE_CHANGE)
EFFECT_TYPES = frozenset(
    {EventType.ERROR, EventType.TOOL_RESULT, EventType.TEST_RUN, EventType.OBSERVATION,
     EventType.FILE_CHANGE}
)  # fmt: skip
# How far back in its session an effect looks for its cause.
CAUSE_WINDOW = 20
# Entities of one event that get co-occurrence edges (pairs grow quadratically).
PAIRED_PER_EVENT = 8
# Events linked in one transaction at most: big enough that the set-based statements pay off,
# small enough that extracting them (on a thread) and the transaction's locks stay short.
BATCH = 1000
# Longest wait for a row lock inside a chunk (see graph_link_lock_timeout).
LOCK_TIMEOUT_MS = 200
# Linking starts once no event was recorded for QUIET_SECONDS, or once this many events wait.
MAX_DEFERRED = 100_000


@dataclass
class Batch:
    """The set-based statements' arguments for one recorded batch."""

    entity_keys: list[str]
    entity_names: list[str]
    entity_types: list[str]
    mention_events: list[object]
    mention_keys: list[str]
    pairs: Counter[tuple[str, str]]


def plan(extractor: EntityExtractor, events: list[Event]) -> Batch:
    entities: dict[str, tuple[str, str]] = {}
    mention_events: list[object] = []
    mention_keys: list[str] = []
    pairs: Counter[tuple[str, str]] = Counter()
    for event in events:
        keys: list[str] = []
        for mention in extractor.extract(event):
            name = " ".join(mention.name.split())[:512]
            key = name_key(name)
            if not key or key in keys:
                continue
            keys.append(key)
            entities.setdefault(key, (name, mention.type.strip().lower()[:64] or "concept"))
        mention_events.extend([event.id] * len(keys))
        mention_keys.extend(keys)
        paired = sorted(keys[:PAIRED_PER_EVENT])
        pairs.update((a, b) for i, a in enumerate(paired) for b in paired[i + 1 :])
    ordered = sorted(entities)
    return Batch(
        entity_keys=ordered,
        entity_names=[entities[k][0] for k in ordered],
        entity_types=[entities[k][1] for k in ordered],
        mention_events=mention_events,
        mention_keys=mention_keys,
        pairs=pairs,
    )


class EpisodicLinker(DeferredWorker):
    """Links queued events in the background: call `wake()` after recording, `run()` until
    cancelled; `drain()` links everything queued now."""

    what = "graph linking"

    def __init__(
        self,
        db: Database,
        queries: Queries,
        extractor: EntityExtractor,
        enabled: bool = True,
        batch: int = BATCH,
        quiet_seconds: float = QUIET_SECONDS,
        max_deferred: int = MAX_DEFERRED,
    ) -> None:
        super().__init__(quiet_seconds, max_deferred)
        self._db = db
        self._q = queries
        self._extractor = extractor
        self._enabled = enabled
        self._batch = batch
        # One chunk at a time in this process, so that drain() returning means the background
        # worker's chunk has committed too.
        self._chunk_lock = asyncio.Lock()
        self.linked_total = 0

    async def on_recorded(self, project: str, events: list[Event]) -> None:
        """The recorded-events listener: the trigger has queued them; note the write."""
        self.wake(len(events))

    async def backlog(self) -> int:
        async with self._db.connection() as conn:
            return int(await conn.fetchval(self._q.graph_link_backlog))

    async def drain(self) -> int:
        """Link until the queue is empty (apart from events a delete in progress holds); returns
        how many queued events were taken off. Wrap in asyncio.timeout to bound it."""
        total = 0
        while done := await self.link_batch():
            total += done
        return total

    async def step(self) -> int:
        return await self.link_batch()

    async def link_batch(self) -> int:
        """Link one chunk of queued events in one transaction; returns how many left the queue."""
        async with self._chunk_lock:
            try:
                done = await self._link_chunk()
            except StorageUnavailable:
                raise
            except Exception:
                # Not transient (a bug, an extractor that raises): drop the chunk unlinked rather
                # than retry it forever and hold up everything queued behind it.
                log.exception("linking events to the graph failed; the chunk stays unlinked")
                done = await self._drop_chunk()
        self.linked_total += done
        self._worked_off(done)
        return done

    async def _link_chunk(self) -> int:
        async with self._db.transaction() as conn:
            await conn.fetchval(self._q.graph_link_lock_timeout, LOCK_TIMEOUT_MS)
            if not self._enabled:
                return int(await conn.fetchval(self._q.graph_clear_link_queue, self._batch))
            queued = await conn.fetch(self._q.graph_take_link_queue, self._batch)
            if not queued:
                return 0
            by_project: dict[str, list[object]] = defaultdict(list)
            for row in queued:
                by_project[row["project_id"]].append(row["event_id"])
            finished: list[object] = []
            for project, ids in by_project.items():
                finished += await self._link_project(conn, project, ids)
            await conn.execute(self._q.graph_dequeue_links, finished)
            return len(finished)

    async def _drop_chunk(self) -> int:
        async with self._db.transaction() as conn:
            queued = await conn.fetch(self._q.graph_take_link_queue, self._batch)
            await conn.execute(self._q.graph_dequeue_links, [r["event_id"] for r in queued])
            return len(queued)

    async def _link_project(
        self, conn: asyncpg.Connection, project: str, ids: list[object]
    ) -> list[object]:
        """Link project's queued events `ids`; returns the ids that are done with (linked, or
        deleted since they were queued). Events a delete in progress holds stay queued: if it
        rolls back, they are linked next time; if it commits, they are dropped then."""
        rows = await conn.fetch(self._q.graph_lock_queued_events, project, ids)
        events = [row_to_event(r) for r in rows]
        live = {e.id for e in events}
        waiting = [i for i in ids if i not in live]
        if waiting:
            existing = {r["id"] for r in await conn.fetch(self._q.graph_existing_events, waiting)}
            done = [i for i in ids if i in live or i not in existing]
        else:
            done = list(ids)
        if events:
            await self._write(conn, project, events)
        return done

    async def _write(self, conn: asyncpg.Connection, project: str, events: list[Event]) -> None:
        now = datetime.now(UTC)
        # Regexes over a thousand events take tens of milliseconds: off the event loop.
        batch = await asyncio.to_thread(plan, self._extractor, events)
        pair_keys = sorted(batch.pairs)
        effects = [e for e in events if e.type in EFFECT_TYPES]
        if batch.entity_keys:
            await conn.execute(
                self._q.insert_extracted_entities, project,
                [uuid7() for _ in batch.entity_keys], batch.entity_names, batch.entity_keys,
                batch.entity_types, now,
            )  # fmt: skip
            await conn.execute(
                self._q.insert_event_mentions, project, batch.mention_events,
                batch.mention_keys,
            )  # fmt: skip
        if pair_keys:
            await conn.execute(
                self._q.upsert_cooccurrences, project, [uuid7() for _ in pair_keys],
                [a for a, _ in pair_keys], [b for _, b in pair_keys],
                [float(batch.pairs[p]) for p in pair_keys], now,
            )  # fmt: skip
        await conn.execute(
            self._q.link_session_followers, project, [e.id for e in events],
            [e.session_id for e in events], [e.occur_time for e in events],
        )  # fmt: skip
        if effects and batch.entity_keys:
            await conn.execute(
                self._q.link_likely_causes, project, [e.id for e in effects],
                [e.session_id for e in effects], [e.occur_time for e in effects],
                [t.value for t in CAUSE_TYPES], CAUSE_WINDOW,
            )  # fmt: skip
