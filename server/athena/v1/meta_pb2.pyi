import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MemoryLayer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_LAYER_UNSPECIFIED: _ClassVar[MemoryLayer]
    MEMORY_LAYER_EVENT: _ClassVar[MemoryLayer]
    MEMORY_LAYER_FACT: _ClassVar[MemoryLayer]
    MEMORY_LAYER_ENTITY: _ClassVar[MemoryLayer]
    MEMORY_LAYER_RELATION: _ClassVar[MemoryLayer]
    MEMORY_LAYER_PROCEDURE: _ClassVar[MemoryLayer]
    MEMORY_LAYER_TASK: _ClassVar[MemoryLayer]
    MEMORY_LAYER_GOAL: _ClassVar[MemoryLayer]
MEMORY_LAYER_UNSPECIFIED: MemoryLayer
MEMORY_LAYER_EVENT: MemoryLayer
MEMORY_LAYER_FACT: MemoryLayer
MEMORY_LAYER_ENTITY: MemoryLayer
MEMORY_LAYER_RELATION: MemoryLayer
MEMORY_LAYER_PROCEDURE: MemoryLayer
MEMORY_LAYER_TASK: MemoryLayer
MEMORY_LAYER_GOAL: MemoryLayer

class MemoryRef(_message.Message):
    __slots__ = ("layer", "id")
    LAYER_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    layer: MemoryLayer
    id: str
    def __init__(self, layer: _Optional[_Union[MemoryLayer, str]] = ..., id: _Optional[str] = ...) -> None: ...

class MemoryItemStats(_message.Message):
    __slots__ = ("item", "access_count", "last_access_time", "access_score", "rating_count", "usefulness", "last_rating_time", "boost")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCESS_SCORE_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNT_FIELD_NUMBER: _ClassVar[int]
    USEFULNESS_FIELD_NUMBER: _ClassVar[int]
    LAST_RATING_TIME_FIELD_NUMBER: _ClassVar[int]
    BOOST_FIELD_NUMBER: _ClassVar[int]
    item: MemoryRef
    access_count: int
    last_access_time: _timestamp_pb2.Timestamp
    access_score: float
    rating_count: int
    usefulness: float
    last_rating_time: _timestamp_pb2.Timestamp
    boost: float
    def __init__(self, item: _Optional[_Union[MemoryRef, _Mapping]] = ..., access_count: _Optional[int] = ..., last_access_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., access_score: _Optional[float] = ..., rating_count: _Optional[int] = ..., usefulness: _Optional[float] = ..., last_rating_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., boost: _Optional[float] = ...) -> None: ...

class WorkingMemoryItem(_message.Message):
    __slots__ = ("item", "activation", "last_access_time", "access_count", "summary")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    item: MemoryRef
    activation: float
    last_access_time: _timestamp_pb2.Timestamp
    access_count: int
    summary: str
    def __init__(self, item: _Optional[_Union[MemoryRef, _Mapping]] = ..., activation: _Optional[float] = ..., last_access_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., access_count: _Optional[int] = ..., summary: _Optional[str] = ...) -> None: ...

class DomainExpertise(_message.Message):
    __slots__ = ("domain", "expertise", "coverage", "memory_count_by_layer", "success_count", "failure_count", "partial_count", "mean_usefulness", "last_activity_time")
    class MemoryCountByLayerEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    EXPERTISE_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_COUNT_BY_LAYER_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_COUNT_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_USEFULNESS_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_TIME_FIELD_NUMBER: _ClassVar[int]
    domain: str
    expertise: float
    coverage: float
    memory_count_by_layer: _containers.ScalarMap[str, int]
    success_count: int
    failure_count: int
    partial_count: int
    mean_usefulness: float
    last_activity_time: _timestamp_pb2.Timestamp
    def __init__(self, domain: _Optional[str] = ..., expertise: _Optional[float] = ..., coverage: _Optional[float] = ..., memory_count_by_layer: _Optional[_Mapping[str, int]] = ..., success_count: _Optional[int] = ..., failure_count: _Optional[int] = ..., partial_count: _Optional[int] = ..., mean_usefulness: _Optional[float] = ..., last_activity_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MemoryLayerQuality(_message.Message):
    __slots__ = ("layer", "item_count", "accessed_count", "recently_accessed_count", "never_accessed_ratio", "rated_count", "mean_usefulness", "low_usefulness_count", "mean_confidence", "mean_access_score")
    LAYER_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCESSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECENTLY_ACCESSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEVER_ACCESSED_RATIO_FIELD_NUMBER: _ClassVar[int]
    RATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_USEFULNESS_FIELD_NUMBER: _ClassVar[int]
    LOW_USEFULNESS_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MEAN_ACCESS_SCORE_FIELD_NUMBER: _ClassVar[int]
    layer: MemoryLayer
    item_count: int
    accessed_count: int
    recently_accessed_count: int
    never_accessed_ratio: float
    rated_count: int
    mean_usefulness: float
    low_usefulness_count: int
    mean_confidence: float
    mean_access_score: float
    def __init__(self, layer: _Optional[_Union[MemoryLayer, str]] = ..., item_count: _Optional[int] = ..., accessed_count: _Optional[int] = ..., recently_accessed_count: _Optional[int] = ..., never_accessed_ratio: _Optional[float] = ..., rated_count: _Optional[int] = ..., mean_usefulness: _Optional[float] = ..., low_usefulness_count: _Optional[int] = ..., mean_confidence: _Optional[float] = ..., mean_access_score: _Optional[float] = ...) -> None: ...

class RateMemoryRequest(_message.Message):
    __slots__ = ("item", "rating", "session_id", "comment", "request_id")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    item: MemoryRef
    rating: float
    session_id: str
    comment: str
    request_id: str
    def __init__(self, item: _Optional[_Union[MemoryRef, _Mapping]] = ..., rating: _Optional[float] = ..., session_id: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RateMemoryResponse(_message.Message):
    __slots__ = ("stats", "replayed")
    STATS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    stats: MemoryItemStats
    replayed: bool
    def __init__(self, stats: _Optional[_Union[MemoryItemStats, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RecordMemoryAccessRequest(_message.Message):
    __slots__ = ("items", "session_id", "request_id")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[MemoryRef]
    session_id: str
    request_id: str
    def __init__(self, items: _Optional[_Iterable[_Union[MemoryRef, _Mapping]]] = ..., session_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordMemoryAccessResponse(_message.Message):
    __slots__ = ("recorded_count", "replayed")
    RECORDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    recorded_count: int
    replayed: bool
    def __init__(self, recorded_count: _Optional[int] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetMemoryItemStatsRequest(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: MemoryRef
    def __init__(self, item: _Optional[_Union[MemoryRef, _Mapping]] = ...) -> None: ...

class GetMemoryItemStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: MemoryItemStats
    def __init__(self, stats: _Optional[_Union[MemoryItemStats, _Mapping]] = ...) -> None: ...

class GetWorkingMemoryRequest(_message.Message):
    __slots__ = ("session_id", "size")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    size: int
    def __init__(self, session_id: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class GetWorkingMemoryResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[WorkingMemoryItem]
    def __init__(self, items: _Optional[_Iterable[_Union[WorkingMemoryItem, _Mapping]]] = ...) -> None: ...

class ListDomainExpertiseRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDomainExpertiseResponse(_message.Message):
    __slots__ = ("domains", "next_page_token")
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    domains: _containers.RepeatedCompositeFieldContainer[DomainExpertise]
    next_page_token: str
    def __init__(self, domains: _Optional[_Iterable[_Union[DomainExpertise, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetMemoryQualityStatsRequest(_message.Message):
    __slots__ = ("layers",)
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    layers: _containers.RepeatedScalarFieldContainer[MemoryLayer]
    def __init__(self, layers: _Optional[_Iterable[_Union[MemoryLayer, str]]] = ...) -> None: ...

class GetMemoryQualityStatsResponse(_message.Message):
    __slots__ = ("layers",)
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    layers: _containers.RepeatedCompositeFieldContainer[MemoryLayerQuality]
    def __init__(self, layers: _Optional[_Iterable[_Union[MemoryLayerQuality, _Mapping]]] = ...) -> None: ...
