"""Episodic -> graph: link recorded events to the entities they mention and to their likely
causal predecessors.

The recorded-events listener only queues the committed events; a background worker drains the
queue, coalescing whatever batches arrived meanwhile into one transaction of six set-based
statements (lock the events still there, create missing entities, link mentions, bump
co-occurrence edges, FOLLOWS links, CAUSED_BY links). Measured on the write path these
statements doubled RecordEvents latency; off it, recording keeps its speed and a burst of
batches costs one round of statements instead of one per batch. Extraction is regexes in Python.

The queue lives in memory: links of events recorded just before a crash can be missing (the
events themselves are committed). `drain()` waits until everything queued is linked.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime

from athena.errors import StorageUnavailable
from athena.graph.extraction import EntityExtractor
from athena.graph.models import name_key
from athena.ids import uuid7
from athena.memory import Event, EventType
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
# Transient failures (a deadlock with another replica's worker) are retried this often.
ATTEMPTS = 3
# Events linked in one transaction at most.
DRAIN_BATCH = 5000
# Queued events beyond this make recording wait for the worker (bounded memory, backpressure).
MAX_QUEUED = 50_000


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


class EpisodicLinker:
    """Queues recorded events and links them in the background."""

    def __init__(
        self, db: Database, queries: Queries, extractor: EntityExtractor, enabled: bool = True
    ) -> None:
        self._db = db
        self._q = queries
        self._extractor = extractor
        self._enabled = enabled
        self._queue: deque[tuple[str, list[Event]]] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._room = asyncio.Event()
        self._room.set()

    async def on_recorded(self, project: str, events: list[Event]) -> None:
        """The recorded-events listener: queue the batch (waiting only when the queue is full)."""
        if not self._enabled or not events:
            return
        while self._queued >= MAX_QUEUED:
            self._room.clear()
            await self._room.wait()
        self._queue.append((project, events))
        self._queued += len(events)
        self._idle.clear()
        self._wake.set()

    async def drain(self) -> None:
        """Wait until every queued event is linked (wrap in asyncio.timeout to bound it)."""
        await self._idle.wait()

    async def run(self) -> None:
        """The background worker: link queued events until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.link_queued()

    async def close(self) -> None:
        """On shutdown (background work already cancelled): link what is still queued."""
        await self.link_queued()

    async def link_queued(self) -> None:
        """Link everything queued now, a coalesced chunk at a time."""
        while self._queue:
            chunk = self._take()
            for project, events in chunk.items():
                try:
                    await self._link(project, events)
                except Exception:
                    log.exception(
                        "linking events to the graph failed", extra={"events": len(events)}
                    )
            self._room.set()
        self._idle.set()

    def _take(self) -> dict[str, list[Event]]:
        by_project: dict[str, list[Event]] = {}
        taken = 0
        while self._queue and taken < DRAIN_BATCH:
            project, events = self._queue.popleft()
            by_project.setdefault(project, []).extend(events)
            taken += len(events)
        self._queued -= taken
        return by_project

    async def _link(self, project: str, events: list[Event]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self._write(project, events)
                return
            except StorageUnavailable:
                if attempt == ATTEMPTS:
                    raise
                log.info("graph linking retried", extra={"attempt": attempt})
                await asyncio.sleep(0.05 * attempt)

    async def _write(self, project: str, queued: list[Event]) -> None:
        now = datetime.now(UTC)
        async with self._db.transaction() as conn:
            # Events deleted since they were queued are left out; the rest cannot go away
            # until this transaction ends.
            live = {
                r["id"] for r in await conn.fetch(self._q.lock_live_events, [e.id for e in queued])
            }
            events = [e for e in queued if e.id in live]
            if not events:
                return
            batch = plan(self._extractor, events)
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
