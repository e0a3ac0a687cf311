"""ProspectiveMemoryService: validate (done by the interceptor) -> call the domain -> map back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import grpc
from google.protobuf import duration_pb2

from athena.api.convert import from_timestamp, timestamp
from athena.api.interceptors import current_project
from athena.errors import FieldViolation, InvalidArgument
from athena.memory.models import EventType
from athena.prospective import (
    ContextCondition,
    DependencyCondition,
    EventCondition,
    FileCondition,
    Firing,
    Goal,
    Goals,
    GoalStatus,
    NewGoal,
    NewTask,
    NewTrigger,
    Task,
    TaskFilter,
    Tasks,
    TaskStatus,
    TimeCondition,
    Trigger,
    TriggerKind,
    Triggers,
)
from athena.v1 import memory_pb2, prospective_pb2, prospective_pb2_grpc

pb = prospective_pb2

# Enum values are mapped by name, so proto numbering and stored text stay independent.
_GOAL_STATUS_TO_PB = {s: pb.GoalStatus.Value(f"GOAL_STATUS_{s.name}") for s in GoalStatus}
_GOAL_STATUS_FROM_PB = {v: k for k, v in _GOAL_STATUS_TO_PB.items()}
_TASK_STATUS_TO_PB = {
    s: pb.ProspectiveTaskStatus.Value(f"PROSPECTIVE_TASK_STATUS_{s.name}") for s in TaskStatus
}
_TASK_STATUS_FROM_PB = {v: k for k, v in _TASK_STATUS_TO_PB.items()}
_KIND_TO_PB = {k: pb.TriggerKind.Value(f"TRIGGER_KIND_{k.name}") for k in TriggerKind}
_KIND_FROM_PB = {v: k for k, v in _KIND_TO_PB.items()}
_TYPE_TO_PB = {t: memory_pb2.EventType.Value(f"EVENT_TYPE_{t.name}") for t in EventType}
_TYPE_FROM_PB = {v: k for k, v in _TYPE_TO_PB.items()}


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidArgument([FieldViolation(field, "must be a UUID")]) from exc


def _optional_uuid(value: str, field: str) -> uuid.UUID | None:
    return _uuid(value, field) if value else None


def _str(value: uuid.UUID | None) -> str:
    return "" if value is None else str(value)


def _due(message: Any, path: str) -> Any:
    return from_timestamp(message.due_time, path) if message.HasField("due_time") else None


def goal_to_pb(g: Goal) -> pb.Goal:
    return pb.Goal(
        id=str(g.id),
        parent_id=_str(g.parent_id),
        title=g.title,
        description=g.description,
        status=_GOAL_STATUS_TO_PB[g.status],
        priority=g.priority,
        due_time=timestamp(g.due_time),
        tags=list(g.tags),
        create_time=timestamp(g.create_time),
        update_time=timestamp(g.update_time),
    )


def task_to_pb(t: Task) -> pb.ProspectiveTask:
    return pb.ProspectiveTask(
        id=str(t.id),
        goal_id=_str(t.goal_id),
        parent_task_id=_str(t.parent_task_id),
        title=t.title,
        description=t.description,
        status=_TASK_STATUS_TO_PB[t.status],
        status_reason=t.status_reason,
        priority=t.priority,
        due_time=timestamp(t.due_time),
        tags=list(t.tags),
        dependency_ids=[str(d) for d in t.dependency_ids],
        create_time=timestamp(t.create_time),
        update_time=timestamp(t.update_time),
        start_time=timestamp(t.start_time),
        end_time=timestamp(t.end_time),
    )


def _duration(value: timedelta | None) -> duration_pb2.Duration | None:
    if value is None:
        return None
    d = duration_pb2.Duration()
    d.FromTimedelta(value)
    return d


def trigger_to_pb(t: Trigger) -> pb.Trigger:
    out = pb.Trigger(
        id=str(t.id),
        task_id=str(t.task_id),
        kind=_KIND_TO_PB[t.kind],
        description=t.description,
        repeat=t.repeat,
        armed=t.armed,
        fire_count=t.fire_count,
        last_fire_time=timestamp(t.last_fire_time),
        create_time=timestamp(t.create_time),
    )
    c = t.condition
    if isinstance(c, TimeCondition):
        out.time.CopyFrom(
            pb.TimeTriggerCondition(
                fire_time=timestamp(c.fire_time), repeat_interval=_duration(c.repeat_interval)
            )
        )
    elif isinstance(c, EventCondition):
        out.event.CopyFrom(
            pb.EventTriggerCondition(
                types=[_TYPE_TO_PB[x] for x in c.types],
                content_pattern=c.content_pattern,
                tags=list(c.tags),
                actor=c.actor,
                session_id=c.session_id,
            )
        )
    elif isinstance(c, ContextCondition):
        out.context.CopyFrom(
            pb.ContextTriggerCondition(cwd=c.cwd, branch=c.branch, task=c.task, phase=c.phase)
        )
    elif isinstance(c, FileCondition):
        out.file.CopyFrom(pb.FileTriggerCondition(glob=c.glob))
    else:
        out.dependency.SetInParent()
    return out


def firing_to_pb(f: Firing) -> pb.TriggerFiring:
    return pb.TriggerFiring(
        cursor=str(f.cursor),
        trigger_id=str(f.trigger_id),
        task_id=str(f.task_id),
        kind=_KIND_TO_PB[f.kind],
        fire_time=timestamp(f.fire_time),
        event_id=_str(f.event_id),
        reason=f.reason,
        description=f.description,
    )


def _condition(n: pb.NewTrigger) -> Any:
    which = n.WhichOneof("condition")
    if which == "time":
        interval = (
            n.time.repeat_interval.ToTimedelta() if n.time.HasField("repeat_interval") else None
        )
        return TimeCondition(from_timestamp(n.time.fire_time, "trigger.time.fire_time"), interval)
    if which == "event":
        e = n.event
        return EventCondition(
            types=tuple(_TYPE_FROM_PB[x] for x in e.types),
            content_pattern=e.content_pattern,
            tags=tuple(e.tags),
            actor=e.actor,
            session_id=e.session_id,
        )
    if which == "context":
        c = n.context
        return ContextCondition(cwd=c.cwd, branch=c.branch, task=c.task, phase=c.phase)
    if which == "file":
        return FileCondition(n.file.glob)
    return DependencyCondition()


def _mask(paths: list[str], allowed: frozenset[str]) -> list[str]:
    unknown = [p for p in paths if p not in allowed]
    if unknown or not paths:
        raise InvalidArgument(
            [
                FieldViolation(
                    "update_mask",
                    f"unknown paths {unknown}; allowed: {sorted(allowed)}"
                    if unknown
                    else "must name at least one field",
                )
            ]
        )
    return paths


_GOAL_PATHS = frozenset(
    {"title", "description", "status", "priority", "due_time", "tags", "parent_id"}
)
_TASK_PATHS = frozenset(
    {
        "title", "description", "status", "status_reason", "priority", "due_time", "tags",
        "goal_id", "parent_task_id", "dependency_ids",
    }
)  # fmt: skip


def goal_changes(g: pb.Goal, paths: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for path in _mask(paths, _GOAL_PATHS):
        if path == "status":
            if g.status not in _GOAL_STATUS_FROM_PB:
                raise InvalidArgument([FieldViolation("goal.status", "must be a defined status")])
            changes[path] = _GOAL_STATUS_FROM_PB[g.status]
        elif path == "parent_id":
            changes[path] = _optional_uuid(g.parent_id, "goal.parent_id")
        elif path == "due_time":
            changes[path] = _due(g, "goal.due_time")
        elif path == "tags":
            changes[path] = tuple(g.tags)
        else:
            changes[path] = getattr(g, path)
    return changes


def task_changes(t: pb.ProspectiveTask, paths: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for path in _mask(paths, _TASK_PATHS):
        if path == "status":
            if t.status not in _TASK_STATUS_FROM_PB:
                raise InvalidArgument([FieldViolation("task.status", "must be a defined status")])
            changes[path] = _TASK_STATUS_FROM_PB[t.status]
        elif path in ("goal_id", "parent_task_id"):
            changes[path] = _optional_uuid(getattr(t, path), f"task.{path}")
        elif path == "dependency_ids":
            changes[path] = tuple(
                _uuid(d, f"task.dependency_ids[{i}]") for i, d in enumerate(t.dependency_ids)
            )
        elif path == "due_time":
            changes[path] = _due(t, "task.due_time")
        elif path == "tags":
            changes[path] = tuple(t.tags)
        else:
            changes[path] = getattr(t, path)
    return changes


class ProspectiveServicer(prospective_pb2_grpc.ProspectiveMemoryServiceServicer):
    """Thin adapter over the goals, tasks and triggers domain objects."""

    def __init__(self, goals: Goals, tasks: Tasks, triggers: Triggers) -> None:
        self._goals = goals
        self._tasks = tasks
        self._triggers = triggers

    async def CreateGoal(
        self, request: pb.CreateGoalRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateGoalResponse:
        g = request.goal
        new = NewGoal(
            title=g.title,
            description=g.description,
            parent_id=_optional_uuid(g.parent_id, "goal.parent_id"),
            priority=g.priority if g.HasField("priority") else 50,
            due_time=_due(g, "goal.due_time"),
            tags=tuple(g.tags),
        )
        goal, replayed = await self._goals.create(current_project(), new, request.request_id)
        return pb.CreateGoalResponse(goal=goal_to_pb(goal), replayed=replayed)

    async def GetGoal(
        self, request: pb.GetGoalRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetGoalResponse:
        goal = await self._goals.get(current_project(), uuid.UUID(request.id))
        return pb.GetGoalResponse(goal=goal_to_pb(goal))

    async def ListGoals(
        self, request: pb.ListGoalsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListGoalsResponse:
        goals, token = await self._goals.list(
            current_project(),
            parent_id=_optional_uuid(request.parent_id, "parent_id"),
            top_level_only=request.top_level_only,
            statuses=tuple(_GOAL_STATUS_FROM_PB[s] for s in request.statuses),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListGoalsResponse(goals=[goal_to_pb(g) for g in goals], next_page_token=token)

    async def UpdateGoal(
        self, request: pb.UpdateGoalRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateGoalResponse:
        changes = goal_changes(request.goal, list(request.update_mask.paths))
        goal = await self._goals.update(current_project(), uuid.UUID(request.id), changes)
        return pb.UpdateGoalResponse(goal=goal_to_pb(goal))

    async def DeleteGoal(
        self, request: pb.DeleteGoalRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteGoalResponse:
        count = await self._goals.delete(current_project(), uuid.UUID(request.id))
        return pb.DeleteGoalResponse(id=request.id, deleted_goal_count=count)

    async def CreateProspectiveTask(
        self, request: pb.CreateProspectiveTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateProspectiveTaskResponse:
        t = request.task
        new = NewTask(
            title=t.title,
            description=t.description,
            goal_id=_optional_uuid(t.goal_id, "task.goal_id"),
            parent_task_id=_optional_uuid(t.parent_task_id, "task.parent_task_id"),
            priority=t.priority if t.HasField("priority") else 50,
            due_time=_due(t, "task.due_time"),
            tags=tuple(t.tags),
            dependency_ids=tuple(uuid.UUID(d) for d in t.dependency_ids),
        )
        task, replayed = await self._tasks.create(current_project(), new, request.request_id)
        return pb.CreateProspectiveTaskResponse(task=task_to_pb(task), replayed=replayed)

    async def GetProspectiveTask(
        self, request: pb.GetProspectiveTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetProspectiveTaskResponse:
        task = await self._tasks.get(current_project(), uuid.UUID(request.id))
        return pb.GetProspectiveTaskResponse(task=task_to_pb(task))

    async def ListProspectiveTasks(
        self, request: pb.ListProspectiveTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListProspectiveTasksResponse:
        f = request.filter
        task_filter = TaskFilter(
            statuses=tuple(_TASK_STATUS_FROM_PB[s] for s in f.statuses),
            goal_id=_optional_uuid(f.goal_id, "filter.goal_id"),
            parent_task_id=_optional_uuid(f.parent_task_id, "filter.parent_task_id"),
            tags=tuple(f.tags),
        )
        tasks, token = await self._tasks.list(
            current_project(), task_filter, request.page_size, request.page_token
        )
        return pb.ListProspectiveTasksResponse(
            tasks=[task_to_pb(t) for t in tasks], next_page_token=token
        )

    async def UpdateProspectiveTask(
        self, request: pb.UpdateProspectiveTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateProspectiveTaskResponse:
        changes = task_changes(request.task, list(request.update_mask.paths))
        task = await self._tasks.update(current_project(), uuid.UUID(request.id), changes)
        return pb.UpdateProspectiveTaskResponse(task=task_to_pb(task))

    async def DeleteProspectiveTask(
        self, request: pb.DeleteProspectiveTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteProspectiveTaskResponse:
        count = await self._tasks.delete(current_project(), uuid.UUID(request.id))
        return pb.DeleteProspectiveTaskResponse(id=request.id, deleted_task_count=count)

    async def ListOverdueTasks(
        self, request: pb.ListOverdueTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListOverdueTasksResponse:
        tasks, token = await self._tasks.list_overdue(
            current_project(),
            goal_id=_optional_uuid(request.goal_id, "goal_id"),
            as_of=from_timestamp(request.as_of_time, "as_of_time")
            if request.HasField("as_of_time")
            else None,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListOverdueTasksResponse(
            tasks=[task_to_pb(t) for t in tasks], next_page_token=token
        )

    async def ListActiveTasks(
        self, request: pb.ListActiveTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListActiveTasksResponse:
        tasks, token = await self._tasks.list_active(
            current_project(),
            goal_id=_optional_uuid(request.goal_id, "goal_id"),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListActiveTasksResponse(
            tasks=[task_to_pb(t) for t in tasks], next_page_token=token
        )

    async def CreateTrigger(
        self, request: pb.CreateTriggerRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateTriggerResponse:
        n = request.trigger
        new = NewTrigger(
            task_id=uuid.UUID(n.task_id),
            condition=_condition(n),
            description=n.description,
            repeat=n.repeat,
        )
        trigger, replayed = await self._triggers.create(current_project(), new, request.request_id)
        return pb.CreateTriggerResponse(trigger=trigger_to_pb(trigger), replayed=replayed)

    async def GetTrigger(
        self, request: pb.GetTriggerRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTriggerResponse:
        trigger = await self._triggers.get(current_project(), uuid.UUID(request.id))
        return pb.GetTriggerResponse(trigger=trigger_to_pb(trigger))

    async def ListTriggers(
        self, request: pb.ListTriggersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTriggersResponse:
        triggers, token = await self._triggers.list(
            current_project(),
            task_id=_optional_uuid(request.task_id, "task_id"),
            kind=_KIND_FROM_PB.get(request.kind),
            armed_only=request.armed_only,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListTriggersResponse(
            triggers=[trigger_to_pb(t) for t in triggers], next_page_token=token
        )

    async def DeleteTrigger(
        self, request: pb.DeleteTriggerRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteTriggerResponse:
        await self._triggers.delete(current_project(), uuid.UUID(request.id))
        return pb.DeleteTriggerResponse(id=request.id)

    async def WatchTriggers(
        self, request: pb.WatchTriggersRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchTriggersResponse]:
        after = int(request.after_cursor) if request.after_cursor else None
        stream = self._triggers.watch(
            current_project(),
            after=after,
            task_id=_optional_uuid(request.task_id, "task_id"),
            kinds=tuple(_KIND_FROM_PB[k] for k in request.kinds),
        )
        async for item in stream:
            if isinstance(item, int):
                yield pb.WatchTriggersResponse(cursor=str(item))
            else:
                yield pb.WatchTriggersResponse(cursor=str(item.cursor), firing=firing_to_pb(item))
