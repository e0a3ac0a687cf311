"""Prospective memory: goals, tasks with a status machine and dependencies, and triggers."""

from athena.prospective.firing import FiringLog
from athena.prospective.goals import Goals
from athena.prospective.models import (
    ContextCondition,
    DependencyCondition,
    EventCondition,
    FileCondition,
    Firing,
    Goal,
    GoalStatus,
    NewGoal,
    NewTask,
    NewTrigger,
    Task,
    TaskFilter,
    TaskStatus,
    TimeCondition,
    Trigger,
    TriggerKind,
)
from athena.prospective.scheduler import TimeTriggerScheduler
from athena.prospective.tasks import Tasks
from athena.prospective.triggers import Triggers

__all__ = [
    "ContextCondition",
    "DependencyCondition",
    "EventCondition",
    "FileCondition",
    "Firing",
    "FiringLog",
    "Goal",
    "GoalStatus",
    "Goals",
    "NewGoal",
    "NewTask",
    "NewTrigger",
    "Task",
    "TaskFilter",
    "TaskStatus",
    "Tasks",
    "TimeCondition",
    "TimeTriggerScheduler",
    "Trigger",
    "TriggerKind",
    "Triggers",
]
