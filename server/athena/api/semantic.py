"""SemanticMemoryService: validated by the interceptor -> call the domain -> map the result."""

from __future__ import annotations

import uuid

import grpc

from athena.api.convert import from_timestamp, timestamp
from athena.api.interceptors import current_principal, current_project, current_request_id
from athena.audit import Actor
from athena.errors import FieldViolation, InvalidArgument
from athena.semantic import Fact, FactFilter, NewFact, ScoredFact, SemanticMemory
from athena.v1 import semantic_pb2 as pb
from athena.v1 import semantic_pb2_grpc


def fact(f: Fact) -> pb.Fact:
    return pb.Fact(
        id=str(f.id),
        lineage_id=str(f.lineage_id),
        version=f.version,
        supersedes_id=str(f.supersedes_id) if f.supersedes_id else "",
        subject=f.subject,
        predicate=f.predicate,
        content=f.content,
        domain=f.domain,
        tags=list(f.tags),
        confidence=f.confidence,
        usefulness=f.usefulness,
        source_event_ids=[str(i) for i in f.source_event_ids],
        valid_from=timestamp(f.valid_from),
        valid_to=timestamp(f.valid_to),
        create_time=timestamp(f.create_time),
        update_time=timestamp(f.update_time),
        superseded_time=timestamp(f.superseded_time),
    )


def new_fact(m: pb.NewFact, path: str = "fact") -> NewFact:
    return NewFact(
        subject=m.subject,
        content=m.content,
        predicate=m.predicate,
        domain=m.domain,
        tags=tuple(m.tags),
        confidence=m.confidence if m.HasField("confidence") else 1.0,
        usefulness=m.usefulness if m.HasField("usefulness") else 0.5,
        source_event_ids=tuple(uuid.UUID(i) for i in m.source_event_ids),
        valid_from=from_timestamp(m.valid_from, f"{path}.valid_from")
        if m.HasField("valid_from")
        else None,
        valid_to=from_timestamp(m.valid_to, f"{path}.valid_to") if m.HasField("valid_to") else None,
    )


def fact_changes(m: pb.Fact, paths: list[str]) -> NewFact:
    """The masked fields of an UpdateFact request as a NewFact (unmasked fields stay default)."""
    sources: list[uuid.UUID] = []
    if "source_event_ids" in paths:
        bad = []
        for i, raw in enumerate(m.source_event_ids):
            try:
                sources.append(uuid.UUID(raw))
            except ValueError:
                bad.append(FieldViolation(f"fact.source_event_ids[{i}]", "must be a UUID"))
        if bad:
            raise InvalidArgument(bad)
    return NewFact(
        subject=m.subject,
        content=m.content,
        predicate=m.predicate,
        domain=m.domain,
        tags=tuple(m.tags),
        confidence=m.confidence,
        usefulness=m.usefulness,
        source_event_ids=tuple(sources),
        valid_from=from_timestamp(m.valid_from, "fact.valid_from")
        if m.HasField("valid_from")
        else None,
        valid_to=from_timestamp(m.valid_to, "fact.valid_to") if m.HasField("valid_to") else None,
    )


def fact_filter(m: pb.FactFilter) -> FactFilter:
    return FactFilter(
        subject=m.subject,
        predicate=m.predicate,
        domain=m.domain,
        tags=tuple(m.tags),
        min_confidence=m.min_confidence,
        as_of_time=from_timestamp(m.as_of_time, "filter.as_of_time")
        if m.HasField("as_of_time")
        else None,
        valid_at=from_timestamp(m.valid_at, "filter.valid_at") if m.HasField("valid_at") else None,
        include_superseded=m.include_superseded,
        source_event_id=uuid.UUID(m.source_event_id) if m.source_event_id else None,
    )


def scored_fact(s: ScoredFact) -> pb.ScoredFact:
    return pb.ScoredFact(
        fact=fact(s.fact), score=s.score, text_score=s.text_score, vector_score=s.vector_score
    )


class SemanticMemoryServicer(semantic_pb2_grpc.SemanticMemoryServiceServicer):
    """Thin adapter over the fact domain."""

    def __init__(self, facts: SemanticMemory) -> None:
        self._facts = facts

    async def CreateFact(
        self, request: pb.CreateFactRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateFactResponse:
        result = await self._facts.create(
            current_project(), new_fact(request.fact), request.request_id, request.validate_only
        )
        return pb.CreateFactResponse(
            fact=fact(result.fact) if result.fact else None,
            conflicts=[fact(c) for c in result.conflicts],
            replayed=result.replayed,
        )

    async def GetFact(
        self, request: pb.GetFactRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetFactResponse:
        found = await self._facts.get(current_project(), uuid.UUID(request.id))
        return pb.GetFactResponse(fact=fact(found))

    async def ListFacts(
        self, request: pb.ListFactsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFactsResponse:
        facts, token = await self._facts.list(
            current_project(), fact_filter(request.filter), request.page_size, request.page_token
        )
        return pb.ListFactsResponse(facts=[fact(f) for f in facts], next_page_token=token)

    async def UpdateFact(
        self, request: pb.UpdateFactRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateFactResponse:
        paths = list(request.update_mask.paths)
        result = await self._facts.update(
            current_project(), uuid.UUID(request.id), fact_changes(request.fact, paths), paths
        )
        assert result.fact is not None
        return pb.UpdateFactResponse(
            fact=fact(result.fact),
            conflicts=[fact(c) for c in result.conflicts],
            superseded=result.superseded,
        )

    async def DeleteFact(
        self, request: pb.DeleteFactRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteFactResponse:
        actor = Actor(principal=current_principal(), request_id=current_request_id())
        lineage, count = await self._facts.delete(
            current_project(), uuid.UUID(request.id), actor, request.reason
        )
        return pb.DeleteFactResponse(lineage_id=str(lineage), deleted_versions=count)

    async def ListFactVersions(
        self, request: pb.ListFactVersionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFactVersionsResponse:
        facts, token = await self._facts.versions(
            current_project(), uuid.UUID(request.id), request.page_size, request.page_token
        )
        return pb.ListFactVersionsResponse(facts=[fact(f) for f in facts], next_page_token=token)

    async def SearchFacts(
        self, request: pb.SearchFactsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SearchFactsResponse:
        hits = await self._facts.search(
            current_project(), request.query, request.top_k or 10, fact_filter(request.filter)
        )
        return pb.SearchFactsResponse(results=[scored_fact(h) for h in hits])
