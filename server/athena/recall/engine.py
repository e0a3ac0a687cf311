"""Recall across layers: ask each layer's source, boost, rank together, fit the token budget."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from functools import partial

from athena.errors import FieldViolation, InvalidArgument
from athena.recall.budget import pack
from athena.recall.models import RecallItem, RecallLayer, RecallOutcome, RecallQuery
from athena.recall.sources import RecallSource
from athena.recall.temporal import is_temporal, recency

MAX_K = 100
# Sources return a few times k so that boosts can reorder before the cut.
OVERFETCH = 3
MIN_FETCH = 30
# Boost weights: relevance is multiplied by 1 + the sum of these parts. Kept small: they break
# ties between comparably relevant memories, they do not let an irrelevant one win.
RECENCY_WEIGHT = 0.1
IMPORTANCE_WEIGHT = 0.2

# Optional hooks other areas provide: usefulness (meta-memory) and graph proximity.
#
# Usefulness is given (project, query text, contenders) and answers a boost part per item id.
# It reads a statistic per item, so it does not take every candidate: it calls
# `contenders(low, high)` with the range its parts lie in (which must hold 0, a neutral item's
# part) and is told which items such a part could still lift into the results.
Contenders = Callable[[float, float], list[RecallItem]]
Booster = Callable[[str, str, Contenders], Awaitable[dict[str, float]]]
# Graph proximity gives a part per event id in [0, 1] from (project, query, layers, limit), so
# that it runs alongside the sources instead of after them. It searches the entities a query
# names, as the graph's own layers do: it is also given the graph layers wanted (of those it was
# registered with) and answers them in the same call, which the sources are then not asked for.
Proximity = Callable[
    [str, RecallQuery, frozenset[RecallLayer], int],
    Awaitable[tuple[dict[str, float], list[RecallItem]]],
]
# Told (project, session id, returned items) after a recall that asked to count them as used.
Recalled = Callable[[str, str, Sequence[RecallItem]], None]


class Recall:
    """The unified recall of one server; every call is scoped to an explicit project."""

    def __init__(self, sources: Sequence[RecallSource]) -> None:
        self._sources = list(sources)
        self._usefulness: Booster | None = None
        self._graph: Proximity | None = None
        self._graph_layers: frozenset[RecallLayer] = frozenset()
        self._on_recalled: Recalled | None = None

    @property
    def layers(self) -> frozenset[RecallLayer]:
        """Every layer some source answers for."""
        return frozenset(layer for s in self._sources for layer in s.layers)

    def add_source(self, source: RecallSource) -> None:
        self._sources.append(source)

    def set_boosters(
        self,
        usefulness: Booster | None = None,
        graph: Proximity | None = None,
        on_recalled: Recalled | None = None,
        graph_layers: Sequence[RecallLayer] = (),
    ) -> None:
        self._usefulness = usefulness or self._usefulness
        if graph:
            self._graph, self._graph_layers = graph, frozenset(graph_layers)
        self._on_recalled = on_recalled or self._on_recalled

    async def recall(self, project: str, query: RecallQuery) -> RecallOutcome:
        if not query.text.strip():
            raise InvalidArgument([FieldViolation("query", "must contain non-blank text")])
        if not 1 <= query.k <= MAX_K:
            raise InvalidArgument([FieldViolation("k", f"must be between 1 and {MAX_K}")])
        if query.start_time and query.end_time and query.start_time >= query.end_time:
            raise InvalidArgument(
                [FieldViolation("time_range", "start_time must be before end_time")]
            )
        wanted = frozenset(query.layers) or self.layers
        limit = max(query.k * OVERFETCH, MIN_FETCH)
        graph = self._graph if RecallLayer.EVENT in wanted else None
        answered = wanted & self._graph_layers if graph else frozenset()
        now = datetime.now(UTC)
        events, others = [], []
        for source in self._sources:
            layers = (wanted - answered) & frozenset(source.layers)
            if layers:
                # Events are scored once graph proximity is in; every other layer as soon as
                # its sources are, so that its usefulness lookup runs beside the events chain
                # (the longest) instead of after it. Each group's contenders hold the recall's.
                group = events if RecallLayer.EVENT in layers else others
                group.append(source.recall(project, query, layers, limit))
        joint = graph(project, query, answered, limit) if graph else _none()

        async def other_layers() -> tuple[dict[str, float], list[RecallItem]]:
            (near, graph_items), *batches = await asyncio.gather(joint, *others)
            scored = graph_items + [item for batch in batches for item in batch]
            await self._boost(project, query, scored, {}, now)
            return near, scored

        (near_events, scored), *batches = await asyncio.gather(other_layers(), *events)
        items = [item for batch in batches for item in batch]
        await self._boost(project, query, items, near_events, now)
        items += scored
        # A layer is a StrEnum: it orders as its value does, without reading it.
        items.sort(key=lambda item: (-item.score, item.layer, item.id))
        kept, context, tokens, truncated = pack(items[: query.k], query.max_tokens)
        if query.record_access and self._on_recalled:
            self._on_recalled(project, query.session_id or "", kept)
        return RecallOutcome(kept, context, tokens, truncated, is_temporal(query.text))

    async def _boost(
        self,
        project: str,
        query: RecallQuery,
        items: list[RecallItem],
        near: dict[str, float],
        now: datetime,
    ) -> None:
        if not items:
            return
        for item in items:
            p = item.parts
            p.recency = RECENCY_WEIGHT * recency(item.time, now)
            p.importance = IMPORTANCE_WEIGHT * (item.importance - 0.5)
            p.graph = near.get(item.id, 0.0) if item.layer is RecallLayer.EVENT else 0.0
        if self._usefulness:
            contenders = partial(_contenders, items, query.k)
            useful = await self._usefulness(project, query.text, contenders)
            # Sources may set a layer's own usefulness (a fact's rating); meta-memory adds to it.
            for item in items:
                item.parts.usefulness += useful.get(item.id, 0.0)
        for item in items:
            item.score = _score(item, item.parts.usefulness)


def _score(item: RecallItem, usefulness: float) -> float:
    p = item.parts
    return item.relevance * (1.0 + p.recency + p.importance + usefulness + p.graph)


def _contenders(items: list[RecallItem], k: int, low: float, high: float) -> list[RecallItem]:
    """The items that could still be among the best k once each is given a usefulness part
    within [low, high]: an item whose highest possible score is below the k-th best lowest
    possible score cannot (whatever part it is given, k items score more), the others might.

    The bounds are computed as the score is, and floating-point sums and products are monotonic,
    so they hold exactly."""
    if len(items) <= k:
        return items
    bounds = []
    for item in items:
        own = item.parts.usefulness
        a, b = _score(item, own + low), _score(item, own + high)
        bounds.append((a, b) if a <= b else (b, a))  # a negative relevance turns them round
    floor = heapq.nlargest(k, (lowest for lowest, _ in bounds))[-1]
    return [item for item, (_, highest) in zip(items, bounds, strict=True) if highest >= floor]


async def _none() -> tuple[dict[str, float], list[RecallItem]]:
    return {}, []
