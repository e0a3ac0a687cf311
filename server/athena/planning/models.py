"""Plain data for planning; no gRPC, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class PlanStatus(StrEnum):
    """Where a plan stands (stored as this text)."""

    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REPLANNED = "replanned"


# draft -> active/cancelled; active -> completed/failed/cancelled; ReplanOnFailure moves draft or
# active plans to replanned. The rest are final.
TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.ACTIVE, PlanStatus.CANCELLED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.COMPLETED, PlanStatus.FAILED, PlanStatus.CANCELLED}),
}
OPEN_PLAN_STATUSES = frozenset({PlanStatus.DRAFT, PlanStatus.ACTIVE})


class StepStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class StepSpec:
    """A step before it is stored: from the caller, the model or a heuristic."""

    key: str
    title: str
    description: str = ""
    depends_on: tuple[str, ...] = ()
    source: str = "caller"


@dataclass(frozen=True)
class Step:
    """A stored step."""

    key: str
    position: int
    title: str
    description: str
    depends_on: tuple[str, ...]
    status: StepStatus
    source: str
    estimate_seconds: float
    task_id: UUID | None


@dataclass(frozen=True)
class LlmUsage:
    model: str = ""
    calls: int = 0
    failed_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Plan:
    """A stored plan with its steps in position order."""

    id: UUID
    title: str
    description: str
    status: PlanStatus
    status_reason: str
    goal_id: UUID | None
    strategy: str
    replaces_plan_id: UUID | None
    revision: int
    llm_usage: LlmUsage
    create_time: datetime
    update_time: datetime
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class NewPlan:
    """What a client supplies to create a plan."""

    title: str
    description: str = ""
    goal_id: UUID | None = None
    steps: tuple[StepSpec, ...] = ()
    max_steps: int = 0
    disable_llm: bool = False


@dataclass(frozen=True)
class Finding:
    """One validation result."""

    severity: Severity
    code: str
    message: str
    step_key: str = ""


@dataclass(frozen=True)
class Estimate:
    """Effort with a confidence range, in seconds."""

    expected_seconds: float
    low_seconds: float
    high_seconds: float
    confidence: float
    sample_count: int
    basis: str


@dataclass(frozen=True)
class PlanEstimate:
    total: Estimate
    steps: tuple[tuple[str, Estimate], ...] = field(default_factory=tuple)
