"""KnowledgeGraphService: validated by the interceptor -> call the domain -> map the result."""

from __future__ import annotations

import uuid

import grpc

from athena.api.convert import from_timestamp, timestamp
from athena.api.interceptors import current_principal, current_project, current_request_id
from athena.audit import Actor
from athena.graph import (
    Community,
    CommunityStore,
    Direction,
    Entity,
    KnowledgeGraph,
    NewEntity,
    NewRelation,
    Relation,
    RelationFilter,
    TraversalFilter,
)
from athena.v1 import graph_pb2 as pb
from athena.v1 import graph_pb2_grpc

_DIRECTION = {
    pb.TRAVERSAL_DIRECTION_UNSPECIFIED: Direction.BOTH,
    pb.TRAVERSAL_DIRECTION_BOTH: Direction.BOTH,
    pb.TRAVERSAL_DIRECTION_OUTGOING: Direction.OUT,
    pb.TRAVERSAL_DIRECTION_INCOMING: Direction.IN,
}


def entity(e: Entity) -> pb.Entity:
    return pb.Entity(
        id=str(e.id),
        name=e.name,
        type=e.type,
        description=e.description,
        properties=e.properties,
        aliases=list(e.aliases),
        create_time=timestamp(e.create_time),
        update_time=timestamp(e.update_time),
    )


def relation(r: Relation) -> pb.Relation:
    return pb.Relation(
        id=str(r.id),
        source_id=str(r.source_id),
        target_id=str(r.target_id),
        type=r.type,
        weight=r.weight,
        properties=r.properties,
        valid_from=timestamp(r.valid_from),
        valid_to=timestamp(r.valid_to),
        source_event_ids=[str(i) for i in r.source_event_ids],
        create_time=timestamp(r.create_time),
        update_time=timestamp(r.update_time),
    )


def community(c: Community) -> pb.Community:
    return pb.Community(
        id=str(c.id),
        level=c.level,
        summary=c.summary,
        size=c.size,
        entity_ids=[str(i) for i in c.entity_ids],
        create_time=timestamp(c.create_time),
    )


def new_relation(m: pb.NewRelation) -> NewRelation:
    return NewRelation(
        source_id=uuid.UUID(m.source_id),
        target_id=uuid.UUID(m.target_id),
        type=m.type,
        weight=m.weight if m.HasField("weight") else None,
        properties=dict(m.properties),
        valid_from=from_timestamp(m.valid_from, "relation.valid_from")
        if m.HasField("valid_from")
        else None,
        valid_to=from_timestamp(m.valid_to, "relation.valid_to")
        if m.HasField("valid_to")
        else None,
        source_event_ids=tuple(uuid.UUID(i) for i in m.source_event_ids),
    )


def traversal_filter(m: pb.TraversalFilter) -> TraversalFilter:
    return TraversalFilter(
        direction=_DIRECTION[m.direction],
        relation_types=tuple(m.relation_types),
        entity_types=tuple(m.entity_types),
        min_weight=m.min_weight,
        valid_at=from_timestamp(m.valid_at, "filter.valid_at") if m.HasField("valid_at") else None,
    )


class KnowledgeGraphServicer(graph_pb2_grpc.KnowledgeGraphServiceServicer):
    """Thin adapter over the graph domain."""

    def __init__(self, graph: KnowledgeGraph, communities: CommunityStore) -> None:
        self._graph = graph
        self._communities = communities

    async def UpsertEntity(
        self, request: pb.UpsertEntityRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpsertEntityResponse:
        e = request.entity
        stored, created = await self._graph.upsert_entity(
            current_project(),
            NewEntity(
                name=e.name,
                type=e.type,
                description=e.description,
                properties=dict(e.properties),
                aliases=tuple(e.aliases),
            ),
        )
        return pb.UpsertEntityResponse(entity=entity(stored), created=created)

    async def GetEntity(
        self, request: pb.GetEntityRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEntityResponse:
        found = await self._graph.get_entity(current_project(), uuid.UUID(request.id))
        return pb.GetEntityResponse(entity=entity(found))

    async def ListEntities(
        self, request: pb.ListEntitiesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEntitiesResponse:
        found, token = await self._graph.list_entities(
            current_project(), tuple(request.types), request.page_size, request.page_token
        )
        return pb.ListEntitiesResponse(entities=[entity(e) for e in found], next_page_token=token)

    async def DeleteEntity(
        self, request: pb.DeleteEntityRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteEntityResponse:
        actor = Actor(principal=current_principal(), request_id=current_request_id())
        await self._graph.delete_entity(
            current_project(), uuid.UUID(request.id), actor, request.reason
        )
        return pb.DeleteEntityResponse(id=request.id)

    async def SearchEntities(
        self, request: pb.SearchEntitiesRequest, context: grpc.aio.ServicerContext
    ) -> pb.SearchEntitiesResponse:
        hits = await self._graph.search_entities(
            current_project(), request.query, tuple(request.types), request.top_k or 10
        )
        return pb.SearchEntitiesResponse(
            results=[pb.ScoredEntity(entity=entity(h.entity), score=h.score) for h in hits]
        )

    async def UpsertRelation(
        self, request: pb.UpsertRelationRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpsertRelationResponse:
        stored, created = await self._graph.upsert_relation(
            current_project(), new_relation(request.relation)
        )
        return pb.UpsertRelationResponse(relation=relation(stored), created=created)

    async def GetRelation(
        self, request: pb.GetRelationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRelationResponse:
        found = await self._graph.get_relation(current_project(), uuid.UUID(request.id))
        return pb.GetRelationResponse(relation=relation(found))

    async def ListRelations(
        self, request: pb.ListRelationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRelationsResponse:
        f = request.filter
        found, token = await self._graph.list_relations(
            current_project(),
            RelationFilter(
                entity_id=uuid.UUID(f.entity_id) if f.entity_id else None,
                direction=_DIRECTION[f.direction],
                types=tuple(f.types),
                valid_at=from_timestamp(f.valid_at, "filter.valid_at")
                if f.HasField("valid_at")
                else None,
            ),
            request.page_size,
            request.page_token,
        )
        return pb.ListRelationsResponse(
            relations=[relation(r) for r in found], next_page_token=token
        )

    async def DeleteRelation(
        self, request: pb.DeleteRelationRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteRelationResponse:
        await self._graph.delete_relation(current_project(), uuid.UUID(request.id))
        return pb.DeleteRelationResponse(id=request.id)

    async def GetNeighbors(
        self, request: pb.GetNeighborsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetNeighborsResponse:
        reached, relations = await self._graph.neighbors(
            current_project(),
            uuid.UUID(request.entity_id),
            request.depth or 1,
            traversal_filter(request.filter),
            request.max_entities or 100,
        )
        return pb.GetNeighborsResponse(
            neighbors=[
                pb.Neighbor(
                    entity=entity(n.entity), depth=n.depth, via_relation_id=str(n.via_relation_id)
                )
                for n in reached
            ],
            relations=[relation(r) for r in relations],
        )

    async def FindShortestPath(
        self, request: pb.FindShortestPathRequest, context: grpc.aio.ServicerContext
    ) -> pb.FindShortestPathResponse:
        found = await self._graph.shortest_path(
            current_project(),
            uuid.UUID(request.source_id),
            uuid.UUID(request.target_id),
            request.max_depth or 6,
            traversal_filter(request.filter),
        )
        if found is None:
            return pb.FindShortestPathResponse(found=False)
        entities, relations = found
        return pb.FindShortestPathResponse(
            found=True,
            entities=[entity(e) for e in entities],
            relations=[relation(r) for r in relations],
        )

    async def ComputeCommunities(
        self, request: pb.ComputeCommunitiesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ComputeCommunitiesResponse:
        run = await self._communities.compute(
            current_project(), request.resolution, request.seed, request.min_degree
        )
        return pb.ComputeCommunitiesResponse(
            community_count=run.community_count,
            level_count=run.level_count,
            modularity=run.modularity,
        )

    async def ListCommunities(
        self, request: pb.ListCommunitiesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCommunitiesResponse:
        found, token = await self._communities.list(
            current_project(),
            request.level if request.HasField("level") else None,
            request.page_size,
            request.page_token,
        )
        return pb.ListCommunitiesResponse(
            communities=[community(c) for c in found], next_page_token=token
        )

    async def GetCommunity(
        self, request: pb.GetCommunityRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCommunityResponse:
        found = await self._communities.get(current_project(), uuid.UUID(request.id))
        return pb.GetCommunityResponse(community=community(found))

    async def ListEventEntities(
        self, request: pb.ListEventEntitiesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEventEntitiesResponse:
        found, token = await self._graph.event_entities(
            current_project(), uuid.UUID(request.event_id), request.page_size, request.page_token
        )
        return pb.ListEventEntitiesResponse(
            entities=[entity(e) for e in found], next_page_token=token
        )

    async def ListEntityEvents(
        self, request: pb.ListEntityEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEntityEventsResponse:
        ids, token = await self._graph.entity_events(
            current_project(), uuid.UUID(request.entity_id), request.page_size, request.page_token
        )
        return pb.ListEntityEventsResponse(event_ids=[str(i) for i in ids], next_page_token=token)

    async def ListEventLinks(
        self, request: pb.ListEventLinksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEventLinksResponse:
        links, token = await self._graph.event_links(
            current_project(),
            uuid.UUID(request.event_id),
            request.direction == pb.EVENT_LINK_DIRECTION_SUCCESSORS,
            request.page_size,
            request.page_token,
        )
        return pb.ListEventLinksResponse(
            links=[
                pb.EventLink(
                    event_id=str(link.event_id),
                    predecessor_id=str(link.predecessor_id),
                    type=link.type,
                    weight=link.weight,
                )
                for link in links
            ],
            next_page_token=token,
        )
