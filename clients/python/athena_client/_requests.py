"""Request building shared by the sync and async clients: enum names, dicts and datetimes in,
generated proto messages out. Nothing here does I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeAlias

from athena.v1 import common_pb2
from athena.v1 import memory_pb2 as pb
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.timestamp_pb2 import Timestamp

PROJECT_HEADER = "x-athena-project"

EnumLike: TypeAlias = int | str
"""An enum value: the generated int (`pb.EVENT_TYPE_ACTION`) or a short name (`"action"`)."""
TimeLike: TypeAlias = datetime | Timestamp
"""A `datetime` (naive means UTC) or a protobuf `Timestamp`."""
NewEventLike: TypeAlias = pb.NewEvent | Mapping[str, Any]
"""A `NewEvent`, or a dict of its fields (enums and times in any form `record_event` accepts)."""
EventFilterLike: TypeAlias = pb.EventFilter | Mapping[str, Any]
"""An `EventFilter`, or a dict of its fields; `types` and `consolidation_status` take short names
and `time_range` takes a `TimeRange`, a dict or a `(start, end)` pair (either may be None)."""

_ALIASES = {"ASC": "ASCENDING", "DESC": "DESCENDING", "FULLTEXT": "FULL_TEXT", "TEXT": "FULL_TEXT"}


def to_enum_value(wrapper: EnumTypeWrapper, prefix: str, value: EnumLike, what: str) -> int:
    """The int of `value`, which is an int or a name with or without `prefix`, in any case.

    Ints pass through unchecked: the server validates them, and new values may be added.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{what} must be an int or a name, not {type(value).__name__}")
    if isinstance(value, int):
        return value
    name = value.strip().upper().replace("-", "_").replace(" ", "_")
    name = _ALIASES.get(name, name)
    if not name.startswith(prefix):
        name = prefix + name
    try:
        return wrapper.Value(name)
    except ValueError:
        known = ", ".join(
            repr(n.removeprefix(prefix).lower())
            for n in wrapper.keys()
            if not n.endswith("_UNSPECIFIED")
        )
        raise ValueError(f"unknown {what} {value!r}; expected one of {known}") from None


def to_event_type(value: EnumLike) -> int:
    return to_enum_value(pb.EventType, "EVENT_TYPE_", value, "event type")


def to_outcome(value: EnumLike) -> int:
    return to_enum_value(pb.Outcome, "OUTCOME_", value, "outcome")


def to_consolidation_status(value: EnumLike) -> int:
    return to_enum_value(
        pb.ConsolidationStatus, "CONSOLIDATION_STATUS_", value, "consolidation status"
    )


def to_order_by(value: EnumLike) -> int:
    return to_enum_value(pb.EventOrderBy, "EVENT_ORDER_BY_", value, "order_by")


def to_sort_order(value: EnumLike) -> int:
    return to_enum_value(common_pb2.SortOrder, "SORT_ORDER_", value, "order")


def to_search_mode(value: EnumLike) -> int:
    return to_enum_value(pb.SearchMode, "SEARCH_MODE_", value, "search mode")


def to_timestamp(value: TimeLike) -> Timestamp:
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, datetime):
        stamp = Timestamp()
        stamp.FromDatetime(value)
        return stamp
    raise TypeError(f"expected a datetime or Timestamp, not {type(value).__name__}")


def to_event_context(value: pb.EventContext | Mapping[str, Any]) -> pb.EventContext:
    if isinstance(value, pb.EventContext):
        return value
    return pb.EventContext(**value)


def to_new_event(
    session_id: str,
    type: EnumLike,
    content: str,
    *,
    occur_time: TimeLike | None = None,
    actor: str = "",
    outcome: EnumLike = 0,
    context: pb.EventContext | Mapping[str, Any] | None = None,
    importance: float | None = None,
    confidence: float | None = None,
    tags: Iterable[str] = (),
    attributes: Mapping[str, str] | None = None,
) -> pb.NewEvent:
    """A NewEvent from keyword fields, converting enum names, datetimes and dicts."""
    event = pb.NewEvent(
        session_id=session_id,
        type=to_event_type(type),
        content=content,
        actor=actor,
        outcome=to_outcome(outcome),
        tags=list(tags),
        attributes=dict(attributes or {}),
    )
    if occur_time is not None:
        event.occur_time.CopyFrom(to_timestamp(occur_time))
    if context is not None:
        event.context.CopyFrom(to_event_context(context))
    if importance is not None:
        event.importance = importance
    if confidence is not None:
        event.confidence = confidence
    return event


def as_new_event(value: NewEventLike) -> pb.NewEvent:
    if isinstance(value, pb.NewEvent):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a NewEvent or a dict, not {type(value).__name__}")
    fields = dict(value)
    # Missing required fields go to the server as empty, so it names them like for a NewEvent.
    fields.setdefault("session_id", "")
    fields.setdefault("type", 0)
    fields.setdefault("content", "")
    return to_new_event(**fields)


def to_time_range(
    value: common_pb2.TimeRange | Mapping[str, Any] | Sequence[Any],
) -> common_pb2.TimeRange:
    if isinstance(value, common_pb2.TimeRange):
        return value
    if isinstance(value, Mapping):
        start, end = value.get("start_time"), value.get("end_time")
        unknown = set(value) - {"start_time", "end_time"}
        if unknown:
            raise ValueError(f"unknown time_range keys: {sorted(unknown)}")
    else:
        start, end = value
    result = common_pb2.TimeRange()
    if start is not None:
        result.start_time.CopyFrom(to_timestamp(start))
    if end is not None:
        result.end_time.CopyFrom(to_timestamp(end))
    return result


def to_event_filter(value: EventFilterLike | None) -> pb.EventFilter | None:
    if value is None or isinstance(value, pb.EventFilter):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an EventFilter or a dict, not {type(value).__name__}")
    fields = dict(value)
    if "types" in fields:
        fields["types"] = [to_event_type(t) for t in fields["types"]]
    if "consolidation_status" in fields:
        fields["consolidation_status"] = to_consolidation_status(fields["consolidation_status"])
    if fields.get("time_range") is not None:
        fields["time_range"] = to_time_range(fields["time_range"])
    return pb.EventFilter(**fields)


def request_id_or_new(request_id: str | None) -> str:
    """The caller's idempotency key, or a fresh one so the client's own retries are safe."""
    return request_id if request_id else str(uuid.uuid4())


def metadata(project: str | None, api_key: str | None) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    if project is not None:
        pairs.append((PROJECT_HEADER, project))
    if api_key is not None:
        pairs.append(("authorization", f"Bearer {api_key}"))
    return tuple(pairs)


# Requests, one builder per rpc.


def record_event_request(event: pb.NewEvent, request_id: str | None) -> pb.RecordEventRequest:
    return pb.RecordEventRequest(event=event, request_id=request_id_or_new(request_id))


def record_events_request(
    events: Iterable[NewEventLike], request_id: str | None
) -> pb.RecordEventsRequest:
    return pb.RecordEventsRequest(
        events=[as_new_event(e) for e in events], request_id=request_id_or_new(request_id)
    )


def list_events_request(
    filter: EventFilterLike | None,
    order_by: EnumLike,
    order: EnumLike,
    page_size: int,
    page_token: str,
) -> pb.ListEventsRequest:
    return pb.ListEventsRequest(
        filter=to_event_filter(filter),
        order_by=to_order_by(order_by),
        order=to_sort_order(order),
        page_size=page_size,
        page_token=page_token,
    )


def search_events_request(
    query: str, filter: EventFilterLike | None, top_k: int, mode: EnumLike
) -> pb.SearchEventsRequest:
    return pb.SearchEventsRequest(
        query=query, filter=to_event_filter(filter), top_k=top_k, mode=to_search_mode(mode)
    )


def delete_events_request(
    filter: EventFilterLike | None, allow_all: bool, validate_only: bool, reason: str
) -> pb.DeleteEventsRequest:
    return pb.DeleteEventsRequest(
        filter=to_event_filter(filter),
        allow_all=allow_all,
        validate_only=validate_only,
        reason=reason,
    )
