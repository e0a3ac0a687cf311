"""Meta-memory: usefulness ratings, access tracking with decay, working memory, expertise and
quality statistics, for memories of every layer."""

from athena.meta.memory import MetaMemory
from athena.meta.models import (
    DomainExpertise,
    LayerQuality,
    MemoryBoost,
    MemoryItemStats,
    MemoryLayer,
    MemoryRef,
    WorkingMemoryItem,
)

__all__ = [
    "DomainExpertise",
    "LayerQuality",
    "MemoryBoost",
    "MemoryItemStats",
    "MemoryLayer",
    "MemoryRef",
    "MetaMemory",
    "WorkingMemoryItem",
]
