"""Plain data for meta-memory; no gRPC, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class MemoryLayer(StrEnum):
    """A kind of memory (stored as this text)."""

    EVENT = "event"
    FACT = "fact"
    ENTITY = "entity"
    RELATION = "relation"
    PROCEDURE = "procedure"
    TASK = "task"
    GOAL = "goal"


# Layers whose ids are UUIDs of rows in this database (procedures are named, and live in git).
UUID_LAYERS = frozenset(MemoryLayer) - {MemoryLayer.PROCEDURE}


@dataclass(frozen=True)
class MemoryRef:
    """One memory of any layer."""

    layer: MemoryLayer
    id: str


@dataclass(frozen=True)
class MemoryBoost:
    """How recall should weigh a memory: `factor` multiplies its score (1.0 is neutral).

    `access` (0-1) grows with recent and frequent use; `usefulness` (0-1) is the smoothed mean
    rating, 0.5 when unrated."""

    access: float = 0.0
    usefulness: float = 0.5
    factor: float = 1.0


@dataclass(frozen=True)
class MemoryItemStats:
    """How a memory has been used and rated."""

    ref: MemoryRef
    access_count: int = 0
    last_access_time: datetime | None = None
    access_score: float = 0.0
    rating_count: int = 0
    usefulness: float = 0.5
    last_rating_time: datetime | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class WorkingMemoryItem:
    """One of a session's most active memories."""

    ref: MemoryRef
    activation: float
    last_access_time: datetime
    access_count: int
    summary: str


@dataclass(frozen=True)
class DomainExpertise:
    """What the agent knows, and how well it does, in one domain."""

    domain: str
    expertise: float
    coverage: float
    memory_count_by_layer: dict[MemoryLayer, int] = field(default_factory=dict)
    success_count: int = 0
    failure_count: int = 0
    partial_count: int = 0
    mean_usefulness: float = 0.5
    last_activity_time: datetime | None = None


@dataclass(frozen=True)
class LayerQuality:
    """Quality statistics of one memory layer."""

    layer: MemoryLayer
    item_count: int = 0
    accessed_count: int = 0
    recently_accessed_count: int = 0
    never_accessed_ratio: float = 0.0
    rated_count: int = 0
    mean_usefulness: float = 0.5
    low_usefulness_count: int = 0
    mean_confidence: float = 0.0
    mean_access_score: float = 0.0
