"""Planning: goals decomposed into plans of steps, validated, estimated, tracked and replanned."""

from athena.planning.models import (
    Estimate,
    Finding,
    NewPlan,
    Plan,
    PlanEstimate,
    PlanStatus,
    Severity,
    Step,
    StepSpec,
    StepStatus,
)
from athena.planning.planner import Planner

__all__ = [
    "Estimate",
    "Finding",
    "NewPlan",
    "Plan",
    "PlanEstimate",
    "PlanStatus",
    "Planner",
    "Severity",
    "Step",
    "StepSpec",
    "StepStatus",
]
