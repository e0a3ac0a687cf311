"""Plain data for prospective memory (goals, tasks, triggers, firings); no gRPC, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from athena.memory.models import EventType


class GoalStatus(StrEnum):
    """Where a goal stands (stored as this text)."""

    ACTIVE = "active"
    ACHIEVED = "achieved"
    ABANDONED = "abandoned"


class TaskStatus(StrEnum):
    """A task's place in its status machine (stored as this text)."""

    PENDING = "pending"
    ACTIVE = "active"
    BLOCKED = "blocked"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({TaskStatus.PENDING, TaskStatus.ACTIVE, TaskStatus.BLOCKED})

# The status machine: pending -> active -> blocked/done/failed/cancelled. A blocked task may be
# resumed (active) or put back (pending); done, failed and cancelled are final.
TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PENDING: frozenset({TaskStatus.ACTIVE, TaskStatus.BLOCKED, TaskStatus.CANCELLED}),
    TaskStatus.ACTIVE: frozenset(
        {TaskStatus.BLOCKED, TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED}
    ),
    TaskStatus.BLOCKED: frozenset(
        {TaskStatus.ACTIVE, TaskStatus.PENDING, TaskStatus.FAILED, TaskStatus.CANCELLED}
    ),
    TaskStatus.DONE: frozenset(),
    TaskStatus.FAILED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


class TriggerKind(StrEnum):
    """Which condition a trigger has (stored as this text)."""

    TIME = "time"
    EVENT = "event"
    CONTEXT = "context"
    DEPENDENCY = "dependency"
    FILE = "file"


@dataclass(frozen=True)
class NewGoal:
    """What a client supplies to create a goal."""

    title: str
    description: str = ""
    parent_id: UUID | None = None
    priority: int = 50
    due_time: datetime | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Goal:
    """A stored goal."""

    id: UUID
    parent_id: UUID | None
    title: str
    description: str
    status: GoalStatus
    priority: int
    due_time: datetime | None
    tags: tuple[str, ...]
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class NewTask:
    """What a client supplies to create a prospective task."""

    title: str
    description: str = ""
    goal_id: UUID | None = None
    parent_task_id: UUID | None = None
    priority: int = 50
    due_time: datetime | None = None
    tags: tuple[str, ...] = ()
    dependency_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Task:
    """A stored prospective task."""

    id: UUID
    goal_id: UUID | None
    parent_task_id: UUID | None
    title: str
    description: str
    status: TaskStatus
    status_reason: str
    priority: int
    due_time: datetime | None
    tags: tuple[str, ...]
    dependency_ids: tuple[UUID, ...]
    create_time: datetime
    update_time: datetime
    start_time: datetime | None
    end_time: datetime | None


@dataclass(frozen=True)
class TaskFilter:
    """Narrowing conditions for listing tasks; unset fields don't filter."""

    statuses: tuple[TaskStatus, ...] = ()
    goal_id: UUID | None = None
    parent_task_id: UUID | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimeCondition:
    """Fire at `fire_time`, then every `repeat_interval` if set."""

    fire_time: datetime
    repeat_interval: timedelta | None = None


@dataclass(frozen=True)
class EventCondition:
    """Match recorded events; set fields combine with AND."""

    types: tuple[EventType, ...] = ()
    content_pattern: str = ""
    tags: tuple[str, ...] = ()
    actor: str = ""
    session_id: str = ""


@dataclass(frozen=True)
class ContextCondition:
    """Match the working context of recorded events; set fields combine with AND."""

    cwd: str = ""
    branch: str = ""
    task: str = ""
    phase: str = ""


@dataclass(frozen=True)
class DependencyCondition:
    """Fire when every dependency of the trigger's task is done."""


@dataclass(frozen=True)
class FileCondition:
    """Match events whose context files include a path matching `glob`."""

    glob: str


Condition = TimeCondition | EventCondition | ContextCondition | DependencyCondition | FileCondition

KIND_OF: dict[type, TriggerKind] = {
    TimeCondition: TriggerKind.TIME,
    EventCondition: TriggerKind.EVENT,
    ContextCondition: TriggerKind.CONTEXT,
    DependencyCondition: TriggerKind.DEPENDENCY,
    FileCondition: TriggerKind.FILE,
}


@dataclass(frozen=True)
class NewTrigger:
    """What a client supplies to create a trigger."""

    task_id: UUID
    condition: Condition
    description: str = ""
    repeat: bool = False


@dataclass(frozen=True)
class Trigger:
    """A stored trigger."""

    id: UUID
    task_id: UUID
    kind: TriggerKind
    condition: Condition
    description: str
    repeat: bool
    armed: bool
    fire_count: int
    last_fire_time: datetime | None
    create_time: datetime


@dataclass(frozen=True)
class Firing:
    """One durable record of a trigger having fired; `cursor` orders a project's firings."""

    cursor: int
    trigger_id: UUID
    task_id: UUID
    kind: TriggerKind
    fire_time: datetime
    event_id: UUID | None
    reason: str
    description: str
