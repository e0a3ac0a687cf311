"""Plain data for the knowledge graph; no gRPC, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Direction(StrEnum):
    """Which edges a walk follows (stored/sent to SQL as this text)."""

    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True)
class NewEntity:
    """What a client supplies to upsert an entity."""

    name: str
    type: str = ""
    description: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    id: UUID
    name: str
    type: str
    description: str
    properties: dict[str, str]
    aliases: tuple[str, ...]
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class NewRelation:
    """What a client supplies to upsert a relation; None keeps the stored value on update."""

    source_id: UUID
    target_id: UUID
    type: str
    weight: float | None = None
    properties: dict[str, str] = field(default_factory=dict)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source_event_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Relation:
    id: UUID
    source_id: UUID
    target_id: UUID
    type: str
    weight: float
    properties: dict[str, str]
    valid_from: datetime | None
    valid_to: datetime | None
    source_event_ids: tuple[UUID, ...]
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class RelationFilter:
    entity_id: UUID | None = None
    direction: Direction = Direction.BOTH
    types: tuple[str, ...] = ()
    valid_at: datetime | None = None


@dataclass(frozen=True)
class TraversalFilter:
    """Which edges and entities a walk may use."""

    direction: Direction = Direction.BOTH
    relation_types: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()
    min_weight: float = 0.0
    valid_at: datetime | None = None


@dataclass(frozen=True)
class Neighbor:
    entity: Entity
    depth: int
    via_relation_id: UUID


@dataclass(frozen=True)
class ScoredEntity:
    entity: Entity
    score: float


@dataclass(frozen=True)
class Community:
    id: UUID
    level: int
    summary: str
    size: int
    create_time: datetime
    entity_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class CommunityRun:
    """What one detection run stored."""

    community_count: int
    level_count: int
    modularity: float


@dataclass(frozen=True)
class EventLink:
    event_id: UUID
    predecessor_id: UUID
    type: str
    weight: float


def name_key(name: str) -> str:
    """The case- and space-insensitive key entities are unique by."""
    return " ".join(name.casefold().split())
