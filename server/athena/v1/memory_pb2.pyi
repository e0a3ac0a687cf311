import datetime

from athena.v1 import common_pb2 as _common_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_ACTION: _ClassVar[EventType]
    EVENT_TYPE_OBSERVATION: _ClassVar[EventType]
    EVENT_TYPE_DECISION: _ClassVar[EventType]
    EVENT_TYPE_ERROR: _ClassVar[EventType]
    EVENT_TYPE_TOOL_CALL: _ClassVar[EventType]
    EVENT_TYPE_TOOL_RESULT: _ClassVar[EventType]
    EVENT_TYPE_MESSAGE: _ClassVar[EventType]
    EVENT_TYPE_FILE_CHANGE: _ClassVar[EventType]
    EVENT_TYPE_TEST_RUN: _ClassVar[EventType]
    EVENT_TYPE_REFLECTION: _ClassVar[EventType]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_SUCCESS: _ClassVar[Outcome]
    OUTCOME_FAILURE: _ClassVar[Outcome]
    OUTCOME_PARTIAL: _ClassVar[Outcome]

class ConsolidationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSOLIDATION_STATUS_UNSPECIFIED: _ClassVar[ConsolidationStatus]
    CONSOLIDATION_STATUS_PENDING: _ClassVar[ConsolidationStatus]
    CONSOLIDATION_STATUS_CONSOLIDATED: _ClassVar[ConsolidationStatus]
    CONSOLIDATION_STATUS_SKIPPED: _ClassVar[ConsolidationStatus]

class EventOrderBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_ORDER_BY_UNSPECIFIED: _ClassVar[EventOrderBy]
    EVENT_ORDER_BY_OCCUR_TIME: _ClassVar[EventOrderBy]
    EVENT_ORDER_BY_IMPORTANCE: _ClassVar[EventOrderBy]

class SearchMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_MODE_UNSPECIFIED: _ClassVar[SearchMode]
    SEARCH_MODE_HYBRID: _ClassVar[SearchMode]
    SEARCH_MODE_FULL_TEXT: _ClassVar[SearchMode]
    SEARCH_MODE_VECTOR: _ClassVar[SearchMode]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_ACTION: EventType
EVENT_TYPE_OBSERVATION: EventType
EVENT_TYPE_DECISION: EventType
EVENT_TYPE_ERROR: EventType
EVENT_TYPE_TOOL_CALL: EventType
EVENT_TYPE_TOOL_RESULT: EventType
EVENT_TYPE_MESSAGE: EventType
EVENT_TYPE_FILE_CHANGE: EventType
EVENT_TYPE_TEST_RUN: EventType
EVENT_TYPE_REFLECTION: EventType
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_SUCCESS: Outcome
OUTCOME_FAILURE: Outcome
OUTCOME_PARTIAL: Outcome
CONSOLIDATION_STATUS_UNSPECIFIED: ConsolidationStatus
CONSOLIDATION_STATUS_PENDING: ConsolidationStatus
CONSOLIDATION_STATUS_CONSOLIDATED: ConsolidationStatus
CONSOLIDATION_STATUS_SKIPPED: ConsolidationStatus
EVENT_ORDER_BY_UNSPECIFIED: EventOrderBy
EVENT_ORDER_BY_OCCUR_TIME: EventOrderBy
EVENT_ORDER_BY_IMPORTANCE: EventOrderBy
SEARCH_MODE_UNSPECIFIED: SearchMode
SEARCH_MODE_HYBRID: SearchMode
SEARCH_MODE_FULL_TEXT: SearchMode
SEARCH_MODE_VECTOR: SearchMode

class Event(_message.Message):
    __slots__ = ("id", "session_id", "occur_time", "type", "actor", "content", "outcome", "context", "importance", "confidence", "tags", "attributes", "consolidation_status", "create_time")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CONSOLIDATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    occur_time: _timestamp_pb2.Timestamp
    type: EventType
    actor: str
    content: str
    outcome: Outcome
    context: EventContext
    importance: float
    confidence: float
    tags: _containers.RepeatedScalarFieldContainer[str]
    attributes: _containers.ScalarMap[str, str]
    consolidation_status: ConsolidationStatus
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[_Union[EventType, str]] = ..., actor: _Optional[str] = ..., content: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., context: _Optional[_Union[EventContext, _Mapping]] = ..., importance: _Optional[float] = ..., confidence: _Optional[float] = ..., tags: _Optional[_Iterable[str]] = ..., attributes: _Optional[_Mapping[str, str]] = ..., consolidation_status: _Optional[_Union[ConsolidationStatus, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EventContext(_message.Message):
    __slots__ = ("cwd", "files", "task", "phase", "branch")
    CWD_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    cwd: str
    files: _containers.RepeatedScalarFieldContainer[str]
    task: str
    phase: str
    branch: str
    def __init__(self, cwd: _Optional[str] = ..., files: _Optional[_Iterable[str]] = ..., task: _Optional[str] = ..., phase: _Optional[str] = ..., branch: _Optional[str] = ...) -> None: ...

class NewEvent(_message.Message):
    __slots__ = ("session_id", "occur_time", "type", "actor", "content", "outcome", "context", "importance", "confidence", "tags", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    occur_time: _timestamp_pb2.Timestamp
    type: EventType
    actor: str
    content: str
    outcome: Outcome
    context: EventContext
    importance: float
    confidence: float
    tags: _containers.RepeatedScalarFieldContainer[str]
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, session_id: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[_Union[EventType, str]] = ..., actor: _Optional[str] = ..., content: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., context: _Optional[_Union[EventContext, _Mapping]] = ..., importance: _Optional[float] = ..., confidence: _Optional[float] = ..., tags: _Optional[_Iterable[str]] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class EventFilter(_message.Message):
    __slots__ = ("session_id", "time_range", "types", "tags", "min_importance", "actor", "consolidation_status")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MIN_IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CONSOLIDATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    time_range: _common_pb2.TimeRange
    types: _containers.RepeatedScalarFieldContainer[EventType]
    tags: _containers.RepeatedScalarFieldContainer[str]
    min_importance: float
    actor: str
    consolidation_status: ConsolidationStatus
    def __init__(self, session_id: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., types: _Optional[_Iterable[_Union[EventType, str]]] = ..., tags: _Optional[_Iterable[str]] = ..., min_importance: _Optional[float] = ..., actor: _Optional[str] = ..., consolidation_status: _Optional[_Union[ConsolidationStatus, str]] = ...) -> None: ...

class RecordEventRequest(_message.Message):
    __slots__ = ("event", "request_id")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    event: NewEvent
    request_id: str
    def __init__(self, event: _Optional[_Union[NewEvent, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordEventResponse(_message.Message):
    __slots__ = ("event", "replayed")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    event: Event
    replayed: bool
    def __init__(self, event: _Optional[_Union[Event, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordEventsRequest(_message.Message):
    __slots__ = ("events", "request_id")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[NewEvent]
    request_id: str
    def __init__(self, events: _Optional[_Iterable[_Union[NewEvent, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordEventsResponse(_message.Message):
    __slots__ = ("events", "replayed")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    replayed: bool
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetEventResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: Event
    def __init__(self, event: _Optional[_Union[Event, _Mapping]] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("filter", "order_by", "order", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: EventFilter
    order_by: EventOrderBy
    order: _common_pb2.SortOrder
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[EventFilter, _Mapping]] = ..., order_by: _Optional[_Union[EventOrderBy, str]] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SearchEventsRequest(_message.Message):
    __slots__ = ("query", "filter", "top_k", "mode")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    query: str
    filter: EventFilter
    top_k: int
    mode: SearchMode
    def __init__(self, query: _Optional[str] = ..., filter: _Optional[_Union[EventFilter, _Mapping]] = ..., top_k: _Optional[int] = ..., mode: _Optional[_Union[SearchMode, str]] = ...) -> None: ...

class ScoredEvent(_message.Message):
    __slots__ = ("event", "score", "text_score", "vector_score", "text_rank", "vector_rank")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TEXT_SCORE_FIELD_NUMBER: _ClassVar[int]
    VECTOR_SCORE_FIELD_NUMBER: _ClassVar[int]
    TEXT_RANK_FIELD_NUMBER: _ClassVar[int]
    VECTOR_RANK_FIELD_NUMBER: _ClassVar[int]
    event: Event
    score: float
    text_score: float
    vector_score: float
    text_rank: int
    vector_rank: int
    def __init__(self, event: _Optional[_Union[Event, _Mapping]] = ..., score: _Optional[float] = ..., text_score: _Optional[float] = ..., vector_score: _Optional[float] = ..., text_rank: _Optional[int] = ..., vector_rank: _Optional[int] = ...) -> None: ...

class SearchEventsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ScoredEvent]
    def __init__(self, results: _Optional[_Iterable[_Union[ScoredEvent, _Mapping]]] = ...) -> None: ...

class DeleteEventRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteEventResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteEventsRequest(_message.Message):
    __slots__ = ("filter", "allow_all", "validate_only", "reason")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ALLOW_ALL_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    filter: EventFilter
    allow_all: bool
    validate_only: bool
    reason: str
    def __init__(self, filter: _Optional[_Union[EventFilter, _Mapping]] = ..., allow_all: _Optional[bool] = ..., validate_only: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteEventsResponse(_message.Message):
    __slots__ = ("deleted_count",)
    DELETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    deleted_count: int
    def __init__(self, deleted_count: _Optional[int] = ...) -> None: ...

class GetEventStatsRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: EventFilter
    def __init__(self, filter: _Optional[_Union[EventFilter, _Mapping]] = ...) -> None: ...

class GetEventStatsResponse(_message.Message):
    __slots__ = ("project", "total_count", "session_count", "count_by_type", "count_by_outcome", "count_by_consolidation_status", "first_occur_time", "last_occur_time", "mean_importance")
    class CountByTypeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class CountByOutcomeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class CountByConsolidationStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    COUNT_BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_BY_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    COUNT_BY_CONSOLIDATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    FIRST_OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    MEAN_IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    project: _common_pb2.ProjectRef
    total_count: int
    session_count: int
    count_by_type: _containers.ScalarMap[str, int]
    count_by_outcome: _containers.ScalarMap[str, int]
    count_by_consolidation_status: _containers.ScalarMap[str, int]
    first_occur_time: _timestamp_pb2.Timestamp
    last_occur_time: _timestamp_pb2.Timestamp
    mean_importance: float
    def __init__(self, project: _Optional[_Union[_common_pb2.ProjectRef, _Mapping]] = ..., total_count: _Optional[int] = ..., session_count: _Optional[int] = ..., count_by_type: _Optional[_Mapping[str, int]] = ..., count_by_outcome: _Optional[_Mapping[str, int]] = ..., count_by_consolidation_status: _Optional[_Mapping[str, int]] = ..., first_occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mean_importance: _Optional[float] = ...) -> None: ...
