"""Meta-memory: ratings, access tracking with decay, working memory, expertise, quality."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from athena.errors import FieldViolation, InvalidArgument, MemoryItemNotFound
from athena.ids import uuid7
from athena.meta import scoring
from athena.meta.models import (
    UUID_LAYERS,
    DomainExpertise,
    LayerQuality,
    MemoryBoost,
    MemoryItemStats,
    MemoryLayer,
    MemoryRef,
    WorkingMemoryItem,
)
from athena.projects import Projects
from athena.prospective import common
from athena.storage import Database, Queries
from athena.storage.database import Connection

MAX_REFS = 1000
MAX_WORKING_MEMORY = 50
RECENT = timedelta(days=30)


def _distinct(refs: Sequence[MemoryRef]) -> list[MemoryRef]:
    return list(dict.fromkeys(refs))


def _boost(s: MemoryItemStats) -> MemoryBoost:
    return MemoryBoost(
        access=scoring.access_part(s.access_score), usefulness=s.usefulness, factor=s.boost
    )


def _arrays(refs: Sequence[MemoryRef]) -> tuple[list[str], list[str]]:
    return [r.layer.value for r in refs], [r.id for r in refs]


class MetaMemory:
    """Memory about memories, for every layer; every method is scoped to an explicit project.

    Other areas call `record_access` (when they hand memories to an agent) and `boosts` (to rank
    memories by use and usefulness)."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        projects: Projects,
        access_half_life: timedelta = timedelta(days=7),
        session_half_life: timedelta = timedelta(minutes=30),
        working_memory_size: int = 7,
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._half_life = access_half_life.total_seconds()
        self._session_half_life = session_half_life.total_seconds()
        self._working_memory_size = working_memory_size

    @staticmethod
    def check_refs(refs: Sequence[MemoryRef], path: str = "items") -> None:
        """INVALID_ARGUMENT naming `path[i].id` for an id its layer cannot hold."""
        problems = []
        for i, ref in enumerate(refs):
            where = f"{path}[{i}].id" if path.endswith("s") else f"{path}.id"
            if not 1 <= len(ref.id) <= 256:
                problems.append(FieldViolation(where, "must be 1-256 characters"))
            elif ref.layer in UUID_LAYERS:
                try:
                    uuid.UUID(ref.id)
                except ValueError:
                    problems.append(FieldViolation(where, f"must be a UUID for a {ref.layer}"))
        if problems:
            raise InvalidArgument(problems)

    async def _existing(
        self, conn: Connection, project: str, refs: list[MemoryRef]
    ) -> list[MemoryRef]:
        rows = await conn.fetch(self._q.existing_memory_items, project, *_arrays(refs))
        found = {(r["layer"], r["item_id"]) for r in rows}
        return [r for r in refs if (r.layer.value, r.id) in found]

    async def _require(self, conn: Connection, project: str, refs: list[MemoryRef]) -> None:
        existing = set(await self._existing(conn, project, refs))
        for ref in refs:
            if ref not in existing:
                raise MemoryItemNotFound(ref.layer.value, ref.id)

    async def _record(
        self,
        conn: Connection,
        project: str,
        refs: list[MemoryRef],
        session_id: str,
        now: datetime,
    ) -> int:
        return int(
            await conn.fetchval(
                self._q.record_memory_access,
                project,
                *_arrays(refs),
                now,
                self._half_life,
                session_id or None,
                self._session_half_life,
            )
        )

    async def record_access(
        self,
        project: str,
        refs: Sequence[MemoryRef],
        session_id: str = "",
        *,
        request_id: str = "",
        strict: bool = False,
    ) -> tuple[int, bool]:
        """Count one access to each memory (repeats count once). Returns (recorded, replayed).

        With `strict` a memory that does not exist is NOT_FOUND and nothing is recorded;
        otherwise (the default, for callers that just retrieved the memories) missing ones are
        skipped. One statement for the whole batch."""
        refs = _distinct(refs)
        if not refs:
            return 0, False
        if len(refs) > MAX_REFS:
            raise InvalidArgument([FieldViolation("items", f"at most {MAX_REFS} memories")])
        self.check_refs(refs)
        await self._projects.ensure(project)
        async with self._db.transaction() as conn:
            prior = await common.claim_request(
                conn, self._q, project, request_id, "record_memory_access", (refs, session_id), []
            )
            if prior is not None:
                return len(refs), True
            if strict:
                await self._require(conn, project, refs)
                present = refs
            else:
                present = await self._existing(conn, project, refs)
            if not present:
                return 0, False
            return await self._record(conn, project, present, session_id, datetime.now(UTC)), False

    async def rate(
        self,
        project: str,
        ref: MemoryRef,
        rating: float,
        session_id: str = "",
        comment: str = "",
        request_id: str = "",
    ) -> tuple[MemoryItemStats, bool]:
        """Record a usefulness rating (0-1), which also counts as an access."""
        if not 0.0 <= rating <= 1.0:
            raise InvalidArgument([FieldViolation("rating", "must be between 0 and 1")])
        self.check_refs([ref], "item")
        await self._projects.ensure(project)
        now = datetime.now(UTC)
        rating_id = uuid7()
        async with self._db.transaction() as conn:
            payload = (ref, rating, session_id, comment)
            prior = await common.claim_request(
                conn, self._q, project, request_id, "rate_memory", payload, [rating_id]
            )
            if prior is None:
                await self._require(conn, project, [ref])
                await self._record(conn, project, [ref], session_id, now)
                await conn.execute(
                    self._q.add_memory_rating,
                    project,
                    ref.layer.value,
                    ref.id,
                    rating,
                    now,
                    rating_id,
                    session_id,
                    comment,
                )
            stats = await self._stats(conn, project, [ref], now)
        return stats[ref], prior is not None

    async def _stats(
        self, conn: Connection, project: str, refs: list[MemoryRef], now: datetime
    ) -> dict[MemoryRef, MemoryItemStats]:
        rows = await conn.fetch(self._q.memory_item_stats_for, project, *_arrays(refs))
        by_key = {(r["layer"], r["item_id"]): r for r in rows}
        out = {}
        for ref in refs:
            row = by_key.get((ref.layer.value, ref.id))
            out[ref] = self._row_stats(ref, row, now) if row else MemoryItemStats(ref)
        return out

    def _row_stats(self, ref: MemoryRef, row: asyncpg.Record, now: datetime) -> MemoryItemStats:
        score = scoring.decayed(row["access_score"], row["score_time"], now, self._half_life)
        useful = scoring.usefulness(row["rating_sum"], row["rating_count"])
        return MemoryItemStats(
            ref=ref,
            access_count=row["access_count"],
            last_access_time=row["last_access_time"],
            access_score=score,
            rating_count=row["rating_count"],
            usefulness=useful,
            last_rating_time=row["last_rating_time"],
            boost=scoring.boost_factor(scoring.access_part(score), useful),
        )

    async def item_stats(self, project: str, ref: MemoryRef) -> MemoryItemStats:
        """A memory's statistics (zeros when never used); NOT_FOUND if it does not exist."""
        self.check_refs([ref], "item")
        async with self._db.connection() as conn:
            await self._require(conn, project, [ref])
            return (await self._stats(conn, project, [ref], datetime.now(UTC)))[ref]

    async def boosts(self, project: str, refs: Sequence[MemoryRef]) -> dict[MemoryRef, MemoryBoost]:
        """Ranking boosts for memories (neutral for ones never used or rated). One query."""
        refs = _distinct(refs)
        if not refs:
            return {}
        now = datetime.now(UTC)
        async with self._db.connection() as conn:
            stats = await self._stats(conn, project, refs, now)
        return {ref: _boost(s) for ref, s in stats.items()}

    def boosts_of_rows(self, rows: Sequence[tuple[MemoryRef, Any]]) -> dict[MemoryRef, MemoryBoost]:
        """Ranking boosts from statistics rows a caller read with its own statement (the columns
        of `memory_item_stats_for`; None for a memory never used or rated): what `boosts` gives
        without its lookup."""
        now = datetime.now(UTC)
        return {
            ref: _boost(self._row_stats(ref, row, now) if row is not None else MemoryItemStats(ref))
            for ref, row in rows
        }

    async def working_memory(
        self, project: str, session_id: str, size: int = 0
    ) -> list[WorkingMemoryItem]:
        """The session's most active memories, most active first."""
        if not session_id:
            raise InvalidArgument([FieldViolation("session_id", "must not be empty")])
        if not 0 <= size <= MAX_WORKING_MEMORY:
            raise InvalidArgument(
                [FieldViolation("size", f"must be between 0 and {MAX_WORKING_MEMORY}")]
            )
        size = size or self._working_memory_size
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.working_memory,
                project,
                session_id,
                datetime.now(UTC),
                self._session_half_life,
                size,
            )
        return [
            WorkingMemoryItem(
                ref=MemoryRef(MemoryLayer(r["layer"]), r["item_id"]),
                activation=float(r["activation"]),
                last_access_time=r["last_access_time"],
                access_count=int(r["access_count"]),
                summary=r["summary"],
            )
            for r in rows
        ]

    async def domain_expertise(
        self, project: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[DomainExpertise], str]:
        """Every domain with expertise and coverage, highest expertise first (ties by name)."""
        size = common.page_size(page_size)
        query = common.fingerprint("domains", project)
        offset = 0
        if page_token:
            position = common.decode_token(page_token, query)
            if len(position) != 1 or not isinstance(position[0], int) or position[0] < 0:
                raise InvalidArgument([FieldViolation("page_token", "malformed page token")])
            offset = position[0]
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.domain_activity, project)
            sizes = await conn.fetch(self._q.memory_layer_sizes, project)
        total = sum(int(r["n"]) for r in sizes if r["layer"] in ("event", "fact", "task", "goal"))
        domains = sorted((self._expertise(r, total) for r in rows), key=_expertise_order)
        page = domains[offset : offset + size]
        token = ""
        if offset + size < len(domains):
            token = common.encode_token([offset + size], query)
        return page, token

    @staticmethod
    def _expertise(row: Any, total: int) -> DomainExpertise:
        counts = {
            MemoryLayer.EVENT: int(row["events"]),
            MemoryLayer.FACT: int(row["facts"]),
            MemoryLayer.TASK: int(row["tasks"]),
            MemoryLayer.GOAL: int(row["goals"]),
        }
        success, failure, partial = int(row["success"]), int(row["failure"]), int(row["partial"])
        attempts = success + failure + partial
        return DomainExpertise(
            domain=row["domain"],
            expertise=scoring.expertise(success + 0.5 * partial, attempts),
            coverage=sum(counts.values()) / total if total else 0.0,
            memory_count_by_layer={k: v for k, v in counts.items() if v},
            success_count=success,
            failure_count=failure,
            partial_count=partial,
            mean_usefulness=float(row["mean_usefulness"] or scoring.PRIOR_USEFULNESS),
            last_activity_time=row["last_time"],
        )

    async def quality(self, project: str, layers: Sequence[MemoryLayer] = ()) -> list[LayerQuality]:
        """Quality statistics per layer, in MemoryLayer order."""
        now = datetime.now(UTC)
        async with self._db.connection() as conn:
            sizes = {r["layer"]: r for r in await conn.fetch(self._q.memory_layer_sizes, project)}
            usage = {
                r["layer"]: r
                for r in await conn.fetch(
                    self._q.memory_layer_usage, project, now - RECENT, now, self._half_life
                )
            }
        out = []
        for layer in MemoryLayer:
            if layers and layer not in layers:
                continue
            size, use = sizes.get(layer.value), usage.get(layer.value)
            count = int(size["n"]) if size else 0
            accessed = int(use["accessed"]) if use else 0
            out.append(
                LayerQuality(
                    layer=layer,
                    item_count=count,
                    accessed_count=accessed,
                    recently_accessed_count=int(use["recent"]) if use else 0,
                    never_accessed_ratio=max(count - accessed, 0) / count if count else 0.0,
                    rated_count=int(use["rated"]) if use else 0,
                    mean_usefulness=float(
                        use["mean_usefulness"]
                        if use and use["mean_usefulness"] is not None
                        else scoring.PRIOR_USEFULNESS
                    ),
                    low_usefulness_count=int(use["low"]) if use else 0,
                    mean_confidence=float(size["mean_confidence"]) if size else 0.0,
                    mean_access_score=float(use["mean_access_score"] or 0) if use else 0.0,
                )
            )
        return out


def _expertise_order(d: DomainExpertise) -> tuple[float, str]:
    return (-d.expertise, d.domain)
