"""Plain data for semantic memory (facts); no gRPC, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

# Fields whose change alters what a fact states: updating any of them creates a new version.
STATEMENT_FIELDS = frozenset({"subject", "predicate", "content", "valid_from", "valid_to"})
# Fields changed in place on the current version.
METADATA_FIELDS = frozenset({"domain", "tags", "confidence", "usefulness", "source_event_ids"})


@dataclass(frozen=True)
class NewFact:
    """What a client supplies to create a fact (or, with a mask, to update one)."""

    subject: str
    content: str
    predicate: str = ""
    domain: str = ""
    tags: tuple[str, ...] = ()
    confidence: float = 1.0
    usefulness: float = 0.5
    source_event_ids: tuple[UUID, ...] = ()
    valid_from: datetime | None = None
    valid_to: datetime | None = None


@dataclass(frozen=True)
class Fact:
    """One stored version of a fact."""

    id: UUID
    lineage_id: UUID
    version: int
    supersedes_id: UUID | None
    subject: str
    predicate: str
    content: str
    domain: str
    tags: tuple[str, ...]
    confidence: float
    usefulness: float
    source_event_ids: tuple[UUID, ...]
    valid_from: datetime
    valid_to: datetime | None
    create_time: datetime
    update_time: datetime
    superseded_time: datetime | None

    @property
    def current(self) -> bool:
        return self.superseded_time is None


@dataclass(frozen=True)
class FactFilter:
    """Which facts a list or search sees; unset fields do not filter."""

    subject: str = ""
    predicate: str = ""
    domain: str = ""
    tags: tuple[str, ...] = ()
    min_confidence: float = 0.0
    # Belief time: the versions current at this instant. None: the current versions.
    as_of_time: datetime | None = None
    # World time: facts whose validity window contains this instant.
    valid_at: datetime | None = None
    include_superseded: bool = False
    source_event_id: UUID | None = None


@dataclass(frozen=True)
class ScoredFact:
    """A search hit and the parts of its fused score."""

    fact: Fact
    score: float
    text_score: float = 0.0
    vector_score: float = 0.0
    text_rank: int = 0
    vector_rank: int = 0


@dataclass(frozen=True)
class WriteResult:
    """A written fact, the current facts it contradicts, and how the write went."""

    fact: Fact | None
    conflicts: list[Fact]
    replayed: bool = False
    superseded: bool = False
