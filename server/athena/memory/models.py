"""Plain data for episodic memory; no gRPC, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class EventType(StrEnum):
    """What kind of thing happened (stored as this text)."""

    ACTION = "action"
    OBSERVATION = "observation"
    DECISION = "decision"
    ERROR = "error"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    MESSAGE = "message"
    FILE_CHANGE = "file_change"
    TEST_RUN = "test_run"
    REFLECTION = "reflection"


class Outcome(StrEnum):
    """How an action turned out."""

    UNSPECIFIED = "unspecified"
    SUCCESS = "success"
    FAILURE = "failure"
    PARTIAL = "partial"


class ConsolidationStatus(StrEnum):
    """Where an event is on its way into long-term memory."""

    PENDING = "pending"
    CONSOLIDATED = "consolidated"
    SKIPPED = "skipped"


class SearchMode(StrEnum):
    """Retrieval strategy for search."""

    HYBRID = "hybrid"
    FULL_TEXT = "full_text"
    VECTOR = "vector"


@dataclass(frozen=True)
class EventOrder:
    """Sort key (`occur_time` or `importance`) and direction of a listing."""

    key: str = "occur_time"
    descending: bool = True


@dataclass(frozen=True)
class EventContext:
    """The agent's working context when an event happened."""

    cwd: str = ""
    files: tuple[str, ...] = ()
    task: str = ""
    phase: str = ""
    branch: str = ""


@dataclass(frozen=True)
class NewEvent:
    """What a client supplies to record an event."""

    session_id: str
    type: EventType
    content: str
    occur_time: datetime | None = None
    actor: str = ""
    outcome: Outcome = Outcome.UNSPECIFIED
    context: EventContext = field(default_factory=EventContext)
    importance: float = 0.5
    confidence: float = 1.0
    tags: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Event:
    """A stored event."""

    id: UUID
    session_id: str
    occur_time: datetime
    type: EventType
    actor: str
    content: str
    outcome: Outcome
    context: EventContext
    importance: float
    confidence: float
    tags: tuple[str, ...]
    attributes: dict[str, str]
    consolidation_status: ConsolidationStatus
    create_time: datetime


@dataclass(frozen=True)
class EventFilter:
    """Narrowing conditions; unset fields don't filter, set ones combine with AND."""

    session_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    types: tuple[EventType, ...] = ()
    tags: tuple[str, ...] = ()
    min_importance: float | None = None
    actor: str | None = None
    consolidation_status: ConsolidationStatus | None = None

    def is_empty(self) -> bool:
        return self == EventFilter()


@dataclass(frozen=True)
class ScoredEvent:
    """A search hit and the parts of its score."""

    event: Event
    score: float
    text_score: float = 0.0
    vector_score: float = 0.0
    text_rank: int = 0
    vector_rank: int = 0


@dataclass(frozen=True)
class EventStats:
    """Counts and ranges over a set of events."""

    total_count: int
    session_count: int
    count_by_type: dict[str, int]
    count_by_outcome: dict[str, int]
    count_by_consolidation_status: dict[str, int]
    first_occur_time: datetime | None
    last_occur_time: datetime | None
    mean_importance: float
