import datetime

from athena.v1 import common_pb2 as _common_pb2
from athena.v1 import memory_pb2 as _memory_pb2
from athena.v1 import meta_pb2 as _meta_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecallFusion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECALL_FUSION_UNSPECIFIED: _ClassVar[RecallFusion]
    RECALL_FUSION_WEIGHTED: _ClassVar[RecallFusion]
    RECALL_FUSION_RRF: _ClassVar[RecallFusion]
RECALL_FUSION_UNSPECIFIED: RecallFusion
RECALL_FUSION_WEIGHTED: RecallFusion
RECALL_FUSION_RRF: RecallFusion

class RecallScoreParts(_message.Message):
    __slots__ = ("text", "vector", "context", "actor", "recency", "importance", "usefulness", "graph", "text_rank", "vector_rank", "temporal")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    RECENCY_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    USEFULNESS_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    TEXT_RANK_FIELD_NUMBER: _ClassVar[int]
    VECTOR_RANK_FIELD_NUMBER: _ClassVar[int]
    TEMPORAL_FIELD_NUMBER: _ClassVar[int]
    text: float
    vector: float
    context: float
    actor: float
    recency: float
    importance: float
    usefulness: float
    graph: float
    text_rank: int
    vector_rank: int
    temporal: float
    def __init__(self, text: _Optional[float] = ..., vector: _Optional[float] = ..., context: _Optional[float] = ..., actor: _Optional[float] = ..., recency: _Optional[float] = ..., importance: _Optional[float] = ..., usefulness: _Optional[float] = ..., graph: _Optional[float] = ..., text_rank: _Optional[int] = ..., vector_rank: _Optional[int] = ..., temporal: _Optional[float] = ...) -> None: ...

class RecallProvenance(_message.Message):
    __slots__ = ("session_id", "actor", "source_event_ids")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    actor: str
    source_event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., actor: _Optional[str] = ..., source_event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RecallResult(_message.Message):
    __slots__ = ("layer", "id", "text", "score", "score_parts", "time", "provenance", "tokens", "event")
    LAYER_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SCORE_PARTS_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    layer: _meta_pb2.MemoryLayer
    id: str
    text: str
    score: float
    score_parts: RecallScoreParts
    time: _timestamp_pb2.Timestamp
    provenance: RecallProvenance
    tokens: int
    event: _memory_pb2.Event
    def __init__(self, layer: _Optional[_Union[_meta_pb2.MemoryLayer, str]] = ..., id: _Optional[str] = ..., text: _Optional[str] = ..., score: _Optional[float] = ..., score_parts: _Optional[_Union[RecallScoreParts, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provenance: _Optional[_Union[RecallProvenance, _Mapping]] = ..., tokens: _Optional[int] = ..., event: _Optional[_Union[_memory_pb2.Event, _Mapping]] = ...) -> None: ...

class RecallRequest(_message.Message):
    __slots__ = ("query", "layers", "time_range", "session_id", "k", "max_tokens", "fusion", "record_access")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    FUSION_FIELD_NUMBER: _ClassVar[int]
    RECORD_ACCESS_FIELD_NUMBER: _ClassVar[int]
    query: str
    layers: _containers.RepeatedScalarFieldContainer[_meta_pb2.MemoryLayer]
    time_range: _common_pb2.TimeRange
    session_id: str
    k: int
    max_tokens: int
    fusion: RecallFusion
    record_access: bool
    def __init__(self, query: _Optional[str] = ..., layers: _Optional[_Iterable[_Union[_meta_pb2.MemoryLayer, str]]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., session_id: _Optional[str] = ..., k: _Optional[int] = ..., max_tokens: _Optional[int] = ..., fusion: _Optional[_Union[RecallFusion, str]] = ..., record_access: _Optional[bool] = ...) -> None: ...

class RecallResponse(_message.Message):
    __slots__ = ("results", "context", "context_tokens", "truncated", "temporal")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    TEMPORAL_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[RecallResult]
    context: str
    context_tokens: int
    truncated: bool
    temporal: bool
    def __init__(self, results: _Optional[_Iterable[_Union[RecallResult, _Mapping]]] = ..., context: _Optional[str] = ..., context_tokens: _Optional[int] = ..., truncated: _Optional[bool] = ..., temporal: _Optional[bool] = ...) -> None: ...
