"""Plain data for consolidation; no gRPC, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from uuid import UUID

import numpy as np

from athena.graph import EntityExtractor
from athena.memory import Event


class RunState(StrEnum):
    """Where a run stands (stored as this text)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Its process or connection died, or it was cancelled: the next run picks up what is left.
    INTERRUPTED = "interrupted"


class Phase(StrEnum):
    """The steps of a run, in order."""

    PRIORITISE = "prioritise"
    CLUSTER = "cluster"
    EXTRACT = "extract"
    WRITE = "write"
    MARK = "mark"
    DONE = "done"


class Trigger(StrEnum):
    """What started a run."""

    STREAM = "stream"
    BACKGROUND = "background"
    SCHEDULE = "schedule"


class PatternKind(StrEnum):
    """The kinds of regularity extraction looks for."""

    ACTION_SEQUENCE = "action_sequence"
    ERROR_FIX = "error_fix"
    STABLE_FACT = "stable_fact"


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in an event's priority (normalised by their sum)."""

    surprise: float = 1.0
    utility: float = 1.0
    relevance: float = 1.0


@dataclass
class Metrics:
    """What a run did; also the progress record while it runs."""

    events_considered: int = 0
    events_skipped: int = 0
    clusters: int = 0
    patterns: int = 0
    facts_created: int = 0
    facts_superseded: int = 0
    facts_unchanged: int = 0
    procedure_candidates: int = 0
    candidates_rejected: int = 0
    llm_reviews: int = 0
    llm_rewrites: int = 0
    llm_rejections: int = 0
    llm_failures: int = 0
    llm_input_tokens: int = 0
    llm_output_tokens: int = 0
    duration_ms: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> Metrics:
        known = set(vars(cls()))
        return cls(**{k: int(v) for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Run:
    """A stored consolidation run."""

    id: UUID
    project: str
    request_id: str
    trigger: Trigger
    state: RunState
    phase: Phase
    items_done: int
    items_total: int
    metrics: Metrics
    error: str
    start_time: datetime
    end_time: datetime | None


@dataclass(frozen=True)
class Progress:
    """One step forward of a run, for streaming callers."""

    run_id: UUID
    phase: Phase
    items_done: int
    items_total: int


@dataclass(frozen=True)
class Item:
    """An event as consolidation sees it: the event, its embedding and derived keys."""

    event: Event
    embedding: np.ndarray | None
    # The event's action with volatile parts (numbers, paths, ids, quotes) normalised away.
    signature: str
    # Entities the event mentions ("file:src/app.py"); given, or found by `extractor` when
    # first needed (clustering asks only about events unlike their episode).
    given_entities: frozenset[str] | None = None
    extractor: EntityExtractor | None = field(default=None, compare=False, repr=False)

    @cached_property
    def entities(self) -> frozenset[str]:
        if self.given_entities is not None:
            return self.given_entities
        if self.extractor is None:
            return frozenset()
        return frozenset(f"{m.type}:{m.name.lower()}" for m in self.extractor.extract(self.event))


@dataclass(frozen=True)
class Scored:
    """An item with its priority and the parts it was made of (each 0-1)."""

    item: Item
    priority: float
    surprise: float
    utility: float
    relevance: float


@dataclass(frozen=True)
class Cluster:
    """Events that belong to one episode of work, in time order."""

    items: tuple[Scored, ...]

    @property
    def priority(self) -> float:
        return max(s.priority for s in self.items)


@dataclass(frozen=True)
class FactStatement:
    """A fact a pattern states: subject / predicate / content."""

    subject: str
    predicate: str
    content: str


@dataclass
class Candidate:
    """A pattern found by the heuristics, before it is written.

    `instances` are the event sequences that showed it (each keyed by its first event id).
    """

    kind: PatternKind
    signature: str
    description: str
    confidence: float
    steps: tuple[str, ...] = ()
    instances: list[tuple[UUID, ...]] = field(default_factory=list)
    fact: FactStatement | None = None
    reviewed_by: str = "heuristic"

    @property
    def source_event_ids(self) -> tuple[UUID, ...]:
        seen: dict[UUID, None] = {}
        for instance in self.instances:
            for event_id in instance:
                seen.setdefault(event_id)
        return tuple(seen)


@dataclass(frozen=True)
class Schedule:
    """A project's scheduled consolidation."""

    project: str
    interval_seconds: int
    next_run_time: datetime


@dataclass(frozen=True)
class StoredPattern:
    """A pattern as stored, with how many occurrences back it."""

    id: UUID
    kind: PatternKind
    signature: str
    description: str
    steps: tuple[str, ...]
    confidence: float
    reviewed_by: str
    fact_id: UUID | None
    occurrences: int
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class ProcedureCandidate:
    """A repeated action sequence that may become a procedure."""

    id: UUID
    pattern_id: UUID
    name: str
    steps: tuple[str, ...]
    event_sequence: tuple[UUID, ...]
    confidence: float
    occurrences: int
    create_time: datetime
    update_time: datetime
