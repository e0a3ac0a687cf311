"""Recall sources for the layers other areas own: facts, graph entities and relations, and
prospective tasks and goals. Each reads those tables with read-only queries of its own
(`recall_facts`, `recall_entities`, `recall_relations`, `recall_named_entities`, `recall_graph`,
`recall_planning`): facts ranked as the semantic area's search ranks them but in one round trip
instead of four, the graph layers and graph proximity with less than the graph's search and
listings need (and in fewer round trips), tasks and goals, which have no search of their own."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Any

from athena.embeddings import Embedder
from athena.recall.models import (
    Detail,
    Provenance,
    RecallItem,
    RecallLayer,
    RecallQuery,
    ScoreParts,
)
from athena.storage import Database, Queries

# Facts are fused by reciprocal rank; first in both lists is 2 / 61. Each list offers as many
# candidates as SemanticMemory.search takes for the recall's k, so the first k facts are the
# search's k; the source's overfetch beyond k comes from the same lists. Sized by the source's
# limit instead (3 k), the lists held 120 facts at k = 10: the vector side then searched the
# HNSW graph three times over (ef_search is 40), 2.5 of the statement's ~7 ms at 10k facts.
_RRF_BEST = 2.0 / 61.0
FACT_CANDIDATES_PER_RESULT = 4
MIN_FACT_CANDIDATES = 40
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
    """Current semantic facts, ranked as SemanticMemory.search ranks them (full text and vectors
    fused by reciprocal rank), in one statement (`recall_facts`)."""

    layers = (RecallLayer.FACT,)

    def __init__(self, db: Database, queries: Queries, embedder: Embedder) -> None:
        self._db = db
        self._q = queries
        self._embedder = embedder

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        if query.session_id:  # facts are not session-scoped
            return []
        vector = self._embedder.embed([query.text])[0]
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.recall_facts,
                project,
                query.text,
                vector,
                max(query.k * FACT_CANDIDATES_PER_RESULT, MIN_FACT_CANDIDATES),
                limit,
            )
        # The best full-text score is the statement's, the same on every row.
        best_text = float(rows[0]["best_text_score"] or 0.0) if rows else 0.0
        items = []
        for r in rows:
            if not _in_window(r["valid_from"], r["valid_to"], query):
                continue
            items.append(
                RecallItem(
                    RecallLayer.FACT,
                    str(r["id"]),
                    min(1.0, float(r["fused_score"]) / _RRF_BEST),
                    ScoreParts(
                        text=float(r["text_score"]) / best_text if best_text else 0.0,
                        vector=float(r["vector_score"]),
                        text_rank=int(r["text_rank"]),
                        vector_rank=int(r["vector_rank"]),
                        usefulness=0.2 * (float(r["usefulness"]) - 0.5),
                    ),
                    partial(_fact_detail, r),
                    time=r["valid_from"],
                    importance=float(r["confidence"]),
                )
            )
        return items


def _fact_detail(row: Any) -> Detail:
    from athena.semantic.facts import row_to_fact

    fact = row_to_fact(row)
    provenance = Provenance(source_event_ids=tuple(str(e) for e in fact.source_event_ids))
    return Detail(f"[{fact.valid_from:%Y-%m-%d}] fact: {fact.content}", provenance, fact)


class GraphSource:
    """Entities matching the query and the relations around the best of them; graph proximity
    for events, with those layers in one statement when both are wanted."""

    layers = (RecallLayer.ENTITY, RecallLayer.RELATION)

    def __init__(self, db: Database, queries: Queries) -> None:
        self._db = db
        self._q = queries

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        from athena.graph.models import name_key

        key = name_key(query.text)
        if query.session_id or not key:
            return []
        async with self._db.connection() as conn:
            hits = await conn.fetch(self._q.recall_entities, project, key, query.text, limit)
            return await self._items(conn, project, query, layers, hits)

    async def proximity(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> tuple[dict[str, float], list[RecallItem]]:
        """Graph boost per event id for the events that mention an entity the query names, and
        the items of `layers` (the graph's layers, answered from the same entity search).

        Depends on the query alone, so recall runs it beside the sources. Only names and aliases
        count (exactly or by trigram similarity, scored as the entity search scores them): a
        query sharing words with an entity's description does not name it, and ranking every
        such description cost more than the rest of an events recall."""
        from athena.graph.models import name_key

        key = name_key(query.text)
        if not key:
            return {}, []
        named = (project, key, query.text)
        near = (GRAPH_MIN_SCORE, RELATION_ENTITIES, GRAPH_EVENTS_PER_ENTITY)
        async with self._db.connection() as conn:
            if not layers or query.session_id:  # the graph layers are not session-scoped
                return _boosts(await conn.fetch(self._q.recall_named_entities, *named, *near)), []
            rows = await conn.fetch(self._q.recall_graph, *named, limit, *near)
            hits = [r for r in rows if r["kind"] == "entity"]
            items = await self._items(conn, project, query, layers, hits)
        return _boosts([r for r in rows if r["kind"] == "near"]), items

    async def _items(
        self,
        conn: Any,
        project: str,
        query: RecallQuery,
        layers: frozenset[RecallLayer],
        hits: list[Any],
    ) -> list[RecallItem]:
        """The entity items of `hits` (best first) and the relations around the best of them,
        read on the entity search's connection (they need its ranking)."""
        anchors = [h for h in hits if h["score"] >= GRAPH_MIN_SCORE][:RELATION_ENTITIES]
        rows = (
            await conn.fetch(
                self._q.recall_relations, project, [h["id"] for h in anchors], RELATIONS_PER_ENTITY
            )
            if anchors and RecallLayer.RELATION in layers
            else []
        )
        items: list[RecallItem] = []
        if RecallLayer.ENTITY in layers:
            for rank, hit in enumerate(hits, start=1):
                score = float(hit["score"])
                items.append(
                    RecallItem(
                        RecallLayer.ENTITY,
                        str(hit["id"]),
                        score,
                        ScoreParts(text=score, text_rank=rank),
                        partial(_entity_detail, hit),
                        time=hit["update_time"],
                    )
                )
        seen: set[str] = set()
        for r in rows:
            rid = str(r["id"])
            if rid in seen or not _in_window(r["valid_from"], r["valid_to"], query):
                continue
            seen.add(rid)
            relevance = float(anchors[r["anchor"] - 1]["score"]) * RELATION_SHARE
            items.append(
                RecallItem(
                    RecallLayer.RELATION,
                    rid,
                    relevance,
                    ScoreParts(context=relevance),
                    partial(_relation_detail, r),
                    time=r["valid_from"] or r["update_time"],
                )
            )
        return items


def _entity_detail(row: Any) -> Detail:
    from athena.graph.knowledge import row_to_entity

    e = row_to_entity(row)
    about = f" - {e.description}" if e.description else ""
    return Detail(f"entity {e.name} ({e.type}){about}", payload=e)


def _relation_detail(row: Any) -> Detail:
    from athena.graph.knowledge import row_to_relation

    relation = row_to_relation(row)
    provenance = Provenance(source_event_ids=tuple(str(e) for e in relation.source_event_ids))
    text = f"{row['source_name']} {relation.type} {row['target_name']}"
    return Detail(text, provenance, relation)


def _boosts(rows: list[Any]) -> dict[str, float]:
    """Graph boost per event id from (score, event ids) rows: an event linked to several named
    entities takes the best score."""
    boosts: dict[str, float] = {}
    for r in rows:
        weight = GRAPH_WEIGHT * r["score"]
        for event_id in r["event_ids"]:
            if boosts.get(event_id, 0.0) < weight:
                boosts[event_id] = weight
    return boosts


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
            relevance = float(r["score"]) / best if best else 0.0
            items.append(
                RecallItem(
                    RecallLayer(r["layer"]),
                    str(r["id"]),
                    relevance,
                    ScoreParts(text=relevance, text_rank=rank),
                    partial(_plan_detail, r),
                    time=r["due_time"],
                    importance=int(r["priority"]) / 100.0,
                )
            )
        return items


def _plan_detail(row: Any) -> Detail:
    due = f", due {row['due_time']:%Y-%m-%d %H:%M}" if row["due_time"] else ""
    detail = f" - {row['description']}" if row["description"] else ""
    text = f"{row['layer']} [{row['status']}{due}] {row['title']}{detail}"
    return Detail(text, payload=uuid.UUID(str(row["id"])))
