"""Proto messages <-> episodic domain objects."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import timestamp_pb2

from athena.errors import FieldViolation, InvalidArgument
from athena.memory import (
    ConsolidationStatus,
    Event,
    EventContext,
    EventFilter,
    EventOrder,
    EventStats,
    EventType,
    NewEvent,
    Outcome,
    ScoredEvent,
    SearchMode,
)
from athena.v1 import common_pb2, memory_pb2

# Enum values are mapped by name, so the proto numbering and the stored text stay independent.
_TYPE_TO_PB = {t: memory_pb2.EventType.Value(f"EVENT_TYPE_{t.name}") for t in EventType}
_TYPE_FROM_PB = {v: k for k, v in _TYPE_TO_PB.items()}
_OUTCOME_TO_PB = {o: memory_pb2.Outcome.Value(f"OUTCOME_{o.name}") for o in Outcome}
_OUTCOME_FROM_PB = {v: k for k, v in _OUTCOME_TO_PB.items()}
_STATUS_TO_PB = {
    s: memory_pb2.ConsolidationStatus.Value(f"CONSOLIDATION_STATUS_{s.name}")
    for s in ConsolidationStatus
}
_STATUS_FROM_PB = {v: k for k, v in _STATUS_TO_PB.items()}
_MODE_FROM_PB = {
    memory_pb2.SEARCH_MODE_UNSPECIFIED: SearchMode.HYBRID,
    memory_pb2.SEARCH_MODE_HYBRID: SearchMode.HYBRID,
    memory_pb2.SEARCH_MODE_FULL_TEXT: SearchMode.FULL_TEXT,
    memory_pb2.SEARCH_MODE_VECTOR: SearchMode.VECTOR,
}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """A naive datetime is taken as UTC (as Timestamp.FromDatetime does)."""
    # Arithmetic on the timedelta: Timestamp.FromDatetime was a fifth of the server's CPU per
    # streamed task (five timestamps each) and a tenth of a recorded batch's response.
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000
    )


def from_timestamp(ts: timestamp_pb2.Timestamp, field: str) -> datetime:
    """A timezone-aware datetime; INVALID_ARGUMENT naming `field` if out of range."""
    try:
        return ts.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument(
            [FieldViolation(field, "must be a valid timestamp between years 1 and 9999")]
        ) from exc


def new_event(pb: memory_pb2.NewEvent, path: str = "event") -> NewEvent:
    ctx = pb.context
    return NewEvent(
        session_id=pb.session_id,
        type=_TYPE_FROM_PB[pb.type],
        content=pb.content,
        occur_time=from_timestamp(pb.occur_time, f"{path}.occur_time")
        if pb.HasField("occur_time")
        else None,
        actor=pb.actor,
        outcome=_OUTCOME_FROM_PB[pb.outcome],
        context=EventContext(
            cwd=ctx.cwd, files=tuple(ctx.files), task=ctx.task, phase=ctx.phase, branch=ctx.branch
        ),
        importance=pb.importance if pb.HasField("importance") else 0.5,
        confidence=pb.confidence if pb.HasField("confidence") else 1.0,
        tags=tuple(pb.tags),
        attributes=tuple(sorted(pb.attributes.items())),
    )


def event(e: Event) -> memory_pb2.Event:
    return memory_pb2.Event(
        id=str(e.id),
        session_id=e.session_id,
        occur_time=timestamp(e.occur_time),
        type=_TYPE_TO_PB[e.type],
        actor=e.actor,
        content=e.content,
        outcome=_OUTCOME_TO_PB[e.outcome],
        context=memory_pb2.EventContext(
            cwd=e.context.cwd,
            files=list(e.context.files),
            task=e.context.task,
            phase=e.context.phase,
            branch=e.context.branch,
        ),
        importance=e.importance,
        confidence=e.confidence,
        tags=list(e.tags),
        attributes=e.attributes,
        consolidation_status=_STATUS_TO_PB[e.consolidation_status],
        create_time=timestamp(e.create_time),
    )


def event_filter(pb: memory_pb2.EventFilter) -> EventFilter:
    time_range = pb.time_range
    return EventFilter(
        session_id=pb.session_id or None,
        start_time=(
            from_timestamp(time_range.start_time, "filter.time_range.start_time")
            if time_range.HasField("start_time")
            else None
        ),
        end_time=(
            from_timestamp(time_range.end_time, "filter.time_range.end_time")
            if time_range.HasField("end_time")
            else None
        ),
        types=tuple(_TYPE_FROM_PB[t] for t in pb.types),
        tags=tuple(pb.tags),
        min_importance=pb.min_importance or None,
        actor=pb.actor or None,
        consolidation_status=_STATUS_FROM_PB.get(pb.consolidation_status),
    )


def event_order(order_by: int, order: int) -> EventOrder:
    key = "importance" if order_by == memory_pb2.EVENT_ORDER_BY_IMPORTANCE else "occur_time"
    return EventOrder(key=key, descending=order != common_pb2.SORT_ORDER_ASCENDING)


def search_mode(mode: int) -> SearchMode:
    return _MODE_FROM_PB[mode]


def scored_event(s: ScoredEvent) -> memory_pb2.ScoredEvent:
    return memory_pb2.ScoredEvent(
        event=event(s.event),
        score=s.score,
        text_score=s.text_score,
        vector_score=s.vector_score,
        text_rank=s.text_rank,
        vector_rank=s.vector_rank,
    )


def _names(counts: dict[str, int], prefix: str) -> dict[str, int]:
    return {f"{prefix}{name.upper()}": n for name, n in counts.items()}


def stats(project: str, s: EventStats) -> memory_pb2.GetEventStatsResponse:
    return memory_pb2.GetEventStatsResponse(
        project=common_pb2.ProjectRef(id=project),
        total_count=s.total_count,
        session_count=s.session_count,
        count_by_type=_names(s.count_by_type, "EVENT_TYPE_"),
        count_by_outcome=_names(s.count_by_outcome, "OUTCOME_"),
        count_by_consolidation_status=_names(
            s.count_by_consolidation_status, "CONSOLIDATION_STATUS_"
        ),
        first_occur_time=timestamp(s.first_occur_time),
        last_occur_time=timestamp(s.last_occur_time),
        mean_importance=s.mean_importance,
    )
