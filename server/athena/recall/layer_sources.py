"""Recall sources for the layers other areas own: facts, graph entities and relations, and
prospective tasks and goals. Each adapts that area's own domain object (or, for tasks and goals,
which have no search of their own, a read-only query of their tables) to the source protocol.
Graph proximity, which needs far less than the entity search, reads the graph's tables with a
read-only query of its own (`recall_named_entities`)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from athena.recall.models import Provenance, RecallItem, RecallLayer, RecallQuery, ScoreParts
from athena.storage import Database, Queries

# A fact search returns reciprocal-rank-fusion scores; first in both lists is 2 / 61.
_RRF_BEST = 2.0 / 61.0
# Relations are reached through the entities the query matches; they count a little less.
RELATION_SHARE = 0.8
RELATION_ENTITIES = 3
RELATIONS_PER_ENTITY = 10
# Entities matching the query this well lend graph proximity to the events that mention them.
GRAPH_MIN_SCORE = 0.3
GRAPH_WEIGHT = 0.2
GRAPH_EVENTS_PER_ENTITY = 200


def _in_window(start: datetime | None, end: datetime | None, query: RecallQuery) -> bool:
    """Whether [start, end) overlaps the query's time range (open bounds always overlap)."""
    if query.end_time and start and start >= query.end_time:
        return False
    return not (query.start_time and end and end <= query.start_time)


class FactsSource:
    """Semantic facts through SemanticMemory.search (current versions only)."""

    layers = (RecallLayer.FACT,)

    def __init__(self, facts: Any) -> None:
        self._facts = facts

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        if query.session_id:  # facts are not session-scoped
            return []
        hits = await self._facts.search(project, query.text, limit)
        items = []
        for hit in hits:
            fact = hit.fact
            if not _in_window(fact.valid_from, fact.valid_to, query):
                continue
            items.append(
                RecallItem(
                    layer=RecallLayer.FACT,
                    id=str(fact.id),
                    text=f"[{fact.valid_from:%Y-%m-%d}] fact: {fact.content}",
                    relevance=min(1.0, hit.score / _RRF_BEST),
                    parts=ScoreParts(
                        text=hit.text_score,
                        vector=hit.vector_score,
                        text_rank=hit.text_rank,
                        vector_rank=hit.vector_rank,
                        usefulness=0.2 * (fact.usefulness - 0.5),
                    ),
                    time=fact.valid_from,
                    provenance=Provenance(
                        source_event_ids=tuple(str(e) for e in fact.source_event_ids)
                    ),
                    importance=fact.confidence,
                    payload=fact,
                )
            )
        return items


class GraphSource:
    """Entities matching the query and the relations around the best of them."""

    layers = (RecallLayer.ENTITY, RecallLayer.RELATION)

    def __init__(self, graph: Any, db: Database, queries: Queries) -> None:
        self._graph = graph
        self._db = db
        self._q = queries

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        if query.session_id:
            return []
        from athena.graph.models import RelationFilter

        hits = await self._graph.search_entities(project, query.text, k=limit)
        items: list[RecallItem] = []
        if RecallLayer.ENTITY in layers:
            for hit in hits:
                e = hit.entity
                about = f" - {e.description}" if e.description else ""
                items.append(
                    RecallItem(
                        layer=RecallLayer.ENTITY,
                        id=str(e.id),
                        text=f"entity {e.name} ({e.type}){about}",
                        relevance=float(hit.score),
                        parts=ScoreParts(text=float(hit.score), text_rank=len(items) + 1),
                        time=e.update_time,
                        payload=e,
                    )
                )
        if RecallLayer.RELATION not in layers:
            return items
        anchors = [h for h in hits if h.score >= GRAPH_MIN_SCORE][:RELATION_ENTITIES]
        found = await asyncio.gather(
            *(
                self._graph.list_relations(
                    project, RelationFilter(entity_id=h.entity.id), RELATIONS_PER_ENTITY
                )
                for h in anchors
            )
        )
        relations = {}
        for hit, (listed, _) in zip(anchors, found, strict=True):
            for r in listed:
                if r.id not in relations and _in_window(r.valid_from, r.valid_to, query):
                    relations[r.id] = (r, hit.score * RELATION_SHARE)
        ends = {i for r, _ in relations.values() for i in (r.source_id, r.target_id)}
        names = {e.id: e.name for e in await self._graph.get_entities(project, list(ends))}
        for r, relevance in relations.values():
            items.append(
                RecallItem(
                    layer=RecallLayer.RELATION,
                    id=str(r.id),
                    text=f"{names.get(r.source_id, '?')} {r.type} {names.get(r.target_id, '?')}",
                    relevance=relevance,
                    parts=ScoreParts(context=relevance),
                    time=r.valid_from or r.update_time,
                    provenance=Provenance(
                        source_event_ids=tuple(str(e) for e in r.source_event_ids)
                    ),
                    payload=r,
                )
            )
        return items

    async def proximity(self, project: str, text: str, limit: int) -> dict[str, float]:
        """Graph boost per event id for the events that mention an entity the query names.

        Depends on the query alone, so recall runs it beside the sources. Only names and aliases
        count (exactly or by trigram similarity, scored as the entity search scores them): a
        query sharing words with an entity's description does not name it, and ranking every
        such description cost more than the rest of an events recall."""
        from athena.graph.models import name_key

        key = name_key(text)
        if not key:
            return {}
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.recall_named_entities,
                project,
                key,
                text,
                GRAPH_MIN_SCORE,
                RELATION_ENTITIES,
                GRAPH_EVENTS_PER_ENTITY,
            )
        return {str(r["event_id"]): GRAPH_WEIGHT * float(r["score"]) for r in rows}


class PlanningSource:
    """Prospective tasks and goals by full text over title and description."""

    layers = (RecallLayer.TASK, RecallLayer.GOAL)

    def __init__(self, db: Database, queries: Queries) -> None:
        self._db = db
        self._q = queries

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        if query.session_id:
            return []
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.recall_planning,
                project,
                query.text,
                [layer.value for layer in layers],
                query.start_time,
                query.end_time,
                limit,
            )
        best = max((float(r["score"]) for r in rows), default=0.0)
        items = []
        for rank, r in enumerate(rows, start=1):
            layer = RecallLayer(r["layer"])
            due = f", due {r['due_time']:%Y-%m-%d %H:%M}" if r["due_time"] else ""
            detail = f" - {r['description']}" if r["description"] else ""
            relevance = float(r["score"]) / best if best else 0.0
            items.append(
                RecallItem(
                    layer=layer,
                    id=str(r["id"]),
                    text=f"{layer.value} [{r['status']}{due}] {r['title']}{detail}",
                    relevance=relevance,
                    parts=ScoreParts(text=relevance, text_rank=rank),
                    time=r["due_time"],
                    importance=int(r["priority"]) / 100.0,
                    payload=uuid.UUID(str(r["id"])),
                )
            )
        return items
