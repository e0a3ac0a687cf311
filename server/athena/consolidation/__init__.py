"""Consolidation: turning a project's events into facts, procedure candidates and patterns."""

from athena.consolidation.engine import Consolidator, Lease, Settings
from athena.consolidation.models import (
    Metrics,
    PatternKind,
    Phase,
    ProcedureCandidate,
    Progress,
    Run,
    RunState,
    Schedule,
    StoredPattern,
    Trigger,
    Weights,
)

__all__ = [
    "Consolidator",
    "Lease",
    "Metrics",
    "PatternKind",
    "Phase",
    "ProcedureCandidate",
    "Progress",
    "Run",
    "RunState",
    "Schedule",
    "Settings",
    "StoredPattern",
    "Trigger",
    "Weights",
]
