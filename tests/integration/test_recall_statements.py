"""Recall's one-statement forms answer as the statements they replace: facts as the semantic
area's hybrid search (recall_facts), entities and graph proximity from one entity search
(recall_graph), and lexeme counts taken from ANALYZE's statistics for a large project's common
words (the count cache's seed)."""

from __future__ import annotations

import asyncio

import pytest
from athena.recall import bm25, events_source
from athena.recall.events_source import EventsSource
from athena.recall.layer_sources import FactsSource, GraphSource
from athena.recall.models import RecallLayer, RecallQuery
from athena.storage.queries import load_queries
from athena.v1 import graph_pb2, graph_pb2_grpc, semantic_pb2, semantic_pb2_grpc
from athena.v1 import memory_pb2 as pb

PROJECT = "default"
GRAPH = frozenset({RecallLayer.ENTITY, RecallLayer.RELATION})


def source(server, kind: type):
    return next(
        s for s in server[0].components["recall"].domain["recall"]._sources if isinstance(s, kind)
    )


async def test_facts_rank_as_the_semantic_search(channel, server) -> None:
    facts = semantic_pb2_grpc.SemanticMemoryServiceStub(channel)
    words = ["billing", "retry", "ledger", "refund", "charge", "queue"]
    for i in range(40):
        content = f"the {words[i % 6]} worker {words[(i * 5) % 6]}s the {words[(i + 2) % 6]} job"
        fact = semantic_pb2.NewFact(subject=f"worker {i}", content=content)
        await facts.CreateFact(semantic_pb2.CreateFactRequest(fact=fact))
    search = server[0].components["semantic"].domain["facts"]
    recall = source(server, FactsSource)
    for text in ("billing retry", "refund the ledger charge", "queue", "nothing matches"):
        # The source overfetches (12 here) for the boosts, from the lists the search takes for
        # the recall's k: its first k are the search's k.
        expected = await search.search(PROJECT, text, 5)
        items = await recall.recall(PROJECT, RecallQuery(text=text, k=5), frozenset(), 12)
        assert [i.id for i in items[:5]] == [str(h.fact.id) for h in expected]
        assert len(items) == 12  # vectors always have neighbours
        # The text part is a share of the best full-text score (the first full-text candidate's).
        best = next((h.text_score for h in expected if h.text_rank == 1), None)
        for item, hit in zip(items, expected, strict=False):
            parts = item.parts
            assert (parts.text_rank, parts.vector_rank) == (hit.text_rank, hit.vector_rank)
            text = hit.text_score / best if best else 0.0
            assert (parts.text, parts.vector) == pytest.approx((text, hit.vector_score))
            assert item.relevance == pytest.approx(min(1.0, hit.score * 61 / 2))
    assert len(await recall.recall(PROJECT, RecallQuery(text="billing"), frozenset(), 12)) == 12


async def test_graph_layers_and_proximity_from_one_statement(channel, memory, server) -> None:
    graph = graph_pb2_grpc.KnowledgeGraphServiceStub(channel)

    async def upsert(name: str, description: str = "", aliases=()) -> graph_pb2.Entity:
        entity = graph_pb2.NewEntity(
            name=name, type="thing", description=description, aliases=list(aliases)
        )
        return (await graph.UpsertEntity(graph_pb2.UpsertEntityRequest(entity=entity))).entity

    for i in range(36):
        await upsert(f"bird {i:02}", "a bird that sings at dawn")
    heron = await upsert("grey heron", "waits by the water", aliases=["ardea"])
    pond = await upsert("pond", "where the grey heron waits")
    relation = graph_pb2.NewRelation(source_id=heron.id, target_id=pond.id, type="WAITS_AT")
    await graph.UpsertRelation(graph_pb2.UpsertRelationRequest(relation=relation))
    # The linker names the files an event mentions as entities and links the event to them.
    for content in ("edited src/heron.py to count fish", "bird 07 sang", "reviewed src/pond.py"):
        new = pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_OBSERVATION, content=content)
        await memory.RecordEvent(pb.RecordEventRequest(event=new))
    async with asyncio.timeout(60):
        await server[0].components["graph"].domain["linker"].drain()

    graph_source = source(server, GraphSource)
    boosted = 0
    for text in ("sings at dawn", "ardea", "grey heronn", "src/heron.py fish", "src/pond.py"):
        query = RecallQuery(text=text)
        separate = await graph_source.recall(PROJECT, query, GRAPH, 30)
        alone, none = await graph_source.proximity(PROJECT, query, frozenset(), 30)
        near, joint = await graph_source.proximity(PROJECT, query, GRAPH, 30)
        assert none == []
        assert [(i.layer, i.id, i.relevance, i.parts.text_rank) for i in joint] == [
            (i.layer, i.id, i.relevance, i.parts.text_rank) for i in separate
        ]
        assert near == alone
        boosted += bool(near)
    assert boosted >= 2
    # Entities only, no relations: the joint form honours the layers asked for.
    near, entities = await graph_source.proximity(
        PROJECT, RecallQuery(text="grey heron"), frozenset({RecallLayer.ENTITY}), 30
    )
    assert entities and {i.layer for i in entities} == {RecallLayer.ENTITY}


async def test_common_lexemes_of_a_large_project_are_not_counted(
    memory, server, monkeypatch
) -> None:
    events = [
        pb.NewEvent(
            session_id=f"s{i % 3}",
            type=pb.EVENT_TYPE_OBSERVATION,
            content=f"deploy {'kiwi' if i % 2 else 'mango'} step {i} of the release"
            + (" hotfix" if i % 12 == 0 else ""),
        )
        for i in range(60)
    ]
    await memory.RecordEvents(pb.RecordEventsRequest(events=events))
    async with server[0].database.connection() as conn:
        await (await conn.raw()).execute("ANALYZE events")
    # A "large" project of 60 events whose counts stop at 10: "deploy" (60) and "releas" (60)
    # are surely past the cap, "kiwi" and "mango" (30) too with a margin of 1.5, "step" as well.
    monkeypatch.setattr(events_source, "CORPUS_RECOUNT_BELOW", 50)
    monkeypatch.setattr(events_source, "DOCUMENT_COUNT_CAP", 10)
    seeded = source(server, EventsSource)
    query = RecallQuery(text="deploy kiwi", layers=(RecallLayer.EVENT,))
    first = await seeded.recall(PROJECT, query, frozenset({RecallLayer.EVENT}), 30)
    frequencies = seeded._corpora[PROJECT].frequencies
    assert frequencies["mango"] == frequencies["releas"] == 10  # never in a query, not counted
    assert "hotfix" not in frequencies  # in 5 events: under the cap, left to be counted

    monkeypatch.setattr(events_source, "COMMON_MARGIN", float("inf"))
    counting = EventsSource(server[0].database, load_queries(), seeded._embedder)
    for text in ("deploy kiwi", "mango release step 7"):
        query = RecallQuery(text=text, layers=(RecallLayer.EVENT,))
        got = await seeded.recall(PROJECT, query, frozenset({RecallLayer.EVENT}), 30)
        want = await counting.recall(PROJECT, query, frozenset({RecallLayer.EVENT}), 30)
        assert [(i.id, i.relevance) for i in got] == [(i.id, i.relevance) for i in want]
    assert first


@pytest.mark.parametrize("extra", [0, 11], ids=["one expression per lexeme", "past 12 lexemes"])
async def test_candidates_come_best_first_with_bm25_scores_as_python_computes_them(
    memory, server, extra
) -> None:
    words = ["alpha", "bravo", "charli"] + [f"zulu{n}" for n in range(extra)]
    contents = [
        "alpha bravo",
        "charlie only",
        "bravo charlie and alpha",
        "alpha and a much longer text around it with many other words in it",
        "bravo",
    ]
    await memory.RecordEvents(
        pb.RecordEventsRequest(
            events=[
                pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_OBSERVATION, content=c)
                for c in contents
            ]
        )
    )
    queries = load_queries()
    lexemes = [f"'{w}'" for w in words]
    # Uneven idfs, one lexeme not scored (None), so that order and sums are not trivial.
    idfs = {w: 0.7 + 0.45 * n for n, w in enumerate(words)}
    idfs["bravo"] = None
    average = 3.7
    async with server[0].database.connection() as conn:
        raw = await conn.raw()
        stored = {
            r["id"]: (r["content"], r["length"])
            for r in await raw.fetch("SELECT id, content, length(search_tsv) AS length FROM events")
        }

        async def candidates(limit: int):
            return await conn.fetch(
                queries.recall_event_candidates,
                *events_source.filter_args(PROJECT, RecallQuery(text="x")),
                " | ".join(lexemes[:3]),
                lexemes,
                [idfs[w] for w in words],
                limit,
                None,
                bm25.K1,
                1.0 - bm25.B,
                bm25.B,
                bm25.K1 + 1.0,
                average,
            )

        rows = await candidates(10)
        best_two = await candidates(2)
    scored = {w: v for w, v in idfs.items() if v is not None}
    want = {}
    for i, (content, length) in stored.items():
        held = {w: 1 for w in words if w in content}
        if any(w in content for w in ("alpha", "bravo", "charlie")):
            want[i] = bm25.score(held, length, average, scored)
    assert len(rows) == len(want) == 5
    # Exactly Python's floats, best first, and a limit keeps the best.
    assert {r["id"]: r["own"] for r in rows} == want
    assert [r["own"] for r in rows] == sorted(want.values(), reverse=True)
    assert [r["id"] for r in best_two] == [r["id"] for r in rows[:2]]
    assert not any(r["mentions_time"] for r in rows)
