"""MetaMemoryService: validate (done by the interceptor) -> call the domain -> map back."""

from __future__ import annotations

import grpc

from athena.api.convert import timestamp
from athena.api.interceptors import current_project
from athena.meta import (
    DomainExpertise,
    LayerQuality,
    MemoryItemStats,
    MemoryLayer,
    MemoryRef,
    MetaMemory,
    WorkingMemoryItem,
)
from athena.v1 import meta_pb2, meta_pb2_grpc

pb = meta_pb2

# Enum values are mapped by name, so proto numbering and stored text stay independent.
_LAYER_TO_PB = {layer: pb.MemoryLayer.Value(f"MEMORY_LAYER_{layer.name}") for layer in MemoryLayer}
_LAYER_FROM_PB = {v: k for k, v in _LAYER_TO_PB.items()}


def ref_from_pb(ref: pb.MemoryRef) -> MemoryRef:
    return MemoryRef(_LAYER_FROM_PB[ref.layer], ref.id)


def ref_to_pb(ref: MemoryRef) -> pb.MemoryRef:
    return pb.MemoryRef(layer=_LAYER_TO_PB[ref.layer], id=ref.id)


def stats_to_pb(s: MemoryItemStats) -> pb.MemoryItemStats:
    return pb.MemoryItemStats(
        item=ref_to_pb(s.ref),
        access_count=s.access_count,
        last_access_time=timestamp(s.last_access_time),
        access_score=s.access_score,
        rating_count=s.rating_count,
        usefulness=s.usefulness,
        last_rating_time=timestamp(s.last_rating_time),
        boost=s.boost,
    )


def working_item_to_pb(w: WorkingMemoryItem) -> pb.WorkingMemoryItem:
    return pb.WorkingMemoryItem(
        item=ref_to_pb(w.ref),
        activation=w.activation,
        last_access_time=timestamp(w.last_access_time),
        access_count=w.access_count,
        summary=w.summary,
    )


def expertise_to_pb(d: DomainExpertise) -> pb.DomainExpertise:
    return pb.DomainExpertise(
        domain=d.domain,
        expertise=d.expertise,
        coverage=d.coverage,
        memory_count_by_layer={
            pb.MemoryLayer.Name(_LAYER_TO_PB[k]): v for k, v in d.memory_count_by_layer.items()
        },
        success_count=d.success_count,
        failure_count=d.failure_count,
        partial_count=d.partial_count,
        mean_usefulness=d.mean_usefulness,
        last_activity_time=timestamp(d.last_activity_time),
    )


def quality_to_pb(q: LayerQuality) -> pb.MemoryLayerQuality:
    return pb.MemoryLayerQuality(
        layer=_LAYER_TO_PB[q.layer],
        item_count=q.item_count,
        accessed_count=q.accessed_count,
        recently_accessed_count=q.recently_accessed_count,
        never_accessed_ratio=q.never_accessed_ratio,
        rated_count=q.rated_count,
        mean_usefulness=q.mean_usefulness,
        low_usefulness_count=q.low_usefulness_count,
        mean_confidence=q.mean_confidence,
        mean_access_score=q.mean_access_score,
    )


class MetaServicer(meta_pb2_grpc.MetaMemoryServiceServicer):
    """Thin adapter over the meta-memory domain."""

    def __init__(self, meta: MetaMemory) -> None:
        self._meta = meta

    async def RateMemory(
        self, request: pb.RateMemoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.RateMemoryResponse:
        stats, replayed = await self._meta.rate(
            current_project(),
            ref_from_pb(request.item),
            request.rating,
            session_id=request.session_id,
            comment=request.comment,
            request_id=request.request_id,
        )
        return pb.RateMemoryResponse(stats=stats_to_pb(stats), replayed=replayed)

    async def RecordMemoryAccess(
        self, request: pb.RecordMemoryAccessRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordMemoryAccessResponse:
        count, replayed = await self._meta.record_access(
            current_project(),
            [ref_from_pb(r) for r in request.items],
            request.session_id,
            request_id=request.request_id,
            strict=True,
        )
        return pb.RecordMemoryAccessResponse(recorded_count=count, replayed=replayed)

    async def GetMemoryItemStats(
        self, request: pb.GetMemoryItemStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMemoryItemStatsResponse:
        stats = await self._meta.item_stats(current_project(), ref_from_pb(request.item))
        return pb.GetMemoryItemStatsResponse(stats=stats_to_pb(stats))

    async def GetWorkingMemory(
        self, request: pb.GetWorkingMemoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWorkingMemoryResponse:
        items = await self._meta.working_memory(current_project(), request.session_id, request.size)
        return pb.GetWorkingMemoryResponse(items=[working_item_to_pb(i) for i in items])

    async def ListDomainExpertise(
        self, request: pb.ListDomainExpertiseRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDomainExpertiseResponse:
        domains, token = await self._meta.domain_expertise(
            current_project(), request.page_size, request.page_token
        )
        return pb.ListDomainExpertiseResponse(
            domains=[expertise_to_pb(d) for d in domains], next_page_token=token
        )

    async def GetMemoryQualityStats(
        self, request: pb.GetMemoryQualityStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMemoryQualityStatsResponse:
        layers = await self._meta.quality(
            current_project(), [_LAYER_FROM_PB[x] for x in request.layers]
        )
        return pb.GetMemoryQualityStatsResponse(layers=[quality_to_pb(q) for q in layers])
