"""Semantic memory: versioned facts with provenance, validity windows and contradiction checks."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Collection, Sequence
from dataclasses import astuple, replace
from datetime import UTC, datetime
from typing import Any

import asyncpg

from athena import audit
from athena.embeddings import Embedder
from athena.errors import (
    FactNotFound,
    FactSuperseded,
    FieldViolation,
    InvalidArgument,
    RequestIdReused,
)
from athena.ids import uuid7
from athena.memory import SearchMode
from athena.memory.episodic import normalise_tags
from athena.memory.fusion import rrf
from athena.memory.paging import fingerprint
from athena.memory.term_stats import tsquery_or
from athena.projects import Projects
from athena.semantic import page_tokens
from athena.semantic.conflicts import find_conflicts
from athena.semantic.models import (
    METADATA_FIELDS,
    STATEMENT_FIELDS,
    Fact,
    FactFilter,
    NewFact,
    ScoredFact,
    WriteResult,
)
from athena.storage import Database, Queries

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_CREATE = "create_fact"


def row_to_fact(row: asyncpg.Record) -> Fact:
    return Fact(
        id=row["id"],
        lineage_id=row["lineage_id"],
        version=row["version"],
        supersedes_id=row["supersedes_id"],
        subject=row["subject"],
        predicate=row["predicate"],
        content=row["content"],
        domain=row["domain"],
        tags=tuple(row["tags"]),
        confidence=float(row["confidence"]),
        usefulness=float(row["usefulness"]),
        source_event_ids=tuple(row["source_event_ids"]),
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        create_time=row["create_time"],
        update_time=row["update_time"],
        superseded_time=row["superseded_time"],
    )


def _filter_args(project: str, f: FactFilter) -> tuple[Any, ...]:
    return (
        project,
        f.subject.strip().lower() or None,
        f.predicate or None,
        f.domain or None,
        list(normalise_tags(f.tags)) or None,
        f.min_confidence or None,
        f.as_of_time,
        f.valid_at,
        f.include_superseded,
        f.source_event_id,
    )


def _check_window(valid_from: datetime, valid_to: datetime | None, path: str) -> None:
    if valid_to is not None and valid_to <= valid_from:
        raise InvalidArgument([FieldViolation(f"{path}.valid_to", "must be after valid_from")])


def _check_masked(changes: NewFact, paths: set[str]) -> None:
    """The NewFact rules for the fields an update changes (the schema cannot know the mask)."""
    bad: list[FieldViolation] = []

    def text(name: str, limit: int, required: bool = False, in_bytes: bool = False) -> None:
        if name not in paths:
            return
        value = getattr(changes, name)
        size = len(value.encode()) if in_bytes else len(value)
        if required and not value.strip():
            bad.append(FieldViolation(f"fact.{name}", "must not be empty"))
        elif size > limit:
            bad.append(FieldViolation(f"fact.{name}", f"must be at most {limit} long"))

    text("subject", 512, required=True)
    text("content", 16384, required=True, in_bytes=True)
    text("predicate", 256)
    text("domain", 128)
    for name in ("confidence", "usefulness"):
        if name in paths and not 0 <= getattr(changes, name) <= 1:
            bad.append(FieldViolation(f"fact.{name}", "must be between 0 and 1"))
    if "tags" in paths:
        if len(changes.tags) > 32:
            bad.append(FieldViolation("fact.tags", "at most 32 tags"))
        bad.extend(
            FieldViolation(f"fact.tags[{i}]", "must be 1-64 characters")
            for i, tag in enumerate(changes.tags)
            if not 1 <= len(tag) <= 64
        )
    if "source_event_ids" in paths and len(changes.source_event_ids) > 100:
        bad.append(FieldViolation("fact.source_event_ids", "at most 100 events"))
    if bad:
        raise InvalidArgument(bad)


def _payload_hash(fact: NewFact) -> bytes:
    return hashlib.sha256((_CREATE + repr(astuple(fact))).encode()).digest()


def _statement_text(subject: str, content: str) -> str:
    return f"{subject} {content}"


class SemanticMemory:
    """The fact layer of one server; every method is scoped to an explicit project."""

    def __init__(
        self, db: Database, queries: Queries, embedder: Embedder, projects: Projects
    ) -> None:
        self._db = db
        self._q = queries
        self._embedder = embedder
        self._projects = projects

    async def _conflicts(
        self,
        conn: Any,
        project: str,
        subject: str,
        predicate: str,
        content: str,
        window: tuple[datetime, datetime | None],
        lineage: uuid.UUID | None,
    ) -> list[Fact]:
        rows = await conn.fetch(
            self._q.facts_about_subject, project, subject.strip().lower(), *window, lineage
        )
        return find_conflicts(predicate, content, [row_to_fact(r) for r in rows])

    async def _link_sources(
        self, conn: Any, project: str, fact_id: uuid.UUID, sources: Sequence[uuid.UUID], path: str
    ) -> None:
        if not sources:
            return
        linked = {
            r["event_id"]
            for r in await conn.fetch(self._q.insert_fact_sources, fact_id, project, list(sources))
        }
        missing = [
            FieldViolation(f"{path}.source_event_ids[{i}]", "no such event in this project")
            for i, event_id in enumerate(sources)
            if event_id not in linked
        ]
        if missing:
            raise InvalidArgument(missing)

    async def create(
        self, project: str, new: NewFact, request_id: str = "", validate_only: bool = False
    ) -> WriteResult:
        """Store version 1 of a new fact; report the current facts it contradicts."""
        now = datetime.now(UTC)
        valid_from = new.valid_from or now
        _check_window(valid_from, new.valid_to, "fact")
        if validate_only:
            async with self._db.connection() as conn:
                conflicts = await self._conflicts(
                    conn, project, new.subject, new.predicate, new.content,
                    (valid_from, new.valid_to), None,
                )  # fmt: skip
            return WriteResult(fact=None, conflicts=conflicts)
        await self._projects.ensure(project)
        fact_id = uuid7()
        vector = self._embedder.embed([_statement_text(new.subject, new.content)])[0]
        async with self._db.transaction() as conn:
            if request_id:
                digest = _payload_hash(new)
                claimed = await conn.fetchval(
                    self._q.claim_request_id, project, request_id, _CREATE, digest, [fact_id]
                )
                if claimed is None:
                    prior = await conn.fetchrow(self._q.get_request_id, project, request_id)
                    assert prior is not None
                    if prior["operation"] != _CREATE or bytes(prior["payload_hash"]) != digest:
                        raise RequestIdReused(request_id)
                    row = await conn.fetchrow(self._q.get_fact, project, prior["result_ids"][0])
                    if row is None:
                        # Deleted since the original request: like an event replay, it is absent.
                        return WriteResult(fact=None, conflicts=[], replayed=True)
                    stored = row_to_fact(row)
                    conflicts = await self._conflicts(
                        conn, project, stored.subject, stored.predicate, stored.content,
                        (stored.valid_from, stored.valid_to), stored.lineage_id,
                    )  # fmt: skip
                    return WriteResult(fact=stored, conflicts=conflicts, replayed=True)
            conflicts = await self._conflicts(
                conn, project, new.subject, new.predicate, new.content,
                (valid_from, new.valid_to), None,
            )  # fmt: skip
            await conn.fetchrow(
                self._q.insert_fact, fact_id, project, fact_id, 1, None, new.subject,
                new.predicate, new.content, new.domain, list(normalise_tags(new.tags)),
                new.confidence, new.usefulness, valid_from, new.valid_to, now, vector,
            )  # fmt: skip
            await self._link_sources(conn, project, fact_id, new.source_event_ids, "fact")
            row = await conn.fetchrow(self._q.get_fact, project, fact_id)
        assert row is not None
        return WriteResult(fact=row_to_fact(row), conflicts=conflicts)

    async def get(self, project: str, fact_id: uuid.UUID) -> Fact:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_fact, project, fact_id)
        if row is None:
            raise FactNotFound(str(fact_id))
        return row_to_fact(row)

    async def get_many(self, project: str, ids: Sequence[uuid.UUID]) -> list[Fact]:
        """Facts by id in the given order; ids not in the project are left out."""
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.get_facts_by_ids, project, list(ids))
        by_id = {r["id"]: row_to_fact(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def update(
        self, project: str, fact_id: uuid.UUID, changes: NewFact, mask: Collection[str]
    ) -> WriteResult:
        """Apply the masked fields; statement changes create a superseding version."""
        paths = set(mask)
        unknown = sorted(paths - STATEMENT_FIELDS - METADATA_FIELDS)
        if not paths or unknown:
            raise InvalidArgument(
                [
                    FieldViolation(
                        "update_mask",
                        f"unknown field(s) {', '.join(unknown)}" if unknown else "name a field",
                    )
                ]
            )
        _check_masked(changes, paths)
        now = datetime.now(UTC)
        old = await self.get(project, fact_id)
        merged = replace(
            old,
            **{
                name: (tuple(getattr(changes, name)) if name in ("tags", "source_event_ids")
                       else getattr(changes, name))
                for name in paths
            },
        )  # fmt: skip
        if "valid_from" in paths and merged.valid_from is None:
            merged = replace(merged, valid_from=now)
        _check_window(merged.valid_from, merged.valid_to, "fact")
        supersede = bool(paths & STATEMENT_FIELDS) and any(
            getattr(merged, name) != getattr(old, name) for name in STATEMENT_FIELDS
        )
        vector = None
        if supersede:
            vector = self._embedder.embed([_statement_text(merged.subject, merged.content)])[0]
        async with self._db.transaction() as conn:
            locked = await conn.fetchrow(self._q.lock_fact, project, fact_id)
            if locked is None:
                raise FactNotFound(str(fact_id))
            if locked["superseded_time"] is not None:
                current = await conn.fetchval(
                    self._q.current_fact_of_lineage, project, locked["lineage_id"]
                )
                raise FactSuperseded(str(fact_id), str(current))
            target = fact_id
            tags = list(normalise_tags(merged.tags))
            if supersede:
                target = uuid7()
                await conn.execute(self._q.supersede_fact, project, fact_id, now)
                await conn.fetchrow(
                    self._q.insert_fact, target, project, old.lineage_id, locked["version"] + 1,
                    fact_id, merged.subject, merged.predicate, merged.content, merged.domain, tags,
                    merged.confidence, merged.usefulness, merged.valid_from, merged.valid_to, now,
                    vector,
                )  # fmt: skip
                if "source_event_ids" not in paths:
                    await conn.execute(self._q.copy_fact_sources, fact_id, target)
            else:
                await conn.execute(
                    self._q.update_fact_in_place, project, fact_id, merged.domain, tags,
                    merged.confidence, merged.usefulness, now,
                )  # fmt: skip
                if "source_event_ids" in paths:
                    await conn.execute(self._q.clear_fact_sources, fact_id)
            if "source_event_ids" in paths:
                await self._link_sources(conn, project, target, merged.source_event_ids, "fact")
            conflicts = await self._conflicts(
                conn, project, merged.subject, merged.predicate, merged.content,
                (merged.valid_from, merged.valid_to), old.lineage_id,
            )  # fmt: skip
            row = await conn.fetchrow(self._q.get_fact, project, target)
        assert row is not None
        return WriteResult(fact=row_to_fact(row), conflicts=conflicts, superseded=supersede)

    async def delete(
        self, project: str, fact_id: uuid.UUID, actor: audit.Actor, reason: str = ""
    ) -> tuple[uuid.UUID, int]:
        """Delete every version of the fact; returns (lineage id, versions deleted)."""
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.delete_fact_lineage, project, fact_id)
            if row is None:
                raise FactNotFound(str(fact_id))
            await audit.record(
                conn, self._q, project, "delete_fact", actor,
                fact_id=fact_id, lineage_id=row["lineage_id"], versions=row["n"], reason=reason,
            )  # fmt: skip
        return row["lineage_id"], int(row["n"])

    async def list(
        self, project: str, fact_filter: FactFilter, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Fact], str]:
        """One page of facts, most recently stored first, and the next page's token."""
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        args = _filter_args(project, fact_filter)
        query_id = fingerprint("facts", args)
        after_time: datetime | None = None
        after_id: uuid.UUID | None = None
        if page_token:
            stamp, ident = page_tokens.decode(page_token, query_id, 2)
            try:
                after_time, after_id = datetime.fromisoformat(stamp), uuid.UUID(ident)
            except (TypeError, ValueError) as exc:
                raise InvalidArgument([FieldViolation("page_token", "malformed")]) from exc
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.list_facts, *args, after_time, after_id, size + 1)
        facts = [row_to_fact(r) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            last = facts[-1]
            token = page_tokens.encode([last.create_time.isoformat(), str(last.id)], query_id)
        return facts, token

    async def versions(
        self, project: str, fact_id: uuid.UUID, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Fact], str]:
        """Every version of the fact `fact_id` belongs to, newest first."""
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        fact = await self.get(project, fact_id)
        query_id = fingerprint("fact_versions", project, fact.lineage_id)
        below = None
        if page_token:
            (below,) = page_tokens.decode(page_token, query_id, 1)
            if not isinstance(below, int):
                raise InvalidArgument([FieldViolation("page_token", "malformed")])
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.list_fact_versions, project, fact.lineage_id, below, size + 1
            )
        facts = [row_to_fact(r) for r in rows[:size]]
        token = page_tokens.encode([facts[-1].version], query_id) if len(rows) > size else ""
        return facts, token

    async def search(
        self,
        project: str,
        query: str,
        k: int = 10,
        fact_filter: FactFilter | None = None,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> list[ScoredFact]:
        """Hybrid search: full-text and vector candidates fused by reciprocal rank."""
        if not query.strip():
            raise InvalidArgument([FieldViolation("query", "must contain non-blank text")])
        args = _filter_args(project, fact_filter or FactFilter())
        candidates = max(k * 4, 40)
        text, vector = await asyncio.gather(
            self._text_candidates(args, query, candidates)
            if mode in (SearchMode.HYBRID, SearchMode.FULL_TEXT)
            else _nothing(),
            self._vector_candidates(args, query, candidates)
            if mode in (SearchMode.HYBRID, SearchMode.VECTOR)
            else _nothing(),
        )
        fused = rrf(text, vector)[:k]
        by_id = {f.id: f for f in await self.get_many(project, [f.id for f in fused])}
        return [
            ScoredFact(
                fact=by_id[f.id],
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
            if not lexemes:
                return []
            rows = await conn.fetch(
                self._q.search_facts_text, *args, tsquery_or(tuple(lexemes)), limit
            )
        return [(r["id"], float(r["score"])) for r in rows]

    async def _vector_candidates(
        self, args: tuple[Any, ...], query: str, limit: int
    ) -> list[tuple[uuid.UUID, float]]:
        query_vector = self._embedder.embed([query])[0]
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.search_facts_vector, *args, query_vector, limit)
        return [(r["id"], float(r["score"])) for r in rows]


async def _nothing() -> list[tuple[uuid.UUID, float]]:
    return []
