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

class TraversalDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRAVERSAL_DIRECTION_UNSPECIFIED: _ClassVar[TraversalDirection]
    TRAVERSAL_DIRECTION_OUTGOING: _ClassVar[TraversalDirection]
    TRAVERSAL_DIRECTION_INCOMING: _ClassVar[TraversalDirection]
    TRAVERSAL_DIRECTION_BOTH: _ClassVar[TraversalDirection]

class EventLinkDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_LINK_DIRECTION_UNSPECIFIED: _ClassVar[EventLinkDirection]
    EVENT_LINK_DIRECTION_PREDECESSORS: _ClassVar[EventLinkDirection]
    EVENT_LINK_DIRECTION_SUCCESSORS: _ClassVar[EventLinkDirection]
TRAVERSAL_DIRECTION_UNSPECIFIED: TraversalDirection
TRAVERSAL_DIRECTION_OUTGOING: TraversalDirection
TRAVERSAL_DIRECTION_INCOMING: TraversalDirection
TRAVERSAL_DIRECTION_BOTH: TraversalDirection
EVENT_LINK_DIRECTION_UNSPECIFIED: EventLinkDirection
EVENT_LINK_DIRECTION_PREDECESSORS: EventLinkDirection
EVENT_LINK_DIRECTION_SUCCESSORS: EventLinkDirection

class Entity(_message.Message):
    __slots__ = ("id", "name", "type", "description", "properties", "aliases", "create_time", "update_time")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    type: str
    description: str
    properties: _containers.ScalarMap[str, str]
    aliases: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., description: _Optional[str] = ..., properties: _Optional[_Mapping[str, str]] = ..., aliases: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NewEntity(_message.Message):
    __slots__ = ("name", "type", "description", "properties", "aliases")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    description: str
    properties: _containers.ScalarMap[str, str]
    aliases: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., description: _Optional[str] = ..., properties: _Optional[_Mapping[str, str]] = ..., aliases: _Optional[_Iterable[str]] = ...) -> None: ...

class Relation(_message.Message):
    __slots__ = ("id", "source_id", "target_id", "type", "weight", "properties", "valid_from", "valid_to", "source_event_ids", "create_time", "update_time")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    source_id: str
    target_id: str
    type: str
    weight: float
    properties: _containers.ScalarMap[str, str]
    valid_from: _timestamp_pb2.Timestamp
    valid_to: _timestamp_pb2.Timestamp
    source_event_ids: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., source_id: _Optional[str] = ..., target_id: _Optional[str] = ..., type: _Optional[str] = ..., weight: _Optional[float] = ..., properties: _Optional[_Mapping[str, str]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source_event_ids: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NewRelation(_message.Message):
    __slots__ = ("source_id", "target_id", "type", "weight", "properties", "valid_from", "valid_to", "source_event_ids")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    target_id: str
    type: str
    weight: float
    properties: _containers.ScalarMap[str, str]
    valid_from: _timestamp_pb2.Timestamp
    valid_to: _timestamp_pb2.Timestamp
    source_event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, source_id: _Optional[str] = ..., target_id: _Optional[str] = ..., type: _Optional[str] = ..., weight: _Optional[float] = ..., properties: _Optional[_Mapping[str, str]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source_event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Community(_message.Message):
    __slots__ = ("id", "level", "summary", "size", "entity_ids", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    level: int
    summary: str
    size: int
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., level: _Optional[int] = ..., summary: _Optional[str] = ..., size: _Optional[int] = ..., entity_ids: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EventLink(_message.Message):
    __slots__ = ("event_id", "predecessor_id", "type", "weight")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PREDECESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    predecessor_id: str
    type: str
    weight: float
    def __init__(self, event_id: _Optional[str] = ..., predecessor_id: _Optional[str] = ..., type: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class UpsertEntityRequest(_message.Message):
    __slots__ = ("entity",)
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    entity: NewEntity
    def __init__(self, entity: _Optional[_Union[NewEntity, _Mapping]] = ...) -> None: ...

class UpsertEntityResponse(_message.Message):
    __slots__ = ("entity", "created")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    entity: Entity
    created: bool
    def __init__(self, entity: _Optional[_Union[Entity, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetEntityRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetEntityResponse(_message.Message):
    __slots__ = ("entity",)
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    entity: Entity
    def __init__(self, entity: _Optional[_Union[Entity, _Mapping]] = ...) -> None: ...

class ListEntitiesRequest(_message.Message):
    __slots__ = ("types", "page_size", "page_token")
    TYPES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, types: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEntitiesResponse(_message.Message):
    __slots__ = ("entities", "next_page_token")
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    next_page_token: str
    def __init__(self, entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteEntityRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteEntityResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class SearchEntitiesRequest(_message.Message):
    __slots__ = ("query", "types", "top_k")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    query: str
    types: _containers.RepeatedScalarFieldContainer[str]
    top_k: int
    def __init__(self, query: _Optional[str] = ..., types: _Optional[_Iterable[str]] = ..., top_k: _Optional[int] = ...) -> None: ...

class ScoredEntity(_message.Message):
    __slots__ = ("entity", "score")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    entity: Entity
    score: float
    def __init__(self, entity: _Optional[_Union[Entity, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class SearchEntitiesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ScoredEntity]
    def __init__(self, results: _Optional[_Iterable[_Union[ScoredEntity, _Mapping]]] = ...) -> None: ...

class UpsertRelationRequest(_message.Message):
    __slots__ = ("relation",)
    RELATION_FIELD_NUMBER: _ClassVar[int]
    relation: NewRelation
    def __init__(self, relation: _Optional[_Union[NewRelation, _Mapping]] = ...) -> None: ...

class UpsertRelationResponse(_message.Message):
    __slots__ = ("relation", "created")
    RELATION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    relation: Relation
    created: bool
    def __init__(self, relation: _Optional[_Union[Relation, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetRelationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetRelationResponse(_message.Message):
    __slots__ = ("relation",)
    RELATION_FIELD_NUMBER: _ClassVar[int]
    relation: Relation
    def __init__(self, relation: _Optional[_Union[Relation, _Mapping]] = ...) -> None: ...

class RelationFilter(_message.Message):
    __slots__ = ("entity_id", "direction", "types", "valid_at")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    VALID_AT_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    direction: TraversalDirection
    types: _containers.RepeatedScalarFieldContainer[str]
    valid_at: _timestamp_pb2.Timestamp
    def __init__(self, entity_id: _Optional[str] = ..., direction: _Optional[_Union[TraversalDirection, str]] = ..., types: _Optional[_Iterable[str]] = ..., valid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRelationsRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: RelationFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[RelationFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRelationsResponse(_message.Message):
    __slots__ = ("relations", "next_page_token")
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    relations: _containers.RepeatedCompositeFieldContainer[Relation]
    next_page_token: str
    def __init__(self, relations: _Optional[_Iterable[_Union[Relation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteRelationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteRelationResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class TraversalFilter(_message.Message):
    __slots__ = ("direction", "relation_types", "entity_types", "min_weight", "valid_at")
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    RELATION_TYPES_FIELD_NUMBER: _ClassVar[int]
    ENTITY_TYPES_FIELD_NUMBER: _ClassVar[int]
    MIN_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    VALID_AT_FIELD_NUMBER: _ClassVar[int]
    direction: TraversalDirection
    relation_types: _containers.RepeatedScalarFieldContainer[str]
    entity_types: _containers.RepeatedScalarFieldContainer[str]
    min_weight: float
    valid_at: _timestamp_pb2.Timestamp
    def __init__(self, direction: _Optional[_Union[TraversalDirection, str]] = ..., relation_types: _Optional[_Iterable[str]] = ..., entity_types: _Optional[_Iterable[str]] = ..., min_weight: _Optional[float] = ..., valid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetNeighborsRequest(_message.Message):
    __slots__ = ("entity_id", "depth", "filter", "max_entities")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MAX_ENTITIES_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    depth: int
    filter: TraversalFilter
    max_entities: int
    def __init__(self, entity_id: _Optional[str] = ..., depth: _Optional[int] = ..., filter: _Optional[_Union[TraversalFilter, _Mapping]] = ..., max_entities: _Optional[int] = ...) -> None: ...

class Neighbor(_message.Message):
    __slots__ = ("entity", "depth", "via_relation_id")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    VIA_RELATION_ID_FIELD_NUMBER: _ClassVar[int]
    entity: Entity
    depth: int
    via_relation_id: str
    def __init__(self, entity: _Optional[_Union[Entity, _Mapping]] = ..., depth: _Optional[int] = ..., via_relation_id: _Optional[str] = ...) -> None: ...

class GetNeighborsResponse(_message.Message):
    __slots__ = ("neighbors", "relations")
    NEIGHBORS_FIELD_NUMBER: _ClassVar[int]
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    neighbors: _containers.RepeatedCompositeFieldContainer[Neighbor]
    relations: _containers.RepeatedCompositeFieldContainer[Relation]
    def __init__(self, neighbors: _Optional[_Iterable[_Union[Neighbor, _Mapping]]] = ..., relations: _Optional[_Iterable[_Union[Relation, _Mapping]]] = ...) -> None: ...

class FindShortestPathRequest(_message.Message):
    __slots__ = ("source_id", "target_id", "max_depth", "filter")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    target_id: str
    max_depth: int
    filter: TraversalFilter
    def __init__(self, source_id: _Optional[str] = ..., target_id: _Optional[str] = ..., max_depth: _Optional[int] = ..., filter: _Optional[_Union[TraversalFilter, _Mapping]] = ...) -> None: ...

class FindShortestPathResponse(_message.Message):
    __slots__ = ("found", "entities", "relations")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    found: bool
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    relations: _containers.RepeatedCompositeFieldContainer[Relation]
    def __init__(self, found: _Optional[bool] = ..., entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., relations: _Optional[_Iterable[_Union[Relation, _Mapping]]] = ...) -> None: ...

class ComputeCommunitiesRequest(_message.Message):
    __slots__ = ("resolution", "seed", "min_degree")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    MIN_DEGREE_FIELD_NUMBER: _ClassVar[int]
    resolution: float
    seed: int
    min_degree: int
    def __init__(self, resolution: _Optional[float] = ..., seed: _Optional[int] = ..., min_degree: _Optional[int] = ...) -> None: ...

class ComputeCommunitiesResponse(_message.Message):
    __slots__ = ("community_count", "level_count", "modularity")
    COMMUNITY_COUNT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_COUNT_FIELD_NUMBER: _ClassVar[int]
    MODULARITY_FIELD_NUMBER: _ClassVar[int]
    community_count: int
    level_count: int
    modularity: float
    def __init__(self, community_count: _Optional[int] = ..., level_count: _Optional[int] = ..., modularity: _Optional[float] = ...) -> None: ...

class ListCommunitiesRequest(_message.Message):
    __slots__ = ("level", "page_size", "page_token")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    level: int
    page_size: int
    page_token: str
    def __init__(self, level: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCommunitiesResponse(_message.Message):
    __slots__ = ("communities", "next_page_token")
    COMMUNITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    communities: _containers.RepeatedCompositeFieldContainer[Community]
    next_page_token: str
    def __init__(self, communities: _Optional[_Iterable[_Union[Community, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCommunityRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetCommunityResponse(_message.Message):
    __slots__ = ("community",)
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    community: Community
    def __init__(self, community: _Optional[_Union[Community, _Mapping]] = ...) -> None: ...

class ListEventEntitiesRequest(_message.Message):
    __slots__ = ("event_id", "page_size", "page_token")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    page_size: int
    page_token: str
    def __init__(self, event_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEventEntitiesResponse(_message.Message):
    __slots__ = ("entities", "next_page_token")
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    next_page_token: str
    def __init__(self, entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListEntityEventsRequest(_message.Message):
    __slots__ = ("entity_id", "page_size", "page_token")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    page_size: int
    page_token: str
    def __init__(self, entity_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEntityEventsResponse(_message.Message):
    __slots__ = ("event_ids", "next_page_token")
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, event_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListEventLinksRequest(_message.Message):
    __slots__ = ("event_id", "direction", "page_size", "page_token")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    direction: EventLinkDirection
    page_size: int
    page_token: str
    def __init__(self, event_id: _Optional[str] = ..., direction: _Optional[_Union[EventLinkDirection, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEventLinksResponse(_message.Message):
    __slots__ = ("links", "next_page_token")
    LINKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[EventLink]
    next_page_token: str
    def __init__(self, links: _Optional[_Iterable[_Union[EventLink, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
