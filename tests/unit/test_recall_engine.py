"""The recall engine without a database: what it asks meta-memory about, and which items it
renders (only those it returns)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

import pytest
from athena.meta import scoring
from athena.meta.models import MemoryBoost, MemoryRef
from athena.recall.engine import Recall, _contenders
from athena.recall.models import (
    Detail,
    Provenance,
    RecallItem,
    RecallLayer,
    RecallQuery,
    ScoreParts,
)
from athena.recall.usage import HIGHEST_FACTOR, LOWEST_FACTOR, MetaUsage


class FixedSource:
    """Items of the given relevance, best first; counts the items whose detail was built."""

    layers = (RecallLayer.EVENT,)

    def __init__(self, relevances: Sequence[float]) -> None:
        self.relevances = relevances
        self.detailed: list[str] = []

    def _detail(self, item_id: str) -> Detail:
        self.detailed.append(item_id)
        return Detail(f"memory {item_id}", Provenance(session_id="s", actor=item_id), item_id)

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        return [
            RecallItem(
                RecallLayer.EVENT, f"e{n}", r, ScoreParts(), lambda n=n: self._detail(f"e{n}")
            )
            for n, r in enumerate(self.relevances)
        ]


class FakeMeta:
    """MetaMemory.boosts with fixed factors; remembers which items it was asked about."""

    def __init__(self, factors: dict[str, float]) -> None:
        self.factors = factors
        self.asked: list[str] = []

    async def boosts(self, project: str, refs: Sequence[MemoryRef]) -> dict[MemoryRef, Any]:
        self.asked += [ref.id for ref in refs]
        return {ref: MemoryBoost(factor=self.factors.get(ref.id, 1.0)) for ref in refs}


def _recall(source: FixedSource, meta: FakeMeta) -> Recall:
    recall = Recall([source])
    recall.set_boosters(usefulness=MetaUsage(meta).boosts)
    return recall


async def test_meta_memory_is_asked_only_about_items_that_can_reach_the_top_k() -> None:
    # Parts of 0 but usefulness: scores span relevance x [0.75, 1.625]. With k = 2 the second
    # best lowest score is 0.9 x 0.75 = 0.675; 0.5 x 1.625 reaches it, 0.2 x 1.625 does not.
    source = FixedSource([1.0, 0.9, 0.5, 0.2, 0.1])
    # e2 much used and top rated, e1 rated useless: e2 overtakes e1.
    meta = FakeMeta({"e1": LOWEST_FACTOR, "e2": HIGHEST_FACTOR, "e3": HIGHEST_FACTOR})
    outcome = await _recall(source, meta).recall("p", RecallQuery(text="anything", k=2))
    assert sorted(meta.asked) == ["e0", "e1", "e2"]
    assert [i.id for i in outcome.items] == ["e0", "e2"]
    assert outcome.items[1].parts.usefulness == pytest.approx(0.625)
    assert outcome.items[1].score == pytest.approx(0.5 * 1.625)


async def test_every_item_is_asked_about_when_all_fit_in_k() -> None:
    meta = FakeMeta({})
    await _recall(FixedSource([1.0, 0.01]), meta).recall("p", RecallQuery(text="x", k=2))
    assert sorted(meta.asked) == ["e0", "e1"]


def test_contenders_keep_an_item_whose_best_ties_the_floor() -> None:
    def item(item_id: str, relevance: float, usefulness: float = 0.0) -> RecallItem:
        parts = ScoreParts(usefulness=usefulness)
        return RecallItem(RecallLayer.FACT, item_id, relevance, parts, lambda: Detail(""))

    # Multipliers 1 + [0, 1]: "a" scores at least 1.0, "b" at most 1.0 and "c" at most 0.5.
    items = [item("a", 1.0), item("b", 0.5), item("c", 0.25)]
    assert [i.id for i in _contenders(items, 1, 0.0, 1.0)] == ["a", "b"]
    # A layer's own usefulness (a fact's rating) counts before meta-memory's range: "c" is lifted
    # to at most 0.25 x 3 = 0.75 and is still out; "d" reaches 0.5 x 3 = 1.5 and is in.
    items += [item("d", 0.5, usefulness=1.0)]
    assert [i.id for i in _contenders(items, 1, 0.0, 1.0)] == ["a", "b", "d"]
    assert _contenders(items, 4, 0.0, 1.0) == items


def test_factor_bounds_are_meta_memorys_extremes() -> None:
    assert scoring.boost_factor(0.0, 0.0) == LOWEST_FACTOR
    assert scoring.boost_factor(1.0, 1.0) == HIGHEST_FACTOR
    # Access approaches 1 with use and never passes it; usefulness is a smoothed mean rating.
    assert 0.0 <= scoring.access_part(0.0) and scoring.access_part(1e12) <= 1.0
    assert 0.0 <= scoring.usefulness(0.0, 1000) and scoring.usefulness(1000.0, 1000) <= 1.0
    for access in (0.0, 0.3, 0.999):
        for useful in (0.0, 0.5, 1.0):
            assert LOWEST_FACTOR <= scoring.boost_factor(access, useful) <= HIGHEST_FACTOR


async def test_only_returned_items_are_rendered_each_once() -> None:
    source = FixedSource([0.9, 0.8, 0.7, 0.6, 0.5])
    outcome = await Recall([source]).recall("p", RecallQuery(text="anything", k=2))
    assert [i.id for i in outcome.items] == ["e0", "e1"]
    assert source.detailed == ["e0", "e1"]
    top = outcome.items[0]
    assert (top.text, top.provenance.actor, top.payload) == ("memory e0", "e0", "e0")
    assert outcome.context == "memory e0\nmemory e1"
    assert source.detailed == ["e0", "e1"]  # read again, not built again


class RowsMeta(FakeMeta):
    """FakeMeta that also boosts from rows a source read itself (`factor` in the row)."""

    def __init__(self, factors: dict[str, float]) -> None:
        super().__init__(factors)
        self.from_rows: list[str] = []

    def boosts_of_rows(self, rows: Sequence[tuple[MemoryRef, Any]]) -> dict[MemoryRef, Any]:
        self.from_rows += [ref.id for ref, _ in rows]
        return {ref: MemoryBoost(factor=row["factor"] if row else 1.0) for ref, row in rows}


class LayerSource(FixedSource):
    """FixedSource for one layer; may hand usage rows with its items, and wait before answering."""

    def __init__(self, layer, relevances, rows=None, before=None) -> None:
        super().__init__(relevances)
        self.layers = (layer,)
        self.layer, self.rows, self.before = layer, rows, before

    async def recall(self, project, query, layers, limit):
        if self.before is not None:
            await self.before()
        items = await super().recall(project, query, layers, limit)
        for item in items:
            item.layer = self.layer
            item.id = f"{self.layer.value[0]}{item.id[1:]}"
            if self.rows is not None:
                item.usage = self.rows.get(item.id, {"stats_found": False, "factor": 1.0})
        return items


async def test_statistics_read_with_the_items_spare_the_lookup() -> None:
    rows = {"e1": {"stats_found": True, "factor": HIGHEST_FACTOR}}
    source = LayerSource(RecallLayer.EVENT, [1.0, 0.9, 0.2], rows=rows)
    meta = RowsMeta({})
    recall = Recall([source])
    recall.set_boosters(usefulness=MetaUsage(meta).boosts)
    outcome = await recall.recall("p", RecallQuery(text="x", k=2))
    # e2 (0.2) cannot reach the second best's lowest score (0.9 x 0.75): not even read.
    assert meta.asked == [] and sorted(meta.from_rows) == ["e0", "e1"]
    assert [i.id for i in outcome.items] == ["e1", "e0"]
    assert outcome.items[0].parts.usefulness == pytest.approx(0.625)


async def test_other_layers_are_looked_up_while_the_events_source_still_runs() -> None:
    meta = RowsMeta({"f1": HIGHEST_FACTOR})
    looked_up = asyncio.Event()
    original = meta.boosts

    async def boosts(project, refs):
        looked_up.set()
        return await original(project, refs)

    meta.boosts = boosts  # type: ignore[method-assign]

    async def after_the_lookup() -> None:
        # The events source answers only once the facts' lookup began: a lookup made after
        # every source (the old order) would never come.
        await asyncio.wait_for(looked_up.wait(), 5)

    events = LayerSource(RecallLayer.EVENT, [1.0, 0.5], rows={}, before=after_the_lookup)
    facts = LayerSource(RecallLayer.FACT, [0.95, 0.9, 0.1])
    recall = Recall([events, facts])
    recall.set_boosters(usefulness=MetaUsage(meta).boosts)
    outcome = await recall.recall("p", RecallQuery(text="x", k=2))
    assert sorted(meta.asked) == ["f0", "f1"]  # f2 cannot reach the top 2 of the facts alone
    assert sorted(meta.from_rows) == ["e0", "e1"]
    assert [i.id for i in outcome.items] == ["f1", "e0"]


@pytest.mark.parametrize("seed", range(25))
async def test_looking_up_per_group_returns_what_boosting_everything_would(seed) -> None:
    rng = random.Random(seed)
    factors = {
        f"{p}{n}": rng.choice([LOWEST_FACTOR, 1.0, 1.3, HIGHEST_FACTOR])
        for p in "ef"
        for n in range(12)
    }
    relevances = {p: [rng.random() for _ in range(12)] for p in "ef"}
    rows = {k: {"stats_found": True, "factor": v} for k, v in factors.items() if k[0] == "e"}
    k = rng.randint(1, 8)
    recall = Recall(
        [
            LayerSource(RecallLayer.EVENT, relevances["e"], rows=rows),
            LayerSource(RecallLayer.FACT, relevances["f"]),
        ]
    )
    recall.set_boosters(usefulness=MetaUsage(RowsMeta(factors)).boosts)
    outcome = await recall.recall("p", RecallQuery(text="x", k=k))
    # Reference: every item boosted, then the best k (ties by layer, id, as the engine orders).
    everything = [
        (-(r * (1 + 0.5 * (factors[f"{p}{n}"] - 1))), layer, f"{p}{n}")
        for p, layer in (("e", RecallLayer.EVENT), ("f", RecallLayer.FACT))
        for n, r in enumerate(relevances[p])
    ]
    assert [i.id for i in outcome.items] == [x[2] for x in sorted(everything)[:k]]
