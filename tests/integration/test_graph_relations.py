"""Relations: upsert, read, list, delete; neighbours to depth N; shortest paths; isolation."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.v1 import graph_pb2 as pb
from athena.v1 import graph_pb2_grpc, memory_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from tests.support import violations

BASE = 1_700_000_000


def at(offset: int) -> Timestamp:
    return Timestamp(seconds=BASE + offset)


def project(name: str) -> tuple[tuple[str, str], ...]:
    return (("x-athena-project", name),)


@pytest.fixture
def graph(channel) -> graph_pb2_grpc.KnowledgeGraphServiceStub:
    return graph_pb2_grpc.KnowledgeGraphServiceStub(channel)


async def entity(graph, name: str, kind: str = "service", metadata=()) -> str:
    request = pb.UpsertEntityRequest(entity=pb.NewEntity(name=name, type=kind))
    return (await graph.UpsertEntity(request, metadata=metadata)).entity.id


async def relate(graph, source: str, target: str, kind: str = "CALLS", metadata=(), **fields):
    request = pb.UpsertRelationRequest(
        relation=pb.NewRelation(source_id=source, target_id=target, type=kind, **fields)
    )
    return await graph.UpsertRelation(request, metadata=metadata)


async def chain(graph) -> dict[str, str]:
    """web -> api -> db -> disk, api -> cache, plus an unrelated island."""
    ids = {n: await entity(graph, n) for n in ("web", "api", "db", "cache")}
    ids["disk"] = await entity(graph, "disk", "hardware")
    ids["island"] = await entity(graph, "island")
    await relate(graph, ids["web"], ids["api"], weight=5)
    await relate(graph, ids["api"], ids["db"], weight=3)
    await relate(graph, ids["api"], ids["cache"], weight=1)
    await relate(graph, ids["db"], ids["disk"], "STORES_ON")
    return ids


async def test_upsert_relation_creates_then_merges(graph, memory) -> None:
    a, b = await entity(graph, "a"), await entity(graph, "b")
    recorded = await memory.RecordEvent(
        memory_pb2.RecordEventRequest(
            event=memory_pb2.NewEvent(
                session_id="s", type=memory_pb2.EVENT_TYPE_OBSERVATION, content="a calls b"
            )
        )
    )
    event_id = recorded.event.id
    first = await relate(graph, a, b, "calls", properties={"via": "http"}, valid_from=at(0),
                         source_event_ids=[event_id])  # fmt: skip
    assert first.created
    r = first.relation
    assert r.type == "CALLS" and r.weight == 1 and dict(r.properties) == {"via": "http"}
    assert list(r.source_event_ids) == [event_id] and r.valid_from == at(0)
    second = await relate(graph, a, b, "CALLS", weight=2.5, properties={"port": "80"})
    assert not second.created and second.relation.id == r.id
    merged = second.relation
    assert merged.weight == 2.5 and dict(merged.properties) == {"via": "http", "port": "80"}
    assert merged.valid_from == at(0) and list(merged.source_event_ids) == [event_id]
    assert (await graph.GetRelation(pb.GetRelationRequest(id=r.id))).relation == merged
    # Deleting the source event drops the provenance link, not the relation.
    await memory.DeleteEvent(memory_pb2.DeleteEventRequest(id=event_id))
    after = (await graph.GetRelation(pb.GetRelationRequest(id=r.id))).relation
    assert list(after.source_event_ids) == []


async def test_upsert_relation_errors(graph) -> None:
    a, b = await entity(graph, "a"), await entity(graph, "b")
    missing = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await relate(graph, a, missing)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    cases = [
        ({"type": ""}, "relation.type"),
        ({"source_id": "bad"}, "relation.source_id"),
        ({"weight": -1}, "relation.weight"),
        ({"valid_from": at(10), "valid_to": at(0)}, "relation.valid_to"),
        ({"source_event_ids": [missing]}, "relation.source_event_ids[0]"),
    ]
    for fields, field in cases:
        values = {"source_id": a, "target_id": b, "type": "USES", **fields}
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await graph.UpsertRelation(pb.UpsertRelationRequest(relation=pb.NewRelation(**values)))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, fields
        assert field in violations(err.value)
    listed = await graph.ListRelations(pb.ListRelationsRequest())
    assert list(listed.relations) == []


async def test_list_relations_filters_and_pages(graph) -> None:
    ids = await chain(graph)
    api = pb.RelationFilter(entity_id=ids["api"])
    both = await graph.ListRelations(pb.ListRelationsRequest(filter=api))
    assert len(both.relations) == 3
    out = pb.RelationFilter(entity_id=ids["api"], direction=pb.TRAVERSAL_DIRECTION_OUTGOING)
    assert len((await graph.ListRelations(pb.ListRelationsRequest(filter=out))).relations) == 2
    incoming = pb.RelationFilter(entity_id=ids["api"], direction=pb.TRAVERSAL_DIRECTION_INCOMING)
    got = (await graph.ListRelations(pb.ListRelationsRequest(filter=incoming))).relations
    assert [r.source_id for r in got] == [ids["web"]]
    typed = pb.RelationFilter(types=["stores_on"])
    assert len((await graph.ListRelations(pb.ListRelationsRequest(filter=typed))).relations) == 1
    page = await graph.ListRelations(pb.ListRelationsRequest(page_size=3))
    rest = await graph.ListRelations(
        pb.ListRelationsRequest(page_size=3, page_token=page.next_page_token)
    )
    assert len(page.relations) == 3 and len(rest.relations) == 1 and not rest.next_page_token


async def test_relation_validity_window_filters(graph) -> None:
    a, b, c = await entity(graph, "a"), await entity(graph, "b"), await entity(graph, "c")
    await relate(graph, a, b, "OWNS", valid_from=at(0), valid_to=at(100))
    await relate(graph, a, c, "OWNS", valid_from=at(100))
    then = pb.RelationFilter(valid_at=at(50))
    got = (await graph.ListRelations(pb.ListRelationsRequest(filter=then))).relations
    assert [r.target_id for r in got] == [b]
    reached = await graph.GetNeighbors(
        pb.GetNeighborsRequest(entity_id=a, filter=pb.TraversalFilter(valid_at=at(150)))
    )
    assert [n.entity.id for n in reached.neighbors] == [c]


async def test_delete_relation(graph) -> None:
    a, b = await entity(graph, "a"), await entity(graph, "b")
    rel = (await relate(graph, a, b)).relation
    await graph.DeleteRelation(pb.DeleteRelationRequest(id=rel.id))
    for call in (
        graph.GetRelation(pb.GetRelationRequest(id=rel.id)),
        graph.DeleteRelation(pb.DeleteRelationRequest(id=rel.id)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.GetRelation(pb.GetRelationRequest(id="x"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_neighbors_by_depth_direction_and_filters(graph) -> None:
    ids = await chain(graph)
    names = {v: k for k, v in ids.items()}

    async def reach(start: str, **kw) -> list[tuple[str, int]]:
        depth = kw.pop("depth", 0)
        response = await graph.GetNeighbors(
            pb.GetNeighborsRequest(entity_id=ids[start], depth=depth, **kw)
        )
        return [(names[n.entity.id], n.depth) for n in response.neighbors]

    assert await reach("api") == [("web", 1), ("db", 1), ("cache", 1)]  # heaviest edge first
    assert await reach("web", depth=3) == [("api", 1), ("db", 2), ("cache", 2), ("disk", 3)]
    outgoing = pb.TraversalFilter(direction=pb.TRAVERSAL_DIRECTION_OUTGOING)
    assert await reach("db", depth=2, filter=outgoing) == [("disk", 1)]
    assert await reach("web", depth=3, filter=pb.TraversalFilter(relation_types=["CALLS"])) == [
        ("api", 1), ("db", 2), ("cache", 2),
    ]  # fmt: skip
    assert await reach("web", depth=3, filter=pb.TraversalFilter(min_weight=2)) == [
        ("api", 1), ("db", 2),
    ]  # fmt: skip
    assert await reach("db", filter=pb.TraversalFilter(entity_types=["hardware"])) == [("disk", 1)]
    assert await reach("web", depth=3, max_entities=2) == [("api", 1), ("db", 2)]
    assert await reach("island") == []
    response = await graph.GetNeighbors(pb.GetNeighborsRequest(entity_id=ids["web"], depth=2))
    assert {r.id for r in response.relations} == {n.via_relation_id for n in response.neighbors}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.GetNeighbors(pb.GetNeighborsRequest(entity_id=ids["web"], depth=6))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "depth" in violations(err.value)


async def test_shortest_path(graph) -> None:
    ids = await chain(graph)

    async def path(a: str, b: str, **kw) -> pb.FindShortestPathResponse:
        return await graph.FindShortestPath(
            pb.FindShortestPathRequest(source_id=ids[a], target_id=ids[b], **kw)
        )

    found = await path("web", "disk")
    assert found.found and [e.name for e in found.entities] == ["web", "api", "db", "disk"]
    assert [r.type for r in found.relations] == ["CALLS", "CALLS", "STORES_ON"]
    back = await path("disk", "web")
    assert [e.name for e in back.entities] == ["disk", "db", "api", "web"]
    one_way = pb.TraversalFilter(direction=pb.TRAVERSAL_DIRECTION_OUTGOING)
    assert not (await path("disk", "web", filter=one_way)).found
    assert not (await path("web", "disk", max_depth=2)).found
    assert not (await path("web", "island")).found
    # The target is reachable even when its type is filtered out of the way there.
    hardware_only = pb.TraversalFilter(entity_types=["hardware"])
    assert (await path("db", "disk", filter=hardware_only)).found
    assert not (await path("web", "disk", filter=hardware_only)).found
    same = await path("web", "web")
    assert same.found and [e.name for e in same.entities] == ["web"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.FindShortestPath(
            pb.FindShortestPathRequest(source_id=ids["web"], target_id=str(uuid.uuid4()))
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.FindShortestPath(
            pb.FindShortestPathRequest(source_id=ids["web"], target_id=ids["db"], max_depth=9)
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_relations_are_isolated_by_project(graph) -> None:
    alpha = project("alpha")
    a, b = await entity(graph, "a", metadata=alpha), await entity(graph, "b", metadata=alpha)
    rel = (await relate(graph, a, b, metadata=alpha)).relation
    beta = project("beta")
    x = await entity(graph, "x", metadata=beta)
    for call in (
        graph.GetRelation(pb.GetRelationRequest(id=rel.id), metadata=beta),
        graph.DeleteRelation(pb.DeleteRelationRequest(id=rel.id), metadata=beta),
        relate(graph, x, a, metadata=beta),
        graph.FindShortestPath(pb.FindShortestPathRequest(source_id=a, target_id=b), metadata=beta),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert (
        list((await graph.ListRelations(pb.ListRelationsRequest(), metadata=beta)).relations) == []
    )
