"""Recall's entity and relation layers: the same scores as the graph's own entity search, with
only a limit's worth of word matches scored (recall_entities), and relations named by their
ends (recall_relations)."""

from __future__ import annotations

import grpc
from athena.v1 import graph_pb2, graph_pb2_grpc, meta_pb2, recall_pb2, recall_pb2_grpc

ENTITY = meta_pb2.MEMORY_LAYER_ENTITY
RELATION = meta_pb2.MEMORY_LAYER_RELATION


async def upsert(graph, name: str, description: str = "", aliases=()) -> graph_pb2.Entity:
    request = graph_pb2.UpsertEntityRequest(
        entity=graph_pb2.NewEntity(
            name=name, type="thing", description=description, aliases=list(aliases)
        )
    )
    return (await graph.UpsertEntity(request)).entity


async def test_entities_score_as_the_graph_search_with_many_word_matches(
    channel: grpc.aio.Channel,
) -> None:
    graph = graph_pb2_grpc.KnowledgeGraphServiceStub(channel)
    recall = recall_pb2_grpc.RecallServiceStub(channel)
    # More description matches than recall scores (k 10 -> 30): the one that repeats the
    # query's words must still be among those scored, and come first.
    for i in range(36):
        await upsert(graph, f"bird {i:02}", "a bird that sings at dawn")
    best = await upsert(graph, "nightingale", "sings at dawn, sings at dusk, sings all night")
    heron = await upsert(graph, "grey heron", "waits by the water", aliases=["ardea"])

    response = await recall.Recall(
        recall_pb2.RecallRequest(query="sings at dawn", layers=[ENTITY], k=10)
    )
    search = await graph.SearchEntities(
        graph_pb2.SearchEntitiesRequest(query="sings at dawn", top_k=100)
    )
    expected = [(h.entity.id, h.score) for h in search.results]
    assert len(expected) == 37 and expected[0][0] == best.id
    assert len(response.results) == 10
    for r in response.results:
        rank = r.score_parts.text_rank
        assert (r.id, r.score_parts.text) == (expected[rank - 1][0], expected[rank - 1][1])
    # Ties among the birds are reordered by recency; the best match is not a tie.
    assert response.results[0].id == best.id

    # Named by alias, and by a misspelt name (trigrams), as the graph search finds them.
    for query in ("ardea", "grey heronn"):
        named = await recall.Recall(recall_pb2.RecallRequest(query=query, layers=[ENTITY]))
        top = await graph.SearchEntities(graph_pb2.SearchEntitiesRequest(query=query))
        assert named.results[0].id == heron.id == top.results[0].entity.id
        assert named.results[0].score_parts.text == top.results[0].score


async def test_relations_of_the_best_entities_are_named_by_their_ends(
    channel: grpc.aio.Channel,
) -> None:
    graph = graph_pb2_grpc.KnowledgeGraphServiceStub(channel)
    recall = recall_pb2_grpc.RecallServiceStub(channel)
    hub = await upsert(graph, "pelican")
    others = [await upsert(graph, f"lake {i:02}") for i in range(12)]
    made = []
    for i, other in enumerate(others):
        # Both directions: relations are found from either end.
        source, target = (hub, other) if i % 2 else (other, hub)
        relation = graph_pb2.NewRelation(source_id=source.id, target_id=target.id, type="NEAR")
        made.append(
            (
                await graph.UpsertRelation(graph_pb2.UpsertRelationRequest(relation=relation))
            ).relation
        )
    response = await recall.Recall(
        recall_pb2.RecallRequest(query="pelican", layers=[RELATION], k=100)
    )
    texts = {r.id: r.text for r in response.results}
    # The first 10 by id around the anchor, as the graph lists them.
    listed = await graph.ListRelations(
        graph_pb2.ListRelationsRequest(
            filter=graph_pb2.RelationFilter(entity_id=hub.id), page_size=10
        )
    )
    assert set(texts) == {r.id for r in listed.relations}
    names = {e.id: e.name for e in [hub, *others]}
    for r in made:
        if r.id in texts:
            assert texts[r.id] == f"{names[r.source_id]} NEAR {names[r.target_id]}"
    assert all(r.layer == RELATION for r in response.results)
