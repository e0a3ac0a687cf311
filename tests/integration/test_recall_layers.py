"""Recall across layers: facts, graph entities and relations, prospective tasks and goals, and
the meta-memory boosts (usefulness ratings, access counting)."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from athena.v1 import (
    graph_pb2,
    graph_pb2_grpc,
    meta_pb2,
    meta_pb2_grpc,
    prospective_pb2,
    prospective_pb2_grpc,
    recall_pb2,
    recall_pb2_grpc,
    semantic_pb2,
    semantic_pb2_grpc,
)
from athena.v1 import memory_pb2 as pb


@pytest.fixture
def recall(channel: grpc.aio.Channel) -> recall_pb2_grpc.RecallServiceStub:
    return recall_pb2_grpc.RecallServiceStub(channel)


async def record(memory, content: str, session: str = "s1") -> pb.Event:
    request = pb.RecordEventRequest(
        event=pb.NewEvent(session_id=session, type=pb.EVENT_TYPE_OBSERVATION, content=content)
    )
    return (await memory.RecordEvent(request)).event


async def test_every_layer_answers_and_layer_filters_apply(channel, memory, recall) -> None:
    facts = semantic_pb2_grpc.SemanticMemoryServiceStub(channel)
    graph = graph_pb2_grpc.KnowledgeGraphServiceStub(channel)
    plans = prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)
    event = await record(memory, "the flamingo exporter crashed on startup")
    fact = (
        await facts.CreateFact(
            semantic_pb2.CreateFactRequest(
                fact=semantic_pb2.NewFact(
                    subject="flamingo exporter", content="The flamingo exporter runs on port 9100"
                )
            )
        )
    ).fact
    exporter = (
        await graph.UpsertEntity(
            graph_pb2.UpsertEntityRequest(
                entity=graph_pb2.NewEntity(name="flamingo", type="service")
            )
        )
    ).entity
    host = (
        await graph.UpsertEntity(
            graph_pb2.UpsertEntityRequest(entity=graph_pb2.NewEntity(name="zebra-01", type="host"))
        )
    ).entity
    relation = (
        await graph.UpsertRelation(
            graph_pb2.UpsertRelationRequest(
                relation=graph_pb2.NewRelation(
                    source_id=exporter.id, target_id=host.id, type="RUNS_ON"
                )
            )
        )
    ).relation
    task = (
        await plans.CreateProspectiveTask(
            prospective_pb2.CreateProspectiveTaskRequest(
                task=prospective_pb2.NewProspectiveTask(title="restart the flamingo exporter")
            )
        )
    ).task
    goal = (
        await plans.CreateGoal(
            prospective_pb2.CreateGoalRequest(
                goal=prospective_pb2.NewGoal(title="keep flamingo monitoring healthy")
            )
        )
    ).goal

    response = await recall.Recall(recall_pb2.RecallRequest(query="flamingo", k=20))
    found = {(r.layer, r.id) for r in response.results}
    assert (meta_pb2.MEMORY_LAYER_EVENT, event.id) in found
    assert (meta_pb2.MEMORY_LAYER_FACT, fact.id) in found
    assert (meta_pb2.MEMORY_LAYER_ENTITY, exporter.id) in found
    assert (meta_pb2.MEMORY_LAYER_RELATION, relation.id) in found
    assert (meta_pb2.MEMORY_LAYER_TASK, task.id) in found
    assert (meta_pb2.MEMORY_LAYER_GOAL, goal.id) in found
    relation_text = next(r.text for r in response.results if r.id == relation.id)
    assert relation_text == "flamingo RUNS_ON zebra-01"
    # Each layer's rendering and payload, built only for the results returned.
    by_id = {r.id: r for r in response.results}
    assert by_id[event.id].text.endswith("the flamingo exporter crashed on startup")
    assert by_id[event.id].event.id == event.id and by_id[event.id].provenance.session_id == "s1"
    assert by_id[fact.id].text.endswith("] fact: The flamingo exporter runs on port 9100")
    assert by_id[exporter.id].text == "entity flamingo (service)"
    assert by_id[task.id].text.endswith("] restart the flamingo exporter")
    assert by_id[goal.id].text.startswith("goal [")
    assert response.context == "\n".join(r.text for r in response.results)

    only = await recall.Recall(
        recall_pb2.RecallRequest(
            query="flamingo", layers=[meta_pb2.MEMORY_LAYER_FACT, meta_pb2.MEMORY_LAYER_TASK]
        )
    )
    assert {(r.layer, r.id) for r in only.results} == {
        (meta_pb2.MEMORY_LAYER_FACT, fact.id),
        (meta_pb2.MEMORY_LAYER_TASK, task.id),
    }
    # Other layers are not session-scoped: a session scope keeps to events.
    scoped = await recall.Recall(recall_pb2.RecallRequest(query="flamingo", session_id="s1"))
    assert [(r.layer, r.id) for r in scoped.results] == [(meta_pb2.MEMORY_LAYER_EVENT, event.id)]


async def test_usefulness_ratings_reorder_close_calls(channel, memory, recall, server) -> None:
    meta = meta_pb2_grpc.MetaMemoryServiceStub(channel)
    first = await record(memory, "kiwi cache warmed")
    second = await record(memory, "kiwi cache flushed")
    before = await recall.Recall(
        recall_pb2.RecallRequest(query="kiwi cache", layers=[meta_pb2.MEMORY_LAYER_EVENT])
    )
    loser = before.results[-1].id
    assert {r.id for r in before.results} == {first.id, second.id}
    for _ in range(3):
        await meta.RateMemory(
            meta_pb2.RateMemoryRequest(
                item=meta_pb2.MemoryRef(layer=meta_pb2.MEMORY_LAYER_EVENT, id=loser), rating=1.0
            )
        )
    after = await recall.Recall(
        recall_pb2.RecallRequest(query="kiwi cache", layers=[meta_pb2.MEMORY_LAYER_EVENT])
    )
    assert after.results[0].id == loser
    assert after.results[0].score_parts.usefulness > 0
    # Read with the event (recall_events_by_ids), the statistics boost as meta-memory's own
    # lookup does.
    from athena.meta.models import MemoryLayer, MemoryRef
    from athena.recall.usage import _part

    ref = MemoryRef(MemoryLayer.EVENT, loser)
    looked_up = await server[0].components["meta"].domain["meta"].boosts("default", [ref])
    assert after.results[0].score_parts.usefulness == pytest.approx(_part(looked_up[ref].factor))


async def test_record_access_counts_recalled_memories(channel, memory, recall, server) -> None:
    meta = meta_pb2_grpc.MetaMemoryServiceStub(channel)
    event = await record(memory, "papaya deployment notes")
    ref = meta_pb2.MemoryRef(layer=meta_pb2.MEMORY_LAYER_EVENT, id=event.id)
    await recall.Recall(recall_pb2.RecallRequest(query="papaya", record_access=True))
    # The access is written after the response: drain it before looking.
    await server[0].components["recall"].close()
    stats = await meta.GetMemoryItemStats(meta_pb2.GetMemoryItemStatsRequest(item=ref))
    assert stats.stats.access_count == 1
    await recall.Recall(recall_pb2.RecallRequest(query="papaya"))
    await server[0].components["recall"].close()
    stats = await meta.GetMemoryItemStats(meta_pb2.GetMemoryItemStatsRequest(item=ref))
    assert stats.stats.access_count == 1


async def test_events_mentioning_a_named_entity_get_the_graph_boost(memory, recall, server) -> None:
    linked = await record(memory, "edited src/billing.py to retry the charge")
    other = await record(memory, "the charge retry was reviewed")
    # Linking events to the entities they mention happens in the background.
    async with asyncio.timeout(60):
        await server[0].components["graph"].domain["linker"].drain()
    for layers in ([meta_pb2.MEMORY_LAYER_EVENT], []):
        response = await recall.Recall(
            recall_pb2.RecallRequest(query="src/billing.py charge retry", layers=layers)
        )
        parts = {r.id: r.score_parts for r in response.results}
        assert parts[linked.id].graph > 0
        assert parts[other.id].graph == 0
        entities = [r for r in response.results if r.layer == meta_pb2.MEMORY_LAYER_ENTITY]
        assert all(r.score_parts.graph == 0 for r in entities)
        assert bool(entities) == (not layers)


async def test_graph_boost_needs_the_query_to_name_the_entity(
    channel, memory, recall, server
) -> None:
    graph = graph_pb2_grpc.KnowledgeGraphServiceStub(channel)
    linked = await record(memory, "edited src/ledger.py before the refund run")
    async with asyncio.timeout(60):
        await server[0].components["graph"].domain["linker"].drain()
    # The same entity (by name) now also has a description sharing the next query's words.
    await graph.UpsertEntity(
        graph_pb2.UpsertEntityRequest(
            entity=graph_pb2.NewEntity(
                name="src/ledger.py", type="file", description="the refund run ledger"
            )
        )
    )
    layers = [meta_pb2.MEMORY_LAYER_EVENT]
    named = await recall.Recall(
        recall_pb2.RecallRequest(query="src/ledger.py refund", layers=layers)
    )
    assert {r.id: r.score_parts.graph for r in named.results}[linked.id] > 0
    described = await recall.Recall(recall_pb2.RecallRequest(query="refund run", layers=layers))
    assert {r.id: r.score_parts.graph for r in described.results}[linked.id] == 0
