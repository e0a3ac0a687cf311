"""Entities: upsert by name, read, list, search, delete; errors and project isolation."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.v1 import graph_pb2 as pb
from athena.v1 import graph_pb2_grpc

from tests.support import error_info, violations


def project(name: str) -> tuple[tuple[str, str], ...]:
    return (("x-athena-project", name),)


@pytest.fixture
def graph(channel) -> graph_pb2_grpc.KnowledgeGraphServiceStub:
    return graph_pb2_grpc.KnowledgeGraphServiceStub(channel)


async def upsert(graph, metadata=(), **fields) -> pb.UpsertEntityResponse:
    return await graph.UpsertEntity(
        pb.UpsertEntityRequest(entity=pb.NewEntity(**fields)), metadata=metadata
    )


async def test_upsert_creates_then_merges_by_name(graph) -> None:
    first = await upsert(
        graph, name="Payment  Service", type="Service", description="takes money",
        properties={"lang": "go", "team": "billing"}, aliases=["payments"],
    )  # fmt: skip
    assert first.created
    e = first.entity
    assert e.name == "Payment Service" and e.type == "service" and list(e.aliases) == ["payments"]
    second = await upsert(
        graph, name="payment service", properties={"lang": "rust"}, aliases=["payments", "pay"]
    )
    assert not second.created and second.entity.id == e.id
    merged = second.entity
    assert merged.type == "service" and merged.description == "takes money"
    assert dict(merged.properties) == {"lang": "rust", "team": "billing"}
    assert list(merged.aliases) == ["payments", "pay"]
    fetched = (await graph.GetEntity(pb.GetEntityRequest(id=e.id))).entity
    assert fetched == merged


async def test_new_entity_without_type_is_a_concept(graph) -> None:
    assert (await upsert(graph, name="idempotency")).entity.type == "concept"


BAD_UPSERTS = [
    ({"name": ""}, "entity.name"),
    ({"name": "x" * 513}, "entity.name"),
    ({"name": "   "}, "entity.name"),
    ({"name": "x", "aliases": [""]}, "entity.aliases[0]"),
    ({"name": "x", "type": "t" * 65}, "entity.type"),
]


async def test_upsert_rejects_bad_input(graph) -> None:
    for fields, field in BAD_UPSERTS:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await upsert(graph, **fields)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, fields
        assert field in violations(err.value), fields
    assert list((await graph.ListEntities(pb.ListEntitiesRequest())).entities) == []


async def test_list_by_name_with_type_filter_and_pages(graph) -> None:
    for name, kind in [("zeta", "tool"), ("alpha", "tool"), ("Mid", "person"), ("beta", "tool")]:
        await upsert(graph, name=name, type=kind)
    tools = await graph.ListEntities(pb.ListEntitiesRequest(types=["TOOL"], page_size=2))
    assert [e.name for e in tools.entities] == ["alpha", "beta"] and tools.next_page_token
    rest = await graph.ListEntities(
        pb.ListEntitiesRequest(types=["tool"], page_size=2, page_token=tools.next_page_token)
    )
    assert [e.name for e in rest.entities] == ["zeta"] and not rest.next_page_token
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.ListEntities(pb.ListEntitiesRequest(page_token=tools.next_page_token))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    everything = await graph.ListEntities(pb.ListEntitiesRequest())
    assert [e.name for e in everything.entities] == ["alpha", "beta", "Mid", "zeta"]


async def test_search_exact_alias_fuzzy_and_description(graph) -> None:
    pg = (await upsert(graph, name="PostgreSQL", type="tool", aliases=["postgres"])).entity
    await upsert(graph, name="pgvector", type="tool", description="vector similarity search")
    alice = (await upsert(graph, name="Alice Smith", type="person")).entity

    async def search(query: str, **kw) -> list[tuple[str, float]]:
        response = await graph.SearchEntities(pb.SearchEntitiesRequest(query=query, **kw))
        return [(h.entity.name, h.score) for h in response.results]

    assert (await search("postgresql"))[0] == (pg.name, 1.0)
    assert (await search("Postgres"))[0] == (pg.name, 1.0)
    assert (await search("postgrse"))[0][0] == pg.name  # a typo still finds it (trigrams)
    assert (await search("similarity"))[0][0] == "pgvector"
    assert (await search("smith"))[0][0] == alice.name
    assert await search("smith", types=["tool"]) == []
    assert await search("kubernetes") == []


async def test_search_rejects_bad_input(graph) -> None:
    for request_fields, field in [
        ({"query": ""}, "query"),
        ({"query": "x", "top_k": 101}, "top_k"),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await graph.SearchEntities(pb.SearchEntitiesRequest(**request_fields))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in violations(err.value)


BY_ENTITY_ID = [
    lambda g, i: g.GetEntity(pb.GetEntityRequest(id=i)),
    lambda g, i: g.DeleteEntity(pb.DeleteEntityRequest(id=i)),
    lambda g, i: g.ListEntityEvents(pb.ListEntityEventsRequest(entity_id=i)),
    lambda g, i: g.GetNeighbors(pb.GetNeighborsRequest(entity_id=i)),
    lambda g, i: g.ListRelations(pb.ListRelationsRequest(filter=pb.RelationFilter(entity_id=i))),
]


async def test_unknown_entity_is_not_found_and_bad_id_invalid(graph) -> None:
    missing = str(uuid.uuid4())
    for call in BY_ENTITY_ID:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(graph, missing)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert error_info(err.value).metadata["id"] == missing
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(graph, "nope")
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_delete_removes_the_entity_and_its_relations(graph) -> None:
    a = (await upsert(graph, name="a")).entity
    b = (await upsert(graph, name="b")).entity
    rel = (
        await graph.UpsertRelation(
            pb.UpsertRelationRequest(
                relation=pb.NewRelation(source_id=a.id, target_id=b.id, type="uses")
            )
        )
    ).relation
    await graph.DeleteEntity(pb.DeleteEntityRequest(id=a.id, reason="merged"))
    for call in (
        graph.GetEntity(pb.GetEntityRequest(id=a.id)),
        graph.GetRelation(pb.GetRelationRequest(id=rel.id)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await graph.GetEntity(pb.GetEntityRequest(id=b.id))).entity.name == "b"


async def test_entities_are_isolated_by_project(graph) -> None:
    mine = (await upsert(graph, project("alpha"), name="secret", type="concept")).entity
    theirs = project("beta")
    for call in (
        graph.GetEntity(pb.GetEntityRequest(id=mine.id), metadata=theirs),
        graph.DeleteEntity(pb.DeleteEntityRequest(id=mine.id), metadata=theirs),
        graph.GetNeighbors(pb.GetNeighborsRequest(entity_id=mine.id), metadata=theirs),
        graph.ListEntityEvents(pb.ListEntityEventsRequest(entity_id=mine.id), metadata=theirs),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert (
        list((await graph.ListEntities(pb.ListEntitiesRequest(), metadata=theirs)).entities) == []
    )
    hits = await graph.SearchEntities(pb.SearchEntitiesRequest(query="secret"), metadata=theirs)
    assert list(hits.results) == []
    # The same name in another project is another entity.
    other = await upsert(graph, theirs, name="secret")
    assert other.created and other.entity.id != mine.id
