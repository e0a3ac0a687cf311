"""The knowledge graph: entities, relations, walks over them, and links drawn from events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from athena import audit
from athena.errors import (
    CommunityNotFound,
    EntityNotFound,
    EventNotFound,
    FieldViolation,
    InvalidArgument,
    RelationNotFound,
)
from athena.graph import communities, traversal
from athena.graph.models import (
    Community,
    CommunityRun,
    Direction,
    Entity,
    EventLink,
    Neighbor,
    NewEntity,
    NewRelation,
    Relation,
    RelationFilter,
    ScoredEntity,
    TraversalFilter,
    name_key,
)
from athena.ids import uuid7
from athena.memory.paging import fingerprint
from athena.projects import Projects
from athena.semantic import page_tokens
from athena.storage import Database, Queries

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def _page_size(requested: int) -> int:
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def row_to_entity(row: asyncpg.Record) -> Entity:
    return Entity(
        id=row["id"],
        name=row["name"],
        type=row["type"],
        description=row["description"],
        properties=json.loads(row["properties"]),
        aliases=tuple(row["aliases"]),
        create_time=row["create_time"],
        update_time=row["update_time"],
    )


def row_to_relation(row: asyncpg.Record) -> Relation:
    return Relation(
        id=row["id"],
        source_id=row["source_id"],
        target_id=row["target_id"],
        type=row["type"],
        weight=float(row["weight"]),
        properties=json.loads(row["properties"]),
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        source_event_ids=tuple(row["source_event_ids"]),
        create_time=row["create_time"],
        update_time=row["update_time"],
    )


def _types(values: Sequence[str], upper: bool = False) -> list[str] | None:
    cleaned = [v.strip().upper() if upper else v.strip().lower() for v in values if v.strip()]
    return cleaned or None


def _uuid_position(token: str, query_id: str) -> uuid.UUID:
    (raw,) = page_tokens.decode(token, query_id, 1)
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidArgument([FieldViolation("page_token", "malformed")]) from exc


class KnowledgeGraph:
    """Entities and relations of one server; every method is scoped to an explicit project."""

    def __init__(self, db: Database, queries: Queries, projects: Projects) -> None:
        self._db = db
        self._q = queries
        self._projects = projects

    # Entities ---------------------------------------------------------------------------------

    async def upsert_entity(self, project: str, new: NewEntity) -> tuple[Entity, bool]:
        """Create the entity or merge into the one with the same name; returns (entity, created)."""
        key = name_key(new.name)
        if not key:
            raise InvalidArgument([FieldViolation("entity.name", "must contain non-blank text")])
        await self._projects.ensure(project)
        aliases = list(dict.fromkeys(a.strip() for a in new.aliases if a.strip()))
        async with self._db.connection() as conn:
            row = await conn.fetchrow(
                self._q.upsert_entity, uuid7(), project, " ".join(new.name.split()), key,
                new.type.strip().lower(), new.description, json.dumps(new.properties), aliases,
                datetime.now(UTC),
            )  # fmt: skip
        assert row is not None
        return row_to_entity(row), bool(row["created"])

    async def get_entity(self, project: str, entity_id: uuid.UUID) -> Entity:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_entity, project, entity_id)
        if row is None:
            raise EntityNotFound(str(entity_id))
        return row_to_entity(row)

    async def get_entities(self, project: str, ids: Sequence[uuid.UUID]) -> list[Entity]:
        """Entities by id in the given order; ids not in the project are left out."""
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.get_entities_by_ids, project, list(ids))
        by_id = {r["id"]: row_to_entity(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def list_entities(
        self, project: str, types: Sequence[str] = (), page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Entity], str]:
        size = _page_size(page_size)
        wanted = _types(types)
        query_id = fingerprint("entities", project, wanted)
        after_key, after_id = None, None
        if page_token:
            after_key, after_id = _text_position(page_token, query_id)
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.list_entities, project, wanted, after_key, after_id, size + 1
            )
        token = ""
        if len(rows) > size:
            last = rows[size - 1]
            token = page_tokens.encode([last["name_key"], str(last["id"])], query_id)
        return [row_to_entity(r) for r in rows[:size]], token

    async def delete_entity(
        self, project: str, entity_id: uuid.UUID, actor: audit.Actor, reason: str = ""
    ) -> None:
        async with self._db.transaction() as conn:
            if await conn.fetchval(self._q.delete_entity, project, entity_id) is None:
                raise EntityNotFound(str(entity_id))
            await audit.record(
                conn, self._q, project, "delete_entity", actor, entity_id=entity_id, reason=reason
            )

    async def search_entities(
        self, project: str, query: str, types: Sequence[str] = (), k: int = 10
    ) -> list[ScoredEntity]:
        """Exact name/alias matches, then fuzzy name and full-text matches."""
        key = name_key(query)
        if not key:
            raise InvalidArgument([FieldViolation("query", "must contain non-blank text")])
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.search_entities, project, key, query, _types(types), k)
        return [ScoredEntity(row_to_entity(r), float(r["score"])) for r in rows]

    # Relations --------------------------------------------------------------------------------

    async def upsert_relation(self, project: str, new: NewRelation) -> tuple[Relation, bool]:
        """Create (source, target, type) or merge into it; returns (relation, created)."""
        kind = new.type.strip().upper()
        if not kind:
            raise InvalidArgument([FieldViolation("relation.type", "must not be blank")])
        if new.valid_from and new.valid_to and new.valid_to <= new.valid_from:
            raise InvalidArgument([FieldViolation("relation.valid_to", "must be after valid_from")])
        now = datetime.now(UTC)
        properties = json.dumps(new.properties)
        async with self._db.transaction() as conn:
            found = {
                r["id"]
                for r in await conn.fetch(
                    self._q.lock_entities, project, [new.source_id, new.target_id]
                )
            }
            for end in (new.source_id, new.target_id):
                if end not in found:
                    raise EntityNotFound(str(end))
            created = False
            existing = await conn.fetchrow(
                self._q.lock_relation_by_key, project, new.source_id, new.target_id, kind
            )
            if existing is None:
                relation_id = await conn.fetchval(
                    self._q.insert_relation, uuid7(), project, new.source_id, new.target_id, kind,
                    1.0 if new.weight is None else new.weight, properties, new.valid_from,
                    new.valid_to, now,
                )  # fmt: skip
                created = relation_id is not None
                if not created:
                    existing = await conn.fetchrow(
                        self._q.lock_relation_by_key, project, new.source_id, new.target_id, kind
                    )
            if existing is not None:
                relation_id = existing["id"]
                valid_from = new.valid_from or existing["valid_from"]
                valid_to = new.valid_to or existing["valid_to"]
                if valid_from and valid_to and valid_to <= valid_from:
                    raise InvalidArgument(
                        [FieldViolation("relation.valid_to", "must be after valid_from")]
                    )
                weight = existing["weight"] if new.weight is None else new.weight
                await conn.execute(
                    self._q.update_relation, project, relation_id, weight, properties,
                    valid_from, valid_to, now,
                )  # fmt: skip
            if new.source_event_ids:
                linked = {
                    r["event_id"]
                    for r in await conn.fetch(
                        self._q.insert_relation_sources,
                        relation_id,
                        project,
                        list(new.source_event_ids),
                    )
                }
                missing = [
                    FieldViolation(f"relation.source_event_ids[{i}]", "no such event in project")
                    for i, e in enumerate(new.source_event_ids)
                    if e not in linked
                ]
                if missing:
                    raise InvalidArgument(missing)
            row = await conn.fetchrow(self._q.get_relation, project, relation_id)
        assert row is not None
        return row_to_relation(row), created

    async def get_relation(self, project: str, relation_id: uuid.UUID) -> Relation:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_relation, project, relation_id)
        if row is None:
            raise RelationNotFound(str(relation_id))
        return row_to_relation(row)

    async def get_relations(self, project: str, ids: Sequence[uuid.UUID]) -> list[Relation]:
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.get_relations_by_ids, project, list(ids))
        by_id = {r["id"]: row_to_relation(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def list_relations(
        self, project: str, f: RelationFilter, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Relation], str]:
        size = _page_size(page_size)
        if f.entity_id is not None:
            await self.get_entity(project, f.entity_id)
        args = (project, f.entity_id, f.direction.value, _types(f.types, upper=True), f.valid_at)
        query_id = fingerprint("relations", args)
        after = _uuid_position(page_token, query_id) if page_token else None
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.list_relations, *args, after, size + 1)
        relations = [row_to_relation(r) for r in rows[:size]]
        token = page_tokens.encode([str(relations[-1].id)], query_id) if len(rows) > size else ""
        return relations, token

    async def delete_relation(self, project: str, relation_id: uuid.UUID) -> None:
        async with self._db.connection() as conn:
            if await conn.fetchval(self._q.delete_relation, project, relation_id) is None:
                raise RelationNotFound(str(relation_id))

    # Walks ------------------------------------------------------------------------------------

    def _stepper(self, project: str, f: TraversalFilter, keep: uuid.UUID | None) -> traversal.Step:
        rel_types = _types(f.relation_types, upper=True)
        ent_types = _types(f.entity_types)

        async def step(frontier: list[uuid.UUID], limit: int) -> list[traversal.Edge]:
            async with self._db.connection() as conn:
                rows = await conn.fetch(
                    self._q.graph_step, project, frontier, f.direction.value, rel_types,
                    ent_types, f.min_weight, f.valid_at, keep, limit,
                )  # fmt: skip
            return [
                traversal.Edge(r["relation_id"], r["from_id"], r["to_id"], float(r["weight"]))
                for r in rows
            ]

        return step

    async def neighbors(
        self,
        project: str,
        entity_id: uuid.UUID,
        depth: int = 1,
        f: TraversalFilter | None = None,
        max_entities: int = 100,
    ) -> tuple[list[Neighbor], list[Relation]]:
        """Entities within `depth` hops, nearest first, and the relations that reached them."""
        await self.get_entity(project, entity_id)
        reached = await traversal.neighbors(
            self._stepper(project, f or TraversalFilter(), None), entity_id, depth, max_entities
        )
        entities = {e.id: e for e in await self.get_entities(project, [r.id for r in reached])}
        relations = await self.get_relations(project, [r.via for r in reached])
        return [
            Neighbor(entities[r.id], r.depth, r.via) for r in reached if r.id in entities
        ], relations

    async def shortest_path(
        self,
        project: str,
        source_id: uuid.UUID,
        target_id: uuid.UUID,
        max_depth: int = 6,
        f: TraversalFilter | None = None,
    ) -> tuple[list[Entity], list[Relation]] | None:
        """Entities and relations of a fewest-hops path, or None when there is none."""
        await self.get_entity(project, source_id)
        await self.get_entity(project, target_id)
        found = await traversal.shortest_path(
            self._stepper(project, f or TraversalFilter(), target_id),
            source_id,
            target_id,
            max_depth,
        )
        if found is None:
            return None
        nodes, edges = found
        return await self.get_entities(project, nodes), await self.get_relations(project, edges)

    # Links drawn from events ------------------------------------------------------------------

    async def _require_event(self, conn: Any, project: str, event_id: uuid.UUID) -> None:
        if not await conn.fetchval(self._q.event_in_project, project, event_id):
            raise EventNotFound(str(event_id))

    async def event_entities(
        self, project: str, event_id: uuid.UUID, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Entity], str]:
        size = _page_size(page_size)
        query_id = fingerprint("event_entities", project, event_id)
        after_key, after_id = None, None
        if page_token:
            after_key, after_id = _text_position(page_token, query_id)
        async with self._db.connection() as conn:
            await self._require_event(conn, project, event_id)
            rows = await conn.fetch(
                self._q.list_event_entities, project, event_id, after_key, after_id, size + 1
            )
        token = ""
        if len(rows) > size:
            last = rows[size - 1]
            token = page_tokens.encode([last["name_key"], str(last["id"])], query_id)
        return [row_to_entity(r) for r in rows[:size]], token

    async def entity_events(
        self, project: str, entity_id: uuid.UUID, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[uuid.UUID], str]:
        size = _page_size(page_size)
        await self.get_entity(project, entity_id)
        query_id = fingerprint("entity_events", project, entity_id)
        before = _uuid_position(page_token, query_id) if page_token else None
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.list_entity_events, project, entity_id, before, size + 1
            )
        ids = [r["event_id"] for r in rows[:size]]
        token = page_tokens.encode([str(ids[-1])], query_id) if len(rows) > size else ""
        return ids, token

    async def event_links(
        self,
        project: str,
        event_id: uuid.UUID,
        successors: bool = False,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[EventLink], str]:
        size = _page_size(page_size)
        query_id = fingerprint("event_links", project, event_id, successors)
        after_type, after_id = None, None
        if page_token:
            after_type, after_id = _text_position(page_token, query_id)
        query = self._q.list_event_successors if successors else self._q.list_event_predecessors
        async with self._db.connection() as conn:
            await self._require_event(conn, project, event_id)
            rows = await conn.fetch(query, project, event_id, after_type, after_id, size + 1)
        links = [
            EventLink(r["event_id"], r["predecessor_id"], r["type"], float(r["weight"]))
            for r in rows[:size]
        ]
        token = ""
        if len(rows) > size:
            last = links[-1]
            other = last.event_id if successors else last.predecessor_id
            token = page_tokens.encode([last.type, str(other)], query_id)
        return links, token


class CommunityStore:
    """Runs community detection and reads its stored results."""

    def __init__(self, db: Database, queries: Queries) -> None:
        self._db = db
        self._q = queries

    async def compute(
        self, project: str, resolution: float = 1.0, seed: int = 1, min_degree: int = 0
    ) -> CommunityRun:
        return await communities.compute(
            self._db, self._q, project, resolution or 1.0, seed or 1, min_degree
        )

    async def list(
        self, project: str, level: int | None = None, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Community], str]:
        size = _page_size(page_size)
        query_id = fingerprint("communities", project, level)
        after: list[Any] = [None, None, None]
        if page_token:
            after = page_tokens.decode(page_token, query_id, 3)
            if not all(isinstance(v, int) for v in after[:2]):
                raise InvalidArgument([FieldViolation("page_token", "malformed")])
            after[2] = _parse_uuid(after[2])
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.list_communities, project, level, *after, size + 1)
        found = [_row_to_community(r) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            last = found[-1]
            token = page_tokens.encode([last.level, last.size, str(last.id)], query_id)
        return found, token

    async def get(self, project: str, community_id: uuid.UUID) -> Community:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_community, project, community_id)
        if row is None:
            raise CommunityNotFound(str(community_id))
        return _row_to_community(row)


def _row_to_community(row: asyncpg.Record) -> Community:
    return Community(
        id=row["id"],
        level=row["level"],
        summary=row["summary"],
        size=row["size"],
        create_time=row["create_time"],
        entity_ids=tuple(row["entity_ids"]) if "entity_ids" in row else (),
    )


def _parse_uuid(raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidArgument([FieldViolation("page_token", "malformed")]) from exc


def _text_position(token: str, query_id: str) -> tuple[str, uuid.UUID]:
    """A (text key, id) keyset position from a page token."""
    key, raw_id = page_tokens.decode(token, query_id, 2)
    if not isinstance(key, str):
        raise InvalidArgument([FieldViolation("page_token", "malformed")])
    return key, _parse_uuid(raw_id)


__all__ = ["CommunityStore", "Direction", "KnowledgeGraph", "row_to_entity", "row_to_relation"]
