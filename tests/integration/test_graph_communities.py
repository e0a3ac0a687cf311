"""Communities: Louvain over the entity graph, stored with a level and a summary."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.v1 import graph_pb2 as pb
from athena.v1 import graph_pb2_grpc

from tests.support import violations


def project(name: str) -> tuple[tuple[str, str], ...]:
    return (("x-athena-project", name),)


@pytest.fixture
def graph(channel) -> graph_pb2_grpc.KnowledgeGraphServiceStub:
    return graph_pb2_grpc.KnowledgeGraphServiceStub(channel)


async def clique(graph, prefix: str, size: int, kind: str) -> list[str]:
    ids = []
    for i in range(size):
        request = pb.UpsertEntityRequest(entity=pb.NewEntity(name=f"{prefix}{i}", type=kind))
        ids.append((await graph.UpsertEntity(request)).entity.id)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            await graph.UpsertRelation(
                pb.UpsertRelationRequest(
                    relation=pb.NewRelation(source_id=a, target_id=b, type="RELATED", weight=3)
                )
            )
    return ids


async def test_two_clusters_become_two_communities(graph) -> None:
    services = await clique(graph, "svc", 4, "service")
    people = await clique(graph, "dev", 4, "person")
    await graph.UpsertRelation(
        pb.UpsertRelationRequest(
            relation=pb.NewRelation(source_id=services[0], target_id=people[0], type="OWNS")
        )
    )
    run = await graph.ComputeCommunities(pb.ComputeCommunitiesRequest(seed=7))
    assert run.community_count >= 2 and run.level_count >= 1 and run.modularity > 0.3
    level0 = await graph.ListCommunities(pb.ListCommunitiesRequest(level=0))
    assert [c.size for c in level0.communities] == [4, 4]
    members = []
    for c in level0.communities:
        full = (await graph.GetCommunity(pb.GetCommunityRequest(id=c.id))).community
        assert full.level == 0 and len(full.entity_ids) == 4
        members.append(set(full.entity_ids))
    assert set(map(frozenset, members)) == {frozenset(services), frozenset(people)}
    summaries = sorted(c.summary for c in level0.communities)
    assert summaries[0].startswith("4 entities (4 person); most connected: dev0")
    assert "4 service" in summaries[1]
    # The same seed gives the same partition; a new run replaces the old communities.
    again = await graph.ComputeCommunities(pb.ComputeCommunitiesRequest(seed=7))
    assert again.community_count == run.community_count
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.GetCommunity(pb.GetCommunityRequest(id=level0.communities[0].id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    everything = await graph.ListCommunities(pb.ListCommunitiesRequest(page_size=1))
    assert len(everything.communities) == 1 and everything.next_page_token
    rest = await graph.ListCommunities(
        pb.ListCommunitiesRequest(page_size=100, page_token=everything.next_page_token)
    )
    assert len(rest.communities) == run.community_count - 1


async def test_empty_graph_and_min_degree(graph) -> None:
    run = await graph.ComputeCommunities(pb.ComputeCommunitiesRequest())
    assert run.community_count == 0 and run.level_count == 0
    await clique(graph, "n", 3, "concept")
    pruned = await graph.ComputeCommunities(pb.ComputeCommunitiesRequest(min_degree=3))
    assert pruned.community_count == 0


async def test_bad_input_not_found_and_isolation(graph) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.ComputeCommunities(pb.ComputeCommunitiesRequest(resolution=-1))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "resolution" in violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.GetCommunity(pb.GetCommunityRequest(id=str(uuid.uuid4())))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.ListCommunities(pb.ListCommunitiesRequest(page_token="garbage"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await clique(graph, "n", 3, "concept")
    await graph.ComputeCommunities(pb.ComputeCommunitiesRequest())
    mine = (await graph.ListCommunities(pb.ListCommunitiesRequest())).communities
    assert mine
    beta = project("beta")
    assert (
        list((await graph.ListCommunities(pb.ListCommunitiesRequest(), metadata=beta)).communities)
        == []
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.GetCommunity(pb.GetCommunityRequest(id=mine[0].id), metadata=beta)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    # Another project's run leaves these communities alone.
    await graph.ComputeCommunities(pb.ComputeCommunitiesRequest(), metadata=beta)
    assert (await graph.GetCommunity(pb.GetCommunityRequest(id=mine[0].id))).community.size == 3
