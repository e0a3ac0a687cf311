"""OrchestrationService: validate (done by the interceptor) -> call the domain -> map the result.

The proto <-> domain conversions of this service live at the bottom of this module.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from google.protobuf import duration_pb2

from athena.api.convert import from_timestamp, timestamp
from athena.api.interceptors import current_project
from athena.errors import FieldViolation, InvalidArgument
from athena.orchestration import models as m
from athena.orchestration.agents import AgentRegistry
from athena.orchestration.bus import EventBus, compile_patterns
from athena.orchestration.monitoring import QueueMonitor
from athena.orchestration.queue import TaskQueue
from athena.orchestration.workflows import Workflows
from athena.v1 import orchestration_pb2 as pb
from athena.v1 import orchestration_pb2_grpc as pb_grpc

DEFAULT_STREAM_BATCH = 100
DEFAULT_STATS_WINDOW_SECONDS = 300.0


@dataclass
class Orchestration:
    """The domain objects the servicer calls."""

    queue: TaskQueue
    agents: AgentRegistry
    bus: EventBus
    workflows: Workflows
    monitor: QueueMonitor


class OrchestrationServicer(pb_grpc.OrchestrationServiceServicer):
    """Thin adapter over the orchestration domain."""

    def __init__(self, domain: Orchestration) -> None:
        self._d = domain

    # -- tasks -----------------------------------------------------------------------------

    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateTaskResponse:
        tasks, replayed = await self._d.queue.create(
            current_project(), [new_task(request.task, "task")]
        )
        return pb.CreateTaskResponse(task=task(tasks[0]), replayed=bool(replayed))

    async def CreateTasks(
        self, request: pb.CreateTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateTasksResponse:
        new = [new_task(t, f"tasks[{i}]") for i, t in enumerate(request.tasks)]
        tasks, replayed = await self._d.queue.create(current_project(), new)
        return pb.CreateTasksResponse(tasks=[task(t) for t in tasks], replayed_count=replayed)

    async def GetTask(
        self, request: pb.GetTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTaskResponse:
        found = await self._d.queue.get(current_project(), uuid.UUID(request.task_id))
        return pb.GetTaskResponse(task=task(found))

    async def ListTasks(
        self, request: pb.ListTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTasksResponse:
        f = request.filter
        tasks, token = await self._d.queue.list(
            current_project(),
            m.TaskFilter(
                states=tuple(_TASK_STATE_FROM_PB[s] for s in f.states),
                capability=f.capability,
                agent_id=f.agent_id,
                workflow_id=_optional_uuid(f.workflow_id, "filter.workflow_id"),
            ),
            request.order != pb.TASK_LIST_ORDER_OLDEST_FIRST,
            request.page_size,
            request.page_token,
        )
        return pb.ListTasksResponse(tasks=[task(t) for t in tasks], next_page_token=token)

    async def ClaimTasks(
        self, request: pb.ClaimTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ClaimTasksResponse:
        tasks = await self._d.queue.claim(
            current_project(), request.agent_id, request.max_tasks, _seconds(request, "lease")
        )
        return pb.ClaimTasksResponse(tasks=[task(t) for t in tasks])

    async def StreamAssignments(
        self, request: pb.StreamAssignmentsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamAssignmentsResponse]:
        project, agent_id = current_project(), request.agent_id

        async def rank() -> tuple[float, float, float, str]:
            return (await self._d.agents.get(project, agent_id)).rank_key()

        async for batch in self._d.queue.stream(
            project,
            agent_id,
            _seconds(request, "lease"),
            request.max_batch or DEFAULT_STREAM_BATCH,
            rank,
        ):
            yield pb.StreamAssignmentsResponse(tasks=[task(t) for t in batch])

    async def HeartbeatTasks(
        self, request: pb.HeartbeatTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.HeartbeatTasksResponse:
        extended, lost, expiry = await self._d.queue.extend(
            current_project(),
            request.agent_id,
            [uuid.UUID(i) for i in request.task_ids],
            _seconds(request, "lease") or self._d.queue.default_lease_seconds,
        )
        return pb.HeartbeatTasksResponse(
            extended_task_ids=[str(i) for i in extended],
            lost_task_ids=[str(i) for i in lost],
            lease_expire_time=timestamp(expiry),
        )

    async def CompleteTask(
        self, request: pb.CompleteTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteTaskResponse:
        await self._d.queue.complete_one(
            current_project(),
            request.agent_id,
            m.Completion(uuid.UUID(request.task_id), request.attempt, request.result),
        )
        return pb.CompleteTaskResponse(task_id=request.task_id)

    async def CompleteTasks(
        self, request: pb.CompleteTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteTasksResponse:
        acks = await self._d.queue.complete(
            current_project(),
            request.agent_id,
            [m.Completion(uuid.UUID(c.task_id), c.attempt, c.result) for c in request.completions],
        )
        return pb.CompleteTasksResponse(
            acks=[
                pb.TaskAck(
                    task_id=str(a.task_id),
                    accepted=a.accepted,
                    reason=a.refusal.value if a.refusal else "",
                )
                for a in acks
            ]
        )

    async def FailTask(
        self, request: pb.FailTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.FailTaskResponse:
        updated = await self._d.queue.fail(
            current_project(),
            request.agent_id,
            uuid.UUID(request.task_id),
            request.attempt,
            request.error,
            request.permanent,
        )
        return pb.FailTaskResponse(task=task(updated))

    async def CancelTask(
        self, request: pb.CancelTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelTaskResponse:
        updated = await self._d.queue.cancel(
            current_project(), uuid.UUID(request.task_id), request.reason
        )
        return pb.CancelTaskResponse(task=task(updated))

    async def RetryDeadTask(
        self, request: pb.RetryDeadTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.RetryDeadTaskResponse:
        updated = await self._d.queue.retry_dead(current_project(), uuid.UUID(request.task_id))
        return pb.RetryDeadTaskResponse(task=task(updated))

    async def GetQueueStats(
        self, request: pb.GetQueueStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetQueueStatsResponse:
        window = _seconds(request, "window") or DEFAULT_STATS_WINDOW_SECONDS
        return queue_stats(await self._d.monitor.stats(current_project(), window))

    # -- agents ----------------------------------------------------------------------------

    async def RegisterAgent(
        self, request: pb.RegisterAgentRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterAgentResponse:
        registered = await self._d.agents.register(
            current_project(),
            request.agent_id,
            [(c.name, c.level) for c in request.capabilities],
            request.max_concurrency,
            dict(request.metadata),
        )
        return pb.RegisterAgentResponse(agent=agent(registered))

    async def Heartbeat(
        self, request: pb.HeartbeatRequest, context: grpc.aio.ServicerContext
    ) -> pb.HeartbeatResponse:
        found = await self._d.agents.heartbeat(current_project(), request.agent_id)
        return pb.HeartbeatResponse(agent=agent(found))

    async def GetAgent(
        self, request: pb.GetAgentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAgentResponse:
        found = await self._d.agents.get(current_project(), request.agent_id)
        return pb.GetAgentResponse(agent=agent(found))

    async def ListAgents(
        self, request: pb.ListAgentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAgentsResponse:
        agents, token = await self._d.agents.list(
            current_project(),
            _AGENT_STATE_FROM_PB.get(request.state),
            request.capability,
            request.page_size,
            request.page_token,
        )
        return pb.ListAgentsResponse(agents=[agent(a) for a in agents], next_page_token=token)

    async def FindCapableAgents(
        self, request: pb.FindCapableAgentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.FindCapableAgentsResponse:
        found = await self._d.agents.find_capable(
            current_project(), request.capability, request.min_level, request.limit
        )
        return pb.FindCapableAgentsResponse(agents=[agent(a) for a in found])

    async def DeregisterAgent(
        self, request: pb.DeregisterAgentRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeregisterAgentResponse:
        found, released = await self._d.agents.deregister(current_project(), request.agent_id)
        return pb.DeregisterAgentResponse(agent=agent(found), released_task_count=released)

    # -- events ----------------------------------------------------------------------------

    async def Publish(
        self, request: pb.PublishRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishResponse:
        count = await self._d.bus.publish(
            current_project(),
            [
                m.NewBusEvent(e.topic, e.data, tuple(sorted(e.attributes.items())))
                for e in request.events
            ],
        )
        return pb.PublishResponse(published_count=count)

    async def Subscribe(
        self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.SubscribeResponse]:
        matcher = compile_patterns(
            [
                m.TopicPattern(
                    m.PatternKind(p.WhichOneof("kind")), getattr(p, p.WhichOneof("kind"))
                )
                for p in request.patterns
            ]
        )
        after = request.after_offset if request.HasField("after_offset") else None
        async for batch in self._d.bus.subscribe(current_project(), matcher, after):
            yield pb.SubscribeResponse(events=[bus_event(e) for e in batch])

    # -- workflows -------------------------------------------------------------------------

    async def SubmitWorkflow(
        self, request: pb.SubmitWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitWorkflowResponse:
        nodes = [
            m.NewWorkflowTask(
                key=n.key,
                task=new_task(n.task, f"tasks[{i}].task"),
                depends_on=tuple(n.depends_on),
                on_parent_failure=_POLICY_FROM_PB[n.on_parent_failure],
            )
            for i, n in enumerate(request.tasks)
        ]
        found, replayed = await self._d.workflows.submit(
            current_project(), request.name, nodes, request.request_id
        )
        return pb.SubmitWorkflowResponse(workflow=workflow(found), replayed=replayed)

    async def GetWorkflow(
        self, request: pb.GetWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWorkflowResponse:
        found = await self._d.workflows.get(current_project(), uuid.UUID(request.workflow_id))
        return pb.GetWorkflowResponse(workflow=workflow(found))

    async def CancelWorkflow(
        self, request: pb.CancelWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelWorkflowResponse:
        found = await self._d.workflows.cancel(current_project(), uuid.UUID(request.workflow_id))
        return pb.CancelWorkflowResponse(workflow=workflow(found))

    async def WatchWorkflow(
        self, request: pb.WatchWorkflowRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchWorkflowResponse]:
        async for found in self._d.workflows.watch(
            current_project(), uuid.UUID(request.workflow_id)
        ):
            yield pb.WatchWorkflowResponse(workflow=workflow(found))


# -- conversions ---------------------------------------------------------------------------

_TASK_STATE_TO_PB = {s: pb.TaskState.Value(f"TASK_STATE_{s.name}") for s in m.TaskState}
_TASK_STATE_FROM_PB = {v: k for k, v in _TASK_STATE_TO_PB.items()}
_AGENT_STATE_TO_PB = {s: pb.AgentState.Value(f"AGENT_STATE_{s.name}") for s in m.AgentState}
_AGENT_STATE_FROM_PB = {v: k for k, v in _AGENT_STATE_TO_PB.items()}
_WORKFLOW_STATE_TO_PB = {
    s: pb.WorkflowState.Value(f"WORKFLOW_STATE_{s.name}") for s in m.WorkflowState
}
_POLICY_TO_PB = {
    p: pb.ParentFailurePolicy.Value(f"PARENT_FAILURE_POLICY_{p.name}")
    for p in m.ParentFailurePolicy
}
_POLICY_FROM_PB = {v: k for k, v in _POLICY_TO_PB.items()} | {
    pb.PARENT_FAILURE_POLICY_UNSPECIFIED: m.ParentFailurePolicy.FAIL
}


def _optional_uuid(value: str, field: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidArgument([FieldViolation(field, "must be a UUID")]) from exc


def _seconds(message: object, field: str) -> float | None:
    if not message.HasField(field):  # type: ignore[attr-defined]
        return None
    return float(getattr(message, field).ToTimedelta().total_seconds())


def _millis(message: object, field: str) -> int | None:
    seconds = _seconds(message, field)
    return None if seconds is None else int(seconds * 1000)


def _duration_ms(ms: int) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromMilliseconds(ms)
    return d


def new_task(p: pb.NewTask, path: str) -> m.NewTask:
    return m.NewTask(
        name=p.name,
        capability=p.capability,
        min_level=p.min_level,
        priority=p.priority,
        payload=p.payload,
        labels=tuple(sorted(p.labels.items())),
        max_attempts=p.max_attempts if p.HasField("max_attempts") else None,
        backoff_ms=_millis(p, "backoff"),
        max_backoff_ms=_millis(p, "max_backoff"),
        ready_time=from_timestamp(p.ready_time, f"{path}.ready_time")
        if p.HasField("ready_time")
        else None,
        idempotency_key=p.idempotency_key,
    )


def task(t: m.Task) -> pb.Task:
    return pb.Task(
        id=str(t.id),
        name=t.name,
        capability=t.capability,
        min_level=t.min_level,
        priority=t.priority,
        payload=t.payload,
        labels=t.labels,
        state=_TASK_STATE_TO_PB[t.state],
        attempt=t.attempt,
        max_attempts=t.max_attempts,
        agent_id=t.agent_id,
        lease_expire_time=timestamp(t.lease_expire_time),
        ready_time=timestamp(t.ready_time),
        result=t.result,
        error=t.error,
        idempotency_key=t.idempotency_key,
        workflow_id=str(t.workflow_id) if t.workflow_id else "",
        workflow_key=t.workflow_key,
        create_time=timestamp(t.create_time),
        start_time=timestamp(t.start_time),
        finish_time=timestamp(t.finish_time),
        backoff=_duration_ms(t.backoff_ms),
        max_backoff=_duration_ms(t.max_backoff_ms),
    )


def agent(a: m.Agent) -> pb.Agent:
    return pb.Agent(
        agent_id=a.id,
        capabilities=[
            pb.AgentCapability(name=name, level=level)
            for name, level in sorted(a.capabilities.items())
        ],
        max_concurrency=a.max_concurrency,
        metadata=a.metadata,
        state=_AGENT_STATE_TO_PB[a.state],
        last_heartbeat_time=timestamp(a.last_heartbeat_time),
        register_time=timestamp(a.register_time),
        leased=a.leased,
        succeeded_count=a.succeeded_count,
        failed_count=a.failed_count,
        success_rate=a.success_rate,
        mean_run_ms=a.mean_run_ms,
    )


def bus_event(e: m.BusEvent) -> pb.BusEvent:
    return pb.BusEvent(
        offset=e.offset,
        topic=e.topic,
        data=e.data,
        attributes=e.attributes,
        publish_time=timestamp(e.publish_time),
    )


def workflow(w: m.Workflow) -> pb.Workflow:
    return pb.Workflow(
        id=str(w.id),
        name=w.name,
        state=_WORKFLOW_STATE_TO_PB[w.state],
        tasks=[
            pb.WorkflowTask(
                key=n.key,
                task=task(n.task),
                depends_on=n.depends_on,
                on_parent_failure=_POLICY_TO_PB[n.task.on_parent_failure],
            )
            for n in w.tasks
        ],
        create_time=timestamp(w.create_time),
        finish_time=timestamp(w.finish_time),
    )


def _pct(p: m.Percentiles) -> pb.Percentiles:
    return pb.Percentiles(count=p.count, p50_ms=p.p50_ms, p90_ms=p.p90_ms, p99_ms=p.p99_ms)


def queue_stats(s: m.QueueStats) -> pb.GetQueueStatsResponse:
    window = duration_pb2.Duration()
    window.FromMilliseconds(int(s.window_seconds * 1000))
    return pb.GetQueueStatsResponse(
        task_counts={
            pb.TaskState.Name(_TASK_STATE_TO_PB[m.TaskState(k)]): v
            for k, v in s.task_counts.items()
        },
        depth=s.depth,
        wait=_pct(s.wait),
        run=_pct(s.run),
        throughput_per_second=s.throughput_per_second,
        capabilities=[
            pb.CapabilityStats(
                capability=c.capability,
                ready=c.ready,
                leased=c.leased,
                oldest_ready_ms=c.oldest_ready_ms,
                wait=_pct(c.wait),
                run=_pct(c.run),
                succeeded=c.succeeded,
                failed=c.failed,
            )
            for c in s.capabilities
        ],
        agents=[
            pb.AgentLoad(
                agent_id=a.agent_id,
                state=_AGENT_STATE_TO_PB[a.state],
                leased=a.leased,
                max_concurrency=a.max_concurrency,
                utilisation=a.utilisation,
            )
            for a in s.agents
        ],
        longest_waits=s.longest_waits,
        slowest_capabilities=s.slowest_capabilities,
        anomalies=[
            pb.QueueAnomaly(
                kind=a.kind,
                capability=a.capability,
                baseline=a.baseline,
                current=a.current,
                description=a.description,
            )
            for a in s.anomalies
        ],
        window=window,
    )
