"""RecallService: validate (done by the interceptor) -> call the domain -> map the result."""

from __future__ import annotations

import grpc

from athena.api import convert
from athena.api.interceptors import current_project
from athena.recall import Fusion, Recall, RecallItem, RecallLayer, RecallQuery
from athena.v1 import meta_pb2, recall_pb2, recall_pb2_grpc

_LAYER_TO_PB = {
    layer: meta_pb2.MemoryLayer.Value(f"MEMORY_LAYER_{layer.name}") for layer in RecallLayer
}
_LAYER_FROM_PB = {v: k for k, v in _LAYER_TO_PB.items()}
_FUSION_FROM_PB = {
    recall_pb2.RECALL_FUSION_UNSPECIFIED: Fusion.WEIGHTED,
    recall_pb2.RECALL_FUSION_WEIGHTED: Fusion.WEIGHTED,
    recall_pb2.RECALL_FUSION_RRF: Fusion.RRF,
}
DEFAULT_K = 10


def recall_query(pb: recall_pb2.RecallRequest) -> RecallQuery:
    time_range = pb.time_range
    return RecallQuery(
        text=pb.query,
        k=pb.k or DEFAULT_K,
        layers=tuple(_LAYER_FROM_PB[layer] for layer in pb.layers),
        start_time=convert.from_timestamp(time_range.start_time, "time_range.start_time")
        if time_range.HasField("start_time")
        else None,
        end_time=convert.from_timestamp(time_range.end_time, "time_range.end_time")
        if time_range.HasField("end_time")
        else None,
        session_id=pb.session_id or None,
        max_tokens=pb.max_tokens,
        fusion=_FUSION_FROM_PB[pb.fusion],
        record_access=pb.record_access,
    )


def recall_result(item: RecallItem) -> recall_pb2.RecallResult:
    p = item.parts
    result = recall_pb2.RecallResult(
        layer=_LAYER_TO_PB[item.layer],
        id=item.id,
        text=item.text,
        score=item.score,
        score_parts=recall_pb2.RecallScoreParts(
            text=p.text,
            vector=p.vector,
            context=p.context,
            actor=p.actor,
            temporal=p.temporal,
            recency=p.recency,
            importance=p.importance,
            usefulness=p.usefulness,
            graph=p.graph,
            text_rank=p.text_rank,
            vector_rank=p.vector_rank,
        ),
        time=convert.timestamp(item.time),
        provenance=recall_pb2.RecallProvenance(
            session_id=item.provenance.session_id,
            actor=item.provenance.actor,
            source_event_ids=list(item.provenance.source_event_ids),
        ),
        tokens=item.tokens,
    )
    if item.layer is RecallLayer.EVENT and item.payload is not None:
        result.event.CopyFrom(convert.event(item.payload))
    return result


class RecallServicer(recall_pb2_grpc.RecallServiceServicer):
    """Thin adapter over the recall domain."""

    def __init__(self, recall: Recall) -> None:
        self._recall = recall

    async def Recall(
        self, request: recall_pb2.RecallRequest, context: grpc.aio.ServicerContext
    ) -> recall_pb2.RecallResponse:
        outcome = await self._recall.recall(current_project(), recall_query(request))
        return recall_pb2.RecallResponse(
            results=[recall_result(item) for item in outcome.items],
            context=outcome.context,
            context_tokens=outcome.context_tokens,
            truncated=outcome.truncated,
            temporal=outcome.temporal,
        )
