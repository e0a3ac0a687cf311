"""Recall's pure parts: BM25, context propagation, fusion-free budget packing, temporal cues."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from athena.recall import bm25, events_source
from athena.recall.budget import estimate_tokens, pack
from athena.recall.models import Detail, RecallItem, RecallLayer, RecallQuery, ScoreParts
from athena.recall.temporal import is_temporal, recency


def test_idf_favours_rare_words_and_stays_positive() -> None:
    assert bm25.idf(1000, 1) > bm25.idf(1000, 100) > bm25.idf(1000, 1000) > 0
    assert bm25.idf(10, 50) == bm25.idf(10, 10)  # capped counts never exceed the corpus


def test_score_saturates_repeats_and_prefers_short_documents() -> None:
    idfs = {"cat": 2.0, "shelter": 3.0}
    once = bm25.score({"cat": 1}, 10, 10, idfs)
    twice = bm25.score({"cat": 2}, 10, 10, idfs)
    assert once < twice < 2 * once
    assert bm25.score({"cat": 1}, 5, 10, idfs) > bm25.score({"cat": 1}, 40, 10, idfs)
    both = bm25.score({"cat": 1, "shelter": 1}, 10, 10, idfs)
    assert both > bm25.score({"shelter": 1}, 10, 10, idfs) > once
    assert bm25.score({"dog": 3}, 10, 10, idfs) == 0


def test_neighbours_borrow_a_share_by_distance() -> None:
    own = {"a": 2.0, "b": 0.0}
    borrowed = bm25.neighbour_support(own, [("a", "n1", -1), ("a", "n2", 2), ("a", "n3", 3)])
    assert borrowed == {"n1": 1.0, "n2": 0.5}
    assert bm25.neighbour_support(own, [("b", "n1", 1)]) == {}


def test_session_support_sums_the_best_matches_relative_to_the_best_session() -> None:
    own = {"a": 3.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 1.0, "z": 0.0}
    sessions = {"a": "s1", "b": "s2", "c": "s2", "d": "s2", "e": "s2", "z": "s3"}
    ranked = sorted(own, key=own.__getitem__, reverse=True)
    support = bm25.session_support((sessions[i], own[i]) for i in ranked)
    assert support == {"s1": 1.0, "s2": 1.0}  # s2's top three sum to 3 too
    assert bm25.session_support([("s1", 0.0)]) == {}


def test_session_support_is_exactly_the_sum_of_each_sessions_best_three_in_order() -> None:
    # Sessions of one to five matches with values that round differently in other orders.
    rng = random.Random(7)
    for _ in range(200):
        own = {
            f"e{i}": rng.choice([0.0, rng.random() * 10, 1e16, 0.1, 0.2, 0.3]) for i in range(40)
        }
        sessions = {item: f"s{rng.randrange(12)}" for item in own}
        by_session: dict[str, list[float]] = {}
        for item, value in own.items():
            if value > 0:
                by_session.setdefault(sessions[item], []).append(value)
        sums = {s: sum(sorted(v, reverse=True)[:3]) for s, v in by_session.items()}
        best = max(sums.values(), default=0.0)
        want = {s: v / best for s, v in sums.items()} if best > 0 else {}
        # As the candidates come: best first (ties in any order), sessions alongside.
        ranked = sorted(own, key=lambda item: (-own[item], rng.random()))
        assert bm25.session_support((sessions[i], own[i]) for i in ranked) == want


def _item(text: str) -> RecallItem:
    return RecallItem(RecallLayer.EVENT, text, 1.0, ScoreParts(), partial(Detail, text))


def test_pack_skips_what_does_not_fit_and_keeps_order() -> None:
    items = [_item("a" * 40), _item("b" * 400), _item("c" * 8)]  # 10, 100 and 2 tokens
    kept, context, tokens, truncated = pack(items, max_tokens=20)
    assert [i.id for i in kept] == [items[0].id, items[2].id]
    assert truncated and context == "a" * 40 + "\n" + "c" * 8 and tokens <= 20
    everything = pack([_item("x"), _item("y")], max_tokens=0)
    assert len(everything[0]) == 2 and not everything[3]


@pytest.mark.parametrize(("text", "tokens"), [("", 0), ("a", 1), ("abcd", 1), ("abcde", 2)])
def test_token_estimate(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


@pytest.mark.parametrize(
    ("query", "temporal"),
    [
        ("When did Caroline go to the support group?", True),
        ("what date is the release", True),
        ("How long ago was her birthday?", True),
        ("which year did they move", True),
        ("What did Caroline research?", False),
        ("whenever it rains", False),
    ],
)
def test_temporal_questions(query: str, temporal: bool) -> None:
    assert is_temporal(query) is temporal


def test_recency_halves_every_half_life() -> None:
    now = datetime(2025, 1, 8, tzinfo=UTC)
    assert recency(now, now) == 1.0
    assert recency(now - timedelta(days=7), now) == pytest.approx(0.5)
    assert recency(None, now) == 0.0
    assert recency(now + timedelta(days=1), now) == 1.0


def test_gather_ors_rare_lexemes_within_budget() -> None:
    chosen, required = bm25.gather(10_000, {"kiwi": 5, "cache": 300, "the": 2000, "gone": 0}, 400)
    assert chosen == ("kiwi", "cache") and not required
    small, _ = bm25.gather(600, {"a": 300, "b": 200, "c": 50}, 600)
    assert small == ("c", "b", "a")


def test_gather_requires_the_rarest_together_when_every_word_is_common() -> None:
    # 5000 -> 5000 * 8% = 400 -> 400 * 20% = 80, under a quarter of the budget (150).
    chosen, required = bm25.gather(100_000, {"x": 5000, "y": 8000, "z": 20000, "w": 30000}, 600)
    assert required and chosen == ("x", "y", "z")
    assert bm25.gather(10, {"x": 0}, 600) == ((), False)


def test_surely_common_is_a_lower_bound_beside_other_projects() -> None:
    shares = {"deploy": 0.5, "retry": 0.05, "kiwi": 0.001}
    # One project holds the whole table: a share is its own count.
    assert bm25.surely_common(shares, 10_000, 10_000, 601, 1.5) == ["deploy"]
    assert bm25.surely_common(shares, 100_000, 100_000, 601, 1.5) == ["deploy", "retry"]
    # 5,000 rows of other projects could hold every "retry" of the table.
    assert bm25.surely_common(shares, 100_000, 95_000, 601, 1.5) == ["deploy"]
    # A small project beside a big one is sure of nothing.
    assert bm25.surely_common(shares, 100_000, 1_000, 601, 1.5) == []
    # The margin: 902 rows needed for a cap of 601, 900 are not enough.
    assert bm25.surely_common({"x": 0.009}, 100_000, 100_000, 601, 1.5) == []
    assert bm25.surely_common({"x": 0.00902}, 100_000, 100_000, 601, 1.5) == ["x"]


def _reference_rank(query, own, context, meta, vector, limit):
    """Events' fused ranking written plainly: the specification `events_source._rank` meets."""
    named = {
        a: events_source._names_actor(query.text, a) for a in {m["actor"] for m in meta.values()}
    }
    combined = {}
    for i, part in context.items():
        base = own.get(i, 0.0) + part
        if base > 0:
            boost = events_source.ACTOR_BOOST if named[meta[i]["actor"]] else 0.0
            timely = events_source.TIME_MENTION_BOOST if meta[i]["mentions_time"] else 0.0
            combined[i] = base * (1.0 + boost) * (1.0 + timely)
    best = max(combined.values(), default=0.0)
    relevance = {i: v / best for i, v in combined.items()}
    for i, cosine in vector:
        relevance[i] = relevance.get(i, 0.0) + events_source.VECTOR_WEIGHT * max(cosine, 0.0)
    chosen = sorted(relevance, key=lambda i: (-relevance[i], i))[:limit]
    return chosen, relevance, combined, best


def test_events_rank_matches_its_plain_reference_and_parts_add_up() -> None:
    rng = random.Random(11)
    actors = ["alice", "bob", "ops-agent", ""]
    for case in range(60):
        query = RecallQuery(
            text=rng.choice(["what did Alice say", "deploy kiwi", "when did bob go"])
        )
        events = [f"{n:04d}" for n in range(rng.randrange(1, 80))]
        own = {i: rng.choice([rng.random() * 5, 1.5, 0.0]) for i in events if rng.random() < 0.7}
        side = events_source._TextSide(own=own)
        for i in events:
            side.context[i] = rng.choice([0.0, 0.0, rng.random(), 0.75])
            side.meta[i] = {"actor": rng.choice(actors), "mentions_time": rng.random() < 0.3}
        vector = [(i, rng.uniform(-0.2, 0.9)) for i in rng.sample(events, min(5, len(events)))]
        limit = rng.choice([1, 10, 30])
        chosen, relevance, parts = events_source._rank(query, side, vector, limit)
        want, want_relevance, combined, best = _reference_rank(
            query, own, side.context, side.meta, vector, limit
        )
        assert chosen == want, case
        assert {i: relevance[i] for i in chosen} == {i: want_relevance[i] for i in chosen}
        ordered = sorted(combined, key=combined.__getitem__, reverse=True)
        for i in chosen:
            p = parts[i]
            if i in combined:
                # The text parts split the event's boosted text relevance (relative to the best).
                total = p.text + p.context + p.actor + p.temporal
                assert total == pytest.approx(combined[i] / best, rel=1e-12)
                assert p.text_rank == ordered.index(i) + 1
            else:
                assert (p.text, p.context, p.text_rank) == (0.0, 0.0, 0)
            assert p.vector_rank == next((r for r, (v, _) in enumerate(vector, 1) if v == i), 0)
