"""Memory layers. This version: episodic events."""

from athena.memory.episodic import EpisodicMemory
from athena.memory.models import (
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

__all__ = [
    "ConsolidationStatus",
    "EpisodicMemory",
    "Event",
    "EventContext",
    "EventFilter",
    "EventOrder",
    "EventStats",
    "EventType",
    "NewEvent",
    "Outcome",
    "ScoredEvent",
    "SearchMode",
]
