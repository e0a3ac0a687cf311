"""Orchestration domain objects: tasks, agents, bus events, workflows, queue statistics."""

from __future__ import annotations

import enum
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg


class TaskState(enum.Enum):
    BLOCKED = "blocked"
    READY = "ready"
    LEASED = "leased"
    SUCCEEDED = "succeeded"
    DEAD = "dead"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


FINAL_STATES = frozenset(
    {TaskState.SUCCEEDED, TaskState.DEAD, TaskState.CANCELLED, TaskState.SKIPPED}
)


class AgentState(enum.Enum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    DEREGISTERED = "deregistered"


class WorkflowState(enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ParentFailurePolicy(enum.Enum):
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class NewTask:
    """What a client asks to be done. Durations are in milliseconds; None means the default."""

    name: str = ""
    capability: str = ""
    min_level: int = 0
    priority: int = 0
    payload: bytes = b""
    labels: tuple[tuple[str, str], ...] = ()
    max_attempts: int | None = None
    backoff_ms: int | None = None
    max_backoff_ms: int | None = None
    ready_time: datetime | None = None
    idempotency_key: str = ""


@dataclass(frozen=True)
class Task:
    id: uuid.UUID
    name: str
    capability: str
    min_level: int
    priority: int
    payload: bytes
    labels: dict[str, str]
    state: TaskState
    attempt: int
    max_attempts: int
    backoff_ms: int
    max_backoff_ms: int
    agent_id: str
    lease_expire_time: datetime | None
    ready_time: datetime
    result: bytes
    error: str
    idempotency_key: str
    workflow_id: uuid.UUID | None
    workflow_key: str
    on_parent_failure: ParentFailurePolicy
    create_time: datetime
    start_time: datetime | None
    finish_time: datetime | None


def task_from_row(row: asyncpg.Record) -> Task:
    return Task(
        id=row["id"],
        name=row["name"],
        capability=row["capability"],
        min_level=row["min_level"],
        priority=row["priority"],
        payload=bytes(row["payload"]),
        labels=json.loads(row["labels"]),
        state=TaskState(row["state"]),
        attempt=row["attempt"],
        max_attempts=row["max_attempts"],
        backoff_ms=row["backoff_ms"],
        max_backoff_ms=row["max_backoff_ms"],
        agent_id=row["agent_id"],
        lease_expire_time=row["lease_expire_time"],
        ready_time=row["ready_time"],
        result=bytes(row["result"]),
        error=row["error"],
        idempotency_key=row["idempotency_key"] or "",
        workflow_id=row["workflow_id"],
        workflow_key=row["workflow_key"],
        on_parent_failure=ParentFailurePolicy(row["on_parent_failure"]),
        create_time=row["create_time"],
        start_time=row["start_time"],
        finish_time=row["finish_time"],
    )


@dataclass(frozen=True)
class TaskFilter:
    states: tuple[TaskState, ...] = ()
    capability: str = ""
    agent_id: str = ""
    workflow_id: uuid.UUID | None = None


class CompletionRefusal(enum.Enum):
    LEASE_LOST = "LEASE_LOST"
    NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class Completion:
    task_id: uuid.UUID
    attempt: int
    result: bytes = b""


@dataclass(frozen=True)
class Ack:
    task_id: uuid.UUID
    refusal: CompletionRefusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class Agent:
    id: str
    capabilities: dict[str, int]
    max_concurrency: int
    metadata: dict[str, str]
    state: AgentState
    last_heartbeat_time: datetime
    register_time: datetime
    succeeded_count: int
    failed_count: int
    mean_run_ms: float
    leased: int

    @property
    def success_rate(self) -> float:
        total = self.succeeded_count + self.failed_count
        return self.succeeded_count / total if total else 1.0

    def rank_key(self) -> tuple[float, float, float, str]:
        """Routing preference, smallest first: less loaded, then more reliable, then faster."""
        return (
            self.leased / self.max_concurrency,
            -self.success_rate,
            self.mean_run_ms,
            self.id,
        )


def agent_from_row(row: asyncpg.Record) -> Agent:
    return Agent(
        id=row["id"],
        capabilities=json.loads(row["capabilities"]),
        max_concurrency=row["max_concurrency"],
        metadata=json.loads(row["metadata"]),
        state=AgentState(row["state"]),
        last_heartbeat_time=row["last_heartbeat_time"],
        register_time=row["register_time"],
        succeeded_count=row["succeeded_count"],
        failed_count=row["failed_count"],
        mean_run_ms=float(row["mean_run_ms"]),
        leased=row["leased"],
    )


@dataclass(frozen=True)
class NewBusEvent:
    topic: str
    data: bytes = b""
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BusEvent:
    offset: int
    topic: str
    data: bytes
    attributes: dict[str, str]
    publish_time: datetime


def bus_event_from_row(row: asyncpg.Record) -> BusEvent:
    return BusEvent(
        offset=row["offset"],
        topic=row["topic"],
        data=bytes(row["data"]),
        attributes=json.loads(row["attributes"]),
        publish_time=row["publish_time"],
    )


class PatternKind(enum.Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    REGEX = "regex"


@dataclass(frozen=True)
class TopicPattern:
    kind: PatternKind
    value: str


@dataclass(frozen=True)
class TopicMatcher:
    """Any-of matcher over exact, prefix and (whole-topic) regex patterns."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    regexes: tuple[re.Pattern[str], ...]

    def __call__(self, topic: str) -> bool:
        return (
            topic in self.exact
            or any(topic.startswith(p) for p in self.prefixes)
            or any(r.fullmatch(topic) for r in self.regexes)
        )


@dataclass(frozen=True)
class NewWorkflowTask:
    key: str
    task: NewTask
    depends_on: tuple[str, ...] = ()
    on_parent_failure: ParentFailurePolicy = ParentFailurePolicy.FAIL


@dataclass(frozen=True)
class WorkflowTask:
    key: str
    task: Task
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class Workflow:
    id: uuid.UUID
    name: str
    state: WorkflowState
    tasks: tuple[WorkflowTask, ...]
    create_time: datetime
    finish_time: datetime | None


@dataclass(frozen=True)
class Percentiles:
    count: int = 0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0


@dataclass
class CapabilityStats:
    capability: str
    ready: int = 0
    leased: int = 0
    oldest_ready_ms: float = 0.0
    wait: Percentiles = field(default_factory=Percentiles)
    run: Percentiles = field(default_factory=Percentiles)
    succeeded: int = 0
    failed: int = 0


@dataclass(frozen=True)
class AgentLoad:
    agent_id: str
    state: AgentState
    leased: int
    max_concurrency: int

    @property
    def utilisation(self) -> float:
        return self.leased / self.max_concurrency


@dataclass(frozen=True)
class QueueAnomaly:
    kind: str
    capability: str
    baseline: float
    current: float
    description: str


@dataclass(frozen=True)
class QueueStats:
    task_counts: dict[str, int]
    depth: int
    wait: Percentiles
    run: Percentiles
    throughput_per_second: float
    capabilities: list[CapabilityStats]
    agents: list[AgentLoad]
    longest_waits: list[str]
    slowest_capabilities: list[str]
    anomalies: list[QueueAnomaly]
    window_seconds: float


def task_event_attributes(task: Task) -> dict[str, Any]:
    """The attributes every task lifecycle event carries."""
    attributes = {"task_id": str(task.id), "capability": task.capability}
    if task.agent_id:
        attributes["agent_id"] = task.agent_id
    attributes["attempt"] = str(task.attempt)
    if task.workflow_id is not None:
        attributes["workflow_id"] = str(task.workflow_id)
    return attributes
