"""The durable event bus: publish, number in commit order, fan out to subscribers.

Publishing inserts rows without an offset. A sequencer (any replica may run one; the
`orch_bus_head` row lock lets one at a time work) numbers committed rows oldest first, so an
offset only ever becomes visible after every smaller one: a subscriber that resumes after the
last offset it saw misses nothing.

Fan-out is shared per project inside a replica: one `_Feed` reads new events from the database
once and keeps the recent ones in memory, and every subscriber of that project filters that
buffer with its own patterns. A subscriber resuming from an older offset reads the database
until it reaches the buffer.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from athena.errors import AthenaError, FieldViolation, InvalidArgument
from athena.orchestration.models import (
    BusEvent,
    NewBusEvent,
    PatternKind,
    TopicMatcher,
    TopicPattern,
    bus_event_from_row,
)
from athena.projects import Projects
from athena.storage import Database, Queries

log = logging.getLogger(__name__)
MAX_PUBLISH = 1000
SEQUENCE_BATCH = 5000
READ_BATCH = 1000
COALESCE_SECONDS = 0.002
# Recent events a feed keeps for live subscribers; older positions are read from the database.
FEED_BUFFER = 20_000


def compile_patterns(patterns: Sequence[TopicPattern], path: str = "patterns") -> TopicMatcher:
    """A matcher for any of the patterns; INVALID_ARGUMENT names a bad regular expression."""
    exact: set[str] = set()
    prefixes: list[str] = []
    regexes: list[re.Pattern[str]] = []
    for i, pattern in enumerate(patterns):
        if pattern.kind is PatternKind.EXACT:
            exact.add(pattern.value)
        elif pattern.kind is PatternKind.PREFIX:
            prefixes.append(pattern.value)
        else:
            try:
                regexes.append(re.compile(pattern.value))
            except re.error as exc:
                raise InvalidArgument(
                    [FieldViolation(f"{path}[{i}].regex", f"invalid regular expression: {exc}")]
                ) from exc
    return TopicMatcher(frozenset(exact), tuple(prefixes), tuple(regexes))


class _Feed:
    """The tail of one project's stream as this replica knows it, shared by its subscribers."""

    def __init__(self, bus: EventBus, project: str, start: int) -> None:
        self._bus = bus
        self.project = project
        # Every event of the project with base < offset <= tail is in `_events`.
        self.base = start
        self.tail = start
        self._events: list[BusEvent] = []
        self._offsets: list[int] = []
        self.subscribers = 0
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()
        self._last_refresh = 0.0

    async def refresh(self, min_interval: float = 0.0) -> None:
        """Read events numbered since the last refresh and wake the subscribers."""
        if min_interval and time.monotonic() - self._last_refresh < min_interval:
            return
        async with self._lock:
            self._last_refresh = time.monotonic()
            got = False
            while True:
                events = await self._bus.read(self.project, self.tail, READ_BATCH)
                if not events:
                    break
                got = True
                self._events.extend(events)
                self._offsets.extend(e.offset for e in events)
                self.tail = events[-1].offset
                if len(self._events) > 2 * FEED_BUFFER:
                    # Trim in chunks so appends stay cheap.
                    self.base = self._offsets[-FEED_BUFFER - 1]
                    del self._events[:-FEED_BUFFER], self._offsets[:-FEED_BUFFER]
                if len(events) < READ_BATCH:
                    break
            if got:
                changed, self._changed = self._changed, asyncio.Event()
                changed.set()

    def after(self, position: int) -> list[BusEvent] | None:
        """Buffered events after `position`, or None when the buffer does not reach back there."""
        if position < self.base:
            return None
        return self._events[bisect.bisect_right(self._offsets, position) :]

    async def wait(self, seconds: float) -> None:
        changed = self._changed
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
        try:
            async with asyncio.timeout(seconds):
                await changed.wait()
        except TimeoutError:
            # Nothing local happened: look for events other replicas numbered.
            await self.refresh(min_interval=seconds / 2)


class EventBus:
    """Publishing and subscribing, every call scoped to an explicit project."""

    def __init__(
        self, db: Database, queries: Queries, projects: Projects, poll_seconds: float
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._feeds: dict[str, _Feed] = {}
        self._refreshing: set[asyncio.Task[None]] = set()
        # Tells other replicas a project has new numbered events (set by the component).
        self.broadcast: Callable[[str], None] = lambda project: None

    def numbered_elsewhere(self, project: str) -> None:
        """Another replica numbered events of `project`: refresh its feed here, if any."""
        feed = self._feeds.get(project)
        if feed is not None:
            task = asyncio.create_task(feed.refresh())
            self._refreshing.add(task)
            task.add_done_callback(self._refreshing.discard)

    def wake(self) -> None:
        """Something was published here: number it now rather than at the next poll."""
        self._wake.set()

    async def publish(self, project: str, events: Sequence[NewBusEvent]) -> int:
        if not 1 <= len(events) <= MAX_PUBLISH:
            raise InvalidArgument(
                [FieldViolation("events", f"must hold between 1 and {MAX_PUBLISH} events")]
            )
        await self._projects.ensure(project)
        async with self._db.connection() as conn:
            await conn.execute(
                self._q.orch_insert_bus_events,
                project,
                [e.topic for e in events],
                [e.data for e in events],
                [json.dumps(dict(e.attributes)) for e in events],
            )
        self.wake()
        return len(events)

    async def publish_internal(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Publish server events (project, topic, attributes) outside any write transaction."""
        if not items:
            return
        async with self._db.connection() as conn:
            await conn.execute(
                self._q.orch_insert_bus_events_multi,
                [p for p, _, _ in items],
                [t for _, t, _ in items],
                [json.dumps(a) for _, _, a in items],
            )
        self.wake()

    async def read(self, project: str, after: int, limit: int) -> list[BusEvent]:
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.orch_read_bus_events, project, after, limit)
        return [bus_event_from_row(r) for r in rows]

    async def head(self) -> int:
        async with self._db.connection() as conn:
            return int(await conn.fetchval(self._q.orch_bus_head))

    async def sequence(self) -> int:
        """Number committed events (one batch); returns how many. Wakes the affected feeds."""
        # One statement, so one round trip and one commit: this runs after nearly every write
        # and competes with the creates and claims for the same two cores and WAL flushes.
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.orch_sequence_bus_events, SEQUENCE_BATCH)
        for row in rows:
            self.broadcast(row["project_id"])
            feed = self._feeds.get(row["project_id"])
            if feed is not None:
                await feed.refresh()
        return sum(int(r["numbered"]) for r in rows)

    async def run_sequencer(self) -> None:
        """Background: number events when woken by a local publish, or every poll interval."""
        while True:
            try:
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()
            except TimeoutError:
                pass
            # Gather a burst of publishes into one numbering transaction: each costs a commit.
            await asyncio.sleep(COALESCE_SECONDS)
            self._wake.clear()
            try:
                while await self.sequence() >= SEQUENCE_BATCH:
                    pass
            except AthenaError:
                log.warning("bus sequencing failed; retrying", exc_info=True)
                await asyncio.sleep(self._poll)

    async def subscribe(
        self, project: str, matcher: TopicMatcher, after_offset: int | None
    ) -> AsyncIterator[list[BusEvent]]:
        """Batches of matching events in offset order, forever (the caller stops iterating)."""
        feed = self._feeds.get(project)
        if feed is None:
            feed = self._feeds[project] = _Feed(self, project, await self.head())
        feed.subscribers += 1
        try:
            position = after_offset if after_offset is not None else max(feed.tail, 0)
            if after_offset is None:
                position = max(position, await self.head())
            while True:
                events = feed.after(position)
                if events is None:
                    # Catching up from before the shared buffer: read the database directly.
                    tail_before = feed.tail
                    events = await self.read(project, position, READ_BATCH)
                    if len(events) < READ_BATCH:
                        position = max(position, tail_before)
                if events:
                    position = max(position, events[-1].offset)
                    matched = [e for e in events if matcher(e.topic)]
                    if matched:
                        yield matched
                    continue
                await feed.wait(self._poll)
        finally:
            feed.subscribers -= 1
            if feed.subscribers == 0 and self._feeds.get(project) is feed:
                del self._feeds[project]
