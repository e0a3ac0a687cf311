import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Fact(_message.Message):
    __slots__ = ("id", "lineage_id", "version", "supersedes_id", "subject", "predicate", "content", "domain", "tags", "confidence", "usefulness", "source_event_ids", "valid_from", "valid_to", "create_time", "update_time", "superseded_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    LINEAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDES_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    USEFULNESS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    lineage_id: str
    version: int
    supersedes_id: str
    subject: str
    predicate: str
    content: str
    domain: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    confidence: float
    usefulness: float
    source_event_ids: _containers.RepeatedScalarFieldContainer[str]
    valid_from: _timestamp_pb2.Timestamp
    valid_to: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    superseded_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., lineage_id: _Optional[str] = ..., version: _Optional[int] = ..., supersedes_id: _Optional[str] = ..., subject: _Optional[str] = ..., predicate: _Optional[str] = ..., content: _Optional[str] = ..., domain: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., confidence: _Optional[float] = ..., usefulness: _Optional[float] = ..., source_event_ids: _Optional[_Iterable[str]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., superseded_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NewFact(_message.Message):
    __slots__ = ("subject", "predicate", "content", "domain", "tags", "confidence", "usefulness", "source_event_ids", "valid_from", "valid_to")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    USEFULNESS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    subject: str
    predicate: str
    content: str
    domain: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    confidence: float
    usefulness: float
    source_event_ids: _containers.RepeatedScalarFieldContainer[str]
    valid_from: _timestamp_pb2.Timestamp
    valid_to: _timestamp_pb2.Timestamp
    def __init__(self, subject: _Optional[str] = ..., predicate: _Optional[str] = ..., content: _Optional[str] = ..., domain: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., confidence: _Optional[float] = ..., usefulness: _Optional[float] = ..., source_event_ids: _Optional[_Iterable[str]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FactFilter(_message.Message):
    __slots__ = ("subject", "predicate", "domain", "tags", "min_confidence", "as_of_time", "valid_at", "include_superseded", "source_event_id")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    VALID_AT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    subject: str
    predicate: str
    domain: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    min_confidence: float
    as_of_time: _timestamp_pb2.Timestamp
    valid_at: _timestamp_pb2.Timestamp
    include_superseded: bool
    source_event_id: str
    def __init__(self, subject: _Optional[str] = ..., predicate: _Optional[str] = ..., domain: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., min_confidence: _Optional[float] = ..., as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_superseded: _Optional[bool] = ..., source_event_id: _Optional[str] = ...) -> None: ...

class CreateFactRequest(_message.Message):
    __slots__ = ("fact", "request_id", "validate_only")
    FACT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    fact: NewFact
    request_id: str
    validate_only: bool
    def __init__(self, fact: _Optional[_Union[NewFact, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class CreateFactResponse(_message.Message):
    __slots__ = ("fact", "conflicts", "replayed")
    FACT_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    fact: Fact
    conflicts: _containers.RepeatedCompositeFieldContainer[Fact]
    replayed: bool
    def __init__(self, fact: _Optional[_Union[Fact, _Mapping]] = ..., conflicts: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetFactRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetFactResponse(_message.Message):
    __slots__ = ("fact",)
    FACT_FIELD_NUMBER: _ClassVar[int]
    fact: Fact
    def __init__(self, fact: _Optional[_Union[Fact, _Mapping]] = ...) -> None: ...

class ListFactsRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: FactFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[FactFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFactsResponse(_message.Message):
    __slots__ = ("facts", "next_page_token")
    FACTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    facts: _containers.RepeatedCompositeFieldContainer[Fact]
    next_page_token: str
    def __init__(self, facts: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateFactRequest(_message.Message):
    __slots__ = ("id", "fact", "update_mask")
    ID_FIELD_NUMBER: _ClassVar[int]
    FACT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    id: str
    fact: Fact
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, id: _Optional[str] = ..., fact: _Optional[_Union[Fact, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateFactResponse(_message.Message):
    __slots__ = ("fact", "conflicts", "superseded")
    FACT_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    fact: Fact
    conflicts: _containers.RepeatedCompositeFieldContainer[Fact]
    superseded: bool
    def __init__(self, fact: _Optional[_Union[Fact, _Mapping]] = ..., conflicts: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., superseded: _Optional[bool] = ...) -> None: ...

class DeleteFactRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteFactResponse(_message.Message):
    __slots__ = ("lineage_id", "deleted_versions")
    LINEAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    lineage_id: str
    deleted_versions: int
    def __init__(self, lineage_id: _Optional[str] = ..., deleted_versions: _Optional[int] = ...) -> None: ...

class ListFactVersionsRequest(_message.Message):
    __slots__ = ("id", "page_size", "page_token")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    page_size: int
    page_token: str
    def __init__(self, id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFactVersionsResponse(_message.Message):
    __slots__ = ("facts", "next_page_token")
    FACTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    facts: _containers.RepeatedCompositeFieldContainer[Fact]
    next_page_token: str
    def __init__(self, facts: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SearchFactsRequest(_message.Message):
    __slots__ = ("query", "filter", "top_k")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    query: str
    filter: FactFilter
    top_k: int
    def __init__(self, query: _Optional[str] = ..., filter: _Optional[_Union[FactFilter, _Mapping]] = ..., top_k: _Optional[int] = ...) -> None: ...

class ScoredFact(_message.Message):
    __slots__ = ("fact", "score", "text_score", "vector_score")
    FACT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TEXT_SCORE_FIELD_NUMBER: _ClassVar[int]
    VECTOR_SCORE_FIELD_NUMBER: _ClassVar[int]
    fact: Fact
    score: float
    text_score: float
    vector_score: float
    def __init__(self, fact: _Optional[_Union[Fact, _Mapping]] = ..., score: _Optional[float] = ..., text_score: _Optional[float] = ..., vector_score: _Optional[float] = ...) -> None: ...

class SearchFactsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ScoredFact]
    def __init__(self, results: _Optional[_Iterable[_Union[ScoredFact, _Mapping]]] = ...) -> None: ...
