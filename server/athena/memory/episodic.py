"""Episodic memory: record, read, list, search, delete and describe events."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import astuple
from datetime import UTC, datetime
from typing import Any

import asyncpg
import numpy as np

from athena import audit
from athena.embeddings import Embedder
from athena.embeddings.offload import EmbeddingOffload
from athena.errors import EventNotFound, FieldViolation, InvalidArgument, RequestIdReused
from athena.ids import uuid7
from athena.memory import paging
from athena.memory.fusion import rrf
from athena.memory.models import (
    ConsolidationStatus,
    Event,
    EventContext,
    EventFilter,
    EventOrder,
    EventStats,
    EventType,
    NewEvent,
    Outcome,
    ScoredEvent,
    SearchMode,
)
from athena.memory.term_stats import TermStats, tsquery_or
from athena.projects import Projects
from athena.storage import Database, Queries
from athena.storage.queries import Query

log = logging.getLogger(__name__)
RecordedListener = Callable[[str, list[Event]], Awaitable[None]]
MAX_BATCH = 1000
_NEWEST_FIRST = EventOrder()
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# Vector search scans at most this many of a project's newest not-yet-indexed events exactly
# (~3 ms). When writes outpace the indexer for long, older queued events are found by full text
# only until indexed: search latency stays bounded instead of growing with the backlog.
EXACT_SCAN_LIMIT = 5000
# Embedding a batch this large takes long enough to be worth moving off the event loop.
_EMBED_ELSEWHERE = 64
_COPY_COLUMNS = (
    "id", "project_id", "session_id", "occur_time", "type", "actor", "content", "outcome",
    "context_cwd", "context_files", "context_task", "context_phase", "context_branch",
    "importance", "confidence", "tags", "attributes", "consolidation_status", "create_time",
)  # fmt: skip


def normalise_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Lower-case, trimmed, de-duplicated, in first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = tag.strip().lower()
        if cleaned:
            seen.setdefault(cleaned, None)
    return tuple(seen)


def _filter_args(project: str, f: EventFilter) -> tuple[Any, ...]:
    if f.start_time and f.end_time and f.start_time >= f.end_time:
        raise InvalidArgument(
            [FieldViolation("filter.time_range", "start_time must be before end_time")]
        )
    return (
        project,
        f.session_id or None,
        f.start_time,
        f.end_time,
        [t.value for t in f.types] or None,
        list(normalise_tags(f.tags)) or None,
        f.min_importance if f.min_importance else None,
        f.actor or None,
        f.consolidation_status.value if f.consolidation_status else None,
    )


def vector_search(
    queries: Queries, args: tuple[Any, ...], vector: Any, limit: int
) -> tuple[Query, tuple[Any, ...]]:
    """The vector-candidates statement for an event filter's arguments (`_filter_args`'s form)
    and its parameters: when nothing but the project filters, one that reads the vectors alone."""
    if all(a is None for a in args[1:]):
        return queries.search_project_vectors, (args[0], vector, limit, EXACT_SCAN_LIMIT)
    return queries.search_events_vector, (*args, vector, limit, EXACT_SCAN_LIMIT)


def row_to_event(row: asyncpg.Record) -> Event:
    return Event(
        id=row["id"],
        session_id=row["session_id"],
        occur_time=row["occur_time"],
        type=EventType(row["type"]),
        actor=row["actor"],
        content=row["content"],
        outcome=Outcome(row["outcome"]),
        context=EventContext(
            cwd=row["context_cwd"],
            files=tuple(row["context_files"]),
            task=row["context_task"],
            phase=row["context_phase"],
            branch=row["context_branch"],
        ),
        importance=float(row["importance"]),
        confidence=float(row["confidence"]),
        tags=tuple(row["tags"]),
        attributes=json.loads(row["attributes"]),
        consolidation_status=ConsolidationStatus(row["consolidation_status"]),
        create_time=row["create_time"],
    )


async def _nothing() -> list[tuple[uuid.UUID, float]]:
    return []


def _payload_hash(operation: str, events: Sequence[NewEvent]) -> bytes:
    digest = hashlib.sha256(operation.encode())
    for event in events:
        digest.update(repr(astuple(event)).encode())
    return digest.digest()


class EpisodicMemory:
    """The episodic layer of one server; every method is scoped to an explicit project."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        embedder: Embedder,
        projects: Projects,
        on_vectors_queued: Callable[[int], None] = lambda queued: None,
        offload: EmbeddingOffload | None = None,
    ) -> None:
        self._db = db
        self._q = queries
        self._embedder = embedder
        self._projects = projects
        self._terms = TermStats(db, queries)
        self._on_vectors_queued = on_vectors_queued
        self._offload = offload or EmbeddingOffload(embedder, 0)
        self._recorded_listeners: list[RecordedListener] = []

    def add_recorded_listener(self, listener: RecordedListener) -> None:
        """Call `listener(project, events)` after every committed record (not on replays).

        Other areas hook in here (graph extraction, triggers, the event bus). Listeners are
        awaited before the rpc returns, concurrently (each is typically one database round
        trip, so the rpc waits for the slowest rather than their sum), so they must be quick; a
        failing listener is logged and does not fail the write, which is already committed."""
        self._recorded_listeners.append(listener)

    async def _notify_recorded(self, project: str, events: list[Event]) -> None:
        await asyncio.gather(*(self._notify(f, project, events) for f in self._recorded_listeners))

    @staticmethod
    async def _notify(listener: RecordedListener, project: str, events: list[Event]) -> None:
        try:
            await listener(project, events)
        except Exception:
            log.exception("a recorded-events listener failed", extra={"events": len(events)})

    async def _embed(self, texts: list[str]) -> np.ndarray:
        if len(texts) >= _EMBED_ELSEWHERE:
            return await self._offload.embed(texts)
        return self._embedder.embed(texts)

    async def record(
        self, project: str, events: Sequence[NewEvent], request_id: str = ""
    ) -> tuple[list[Event], bool]:
        """Store events atomically. Returns (events, replayed); replayed means a retried request."""
        if not 1 <= len(events) <= MAX_BATCH:
            raise InvalidArgument(
                [FieldViolation("events", f"must hold between 1 and {MAX_BATCH} events")]
            )
        await self._projects.ensure(project)
        now = datetime.now(UTC)
        ids = [uuid7() for _ in events]
        # The vectors are only needed for the vector queue: a big batch is embedded in a worker
        # process while the events are copied, which overlaps the two largest costs of a batch
        # (~12 ms each for 100 events) on the two cores.
        embedding = asyncio.ensure_future(
            self._embed(
                [" ".join(filter(None, (e.actor, e.content, e.context.task))) for e in events]
            )
        )
        tags = [normalise_tags(e.tags) for e in events]
        rows = [
            (
                event_id, project, e.session_id, e.occur_time or now, e.type.value, e.actor,
                e.content, e.outcome.value, e.context.cwd, list(e.context.files), e.context.task,
                e.context.phase, e.context.branch, e.importance, e.confidence,
                list(t), json.dumps(dict(e.attributes)),
                ConsolidationStatus.PENDING.value, now,
            )
            for event_id, e, t in zip(ids, events, tags, strict=True)
        ]  # fmt: skip
        operation = "record_events"
        try:
            async with self._db.transaction() as conn:
                if request_id:
                    digest = _payload_hash(operation, events)
                    claimed = await conn.fetchval(
                        self._q.claim_request_id, project, request_id, operation, digest, ids
                    )
                    if claimed is None:
                        prior = await conn.fetchrow(self._q.get_request_id, project, request_id)
                        assert prior is not None
                        if (
                            prior["operation"] != operation
                            or bytes(prior["payload_hash"]) != digest
                        ):
                            raise RequestIdReused(request_id)
                        stored = await self._by_ids(conn, project, list(prior["result_ids"]))
                        return stored, True
                await conn.copy_records("events", _COPY_COLUMNS, rows)
                vectors = await embedding
                await conn.copy_records(
                    "event_vector_queue",
                    ("event_id", "project_id", "embedding", "enqueue_time"),
                    [(i, project, v, now) for i, v in zip(ids, vectors, strict=True)],
                )
        finally:
            if not embedding.done():
                embedding.cancel()
            elif not embedding.cancelled():
                embedding.exception()  # retrieved: a failure is already reported by the await
        self._on_vectors_queued(len(ids))
        stored = [
            Event(
                id=event_id, session_id=e.session_id, occur_time=e.occur_time or now,
                type=e.type, actor=e.actor, content=e.content, outcome=e.outcome,
                context=e.context, importance=e.importance, confidence=e.confidence, tags=t,
                attributes=dict(e.attributes), consolidation_status=ConsolidationStatus.PENDING,
                create_time=now,
            )
            for event_id, e, t in zip(ids, events, tags, strict=True)
        ]  # fmt: skip
        if self._recorded_listeners:
            await self._notify_recorded(project, stored)
        return stored, False

    async def _by_ids(self, conn: Any, project: str, ids: list[uuid.UUID]) -> list[Event]:
        rows = await conn.fetch(self._q.get_events_by_ids, project, ids)
        by_id = {row["id"]: row_to_event(row) for row in rows}
        # Events deleted since the original request are simply absent from the replay.
        return [by_id[i] for i in ids if i in by_id]

    async def get(self, project: str, event_id: uuid.UUID) -> Event:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_event, project, event_id)
        if row is None:
            raise EventNotFound(str(event_id))
        return row_to_event(row)

    async def list(
        self,
        project: str,
        event_filter: EventFilter,
        order: EventOrder = _NEWEST_FIRST,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Event], str]:
        """One page of events and the token of the next page ("" on the last page)."""
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        args = _filter_args(project, event_filter)
        query_id = paging.fingerprint(args, order)
        cursor = paging.decode(page_token, query_id) if page_token else None
        name = f"list_events_{'time' if order.key == 'occur_time' else 'importance'}_" + (
            "desc" if order.descending else "asc"
        )
        params = [*args, cursor.occur_time if cursor else None, cursor.id if cursor else None]
        params.append(size + 1)
        if order.key == "importance":
            params.append(cursor.importance if cursor else None)
        async with self._db.connection() as conn:
            rows = await conn.fetch(getattr(self._q, name), *params)
        events = [row_to_event(r) for r in rows[:size]]
        next_token = ""
        if len(rows) > size:
            last = events[-1]
            next_token = paging.encode(
                paging.Cursor(last.occur_time, last.id, last.importance), query_id
            )
        return events, next_token

    async def search(
        self,
        project: str,
        query: str,
        event_filter: EventFilter,
        top_k: int = 10,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> list[ScoredEvent]:
        """Hybrid search: full-text and vector candidates fused by reciprocal rank."""
        if not query.strip():
            raise InvalidArgument([FieldViolation("query", "must contain non-blank text")])
        args = _filter_args(project, event_filter)
        candidates = max(top_k * 4, 40)
        # The two candidate queries run at once on separate connections: hybrid search then
        # costs about the slower of the two rather than their sum.
        text, vector = await asyncio.gather(
            self._text_candidates(args, query, candidates)
            if mode in (SearchMode.HYBRID, SearchMode.FULL_TEXT)
            else _nothing(),
            self._vector_candidates(args, query, candidates)
            if mode in (SearchMode.HYBRID, SearchMode.VECTOR)
            else _nothing(),
        )
        fused = rrf(text, vector)[:top_k]
        async with self._db.connection() as conn:
            events = await self._by_ids(conn, project, [f.id for f in fused])
        by_id = {e.id: e for e in events}
        return [
            ScoredEvent(
                event=by_id[f.id],
                score=f.score,
                text_score=f.text_score,
                vector_score=f.vector_score,
                text_rank=f.text_rank,
                vector_rank=f.vector_rank,
            )
            for f in fused
            if f.id in by_id
        ]

    async def _text_candidates(
        self, args: tuple[Any, ...], query: str, limit: int
    ) -> list[tuple[uuid.UUID, float]]:
        async with self._db.connection() as conn:
            lexemes = await conn.fetchval(self._q.query_lexemes, query)
            selection = await self._terms.select(list(lexemes or ()))
            if not selection.gather:
                return []
            rows = await conn.fetch(
                self._q.search_events_text,
                *args,
                selection.gather,
                tsquery_or(selection.rank),
                limit,
            )
        return [(r["id"], float(r["score"])) for r in rows]

    async def _vector_candidates(
        self, args: tuple[Any, ...], query: str, limit: int
    ) -> list[tuple[uuid.UUID, float]]:
        query_vector = (await self._embed([query]))[0]
        async with self._db.connection() as conn:
            statement, params = vector_search(self._q, args, query_vector, limit)
            rows = await conn.fetch(statement, *params)
        return [(r["id"], float(r["score"])) for r in rows]

    async def delete(
        self, project: str, event_id: uuid.UUID, actor: audit.Actor, reason: str = ""
    ) -> None:
        async with self._db.transaction() as conn:
            deleted = await conn.fetchval(self._q.delete_event, project, event_id)
            if deleted is None:
                raise EventNotFound(str(event_id))
            await audit.record(
                conn, self._q, project, "delete_event", actor, event_id=event_id, reason=reason
            )

    async def delete_many(
        self,
        project: str,
        event_filter: EventFilter,
        actor: audit.Actor,
        *,
        allow_all: bool = False,
        validate_only: bool = False,
        reason: str = "",
    ) -> int:
        """Delete (or with validate_only, count) every event matching the filter."""
        if event_filter.is_empty() and not allow_all:
            raise InvalidArgument(
                [FieldViolation("filter", "set at least one filter field, or set allow_all")]
            )
        args = _filter_args(project, event_filter)
        if validate_only:
            async with self._db.connection() as conn:
                return int(await conn.fetchval(self._q.count_events, *args))
        async with self._db.transaction() as conn:
            count = int(await conn.fetchval(self._q.delete_events, *args))
            await audit.record(
                conn,
                self._q,
                project,
                "delete_events",
                actor,
                filter=repr(event_filter),
                deleted_count=count,
                reason=reason,
            )
        return count

    async def stats(self, project: str, event_filter: EventFilter) -> EventStats:
        args = _filter_args(project, event_filter)
        async with self._db.connection() as conn:
            totals = await conn.fetchrow(self._q.event_stats_totals, *args)
            groups = await conn.fetch(self._q.event_stats_groups, *args)
        assert totals is not None
        by_type: dict[str, int] = {}
        by_outcome: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for row in groups:
            if row["type"] is not None:
                by_type[row["type"]] = row["n"]
            elif row["outcome"] is not None:
                by_outcome[row["outcome"]] = row["n"]
            elif row["consolidation_status"] is not None:
                by_status[row["consolidation_status"]] = row["n"]
        return EventStats(
            total_count=totals["total"],
            session_count=totals["sessions"],
            count_by_type=by_type,
            count_by_outcome=by_outcome,
            count_by_consolidation_status=by_status,
            first_occur_time=totals["first"],
            last_occur_time=totals["last"],
            mean_importance=float(totals["mean_importance"]),
        )
