"""Orchestration as a server component: OrchestrationService plus its background loops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from athena.api.orchestration import Orchestration, OrchestrationServicer
from athena.components import Component, Context
from athena.errors import AthenaError
from athena.memory.models import Event
from athena.orchestration.agents import AgentRegistry
from athena.orchestration.bus import EventBus
from athena.orchestration.dispatch import Dispatcher
from athena.orchestration.monitoring import QueueMonitor
from athena.orchestration.queue import TaskQueue
from athena.orchestration.signals import BUS, TASKS, Signals
from athena.orchestration.workflows import Workflows
from athena.storage import Database, Queries
from athena.v1 import orchestration_pb2, orchestration_pb2_grpc

log = logging.getLogger(__name__)
RETENTION_INTERVAL_SECONDS = 60.0
RETENTION_BATCH = 10_000


async def _every(seconds: float, name: str, work: Callable[[], Awaitable[Any]]) -> None:
    """Run `work` every `seconds`; a failure is logged and retried on the next round."""
    while True:
        try:
            await work()
        except AthenaError:
            log.warning("orchestration background work failed", extra={"work": name}, exc_info=True)
        except Exception:
            log.exception("orchestration background work crashed", extra={"work": name})
        await asyncio.sleep(seconds)


class _Retention:
    def __init__(self, db: Database, queries: Queries, hours: float) -> None:
        self._db = db
        self._q = queries
        self._age = timedelta(hours=hours)

    async def run_once(self) -> None:
        cutoff = datetime.now(UTC) - self._age
        async with self._db.connection() as conn:
            await conn.execute(self._q.orch_delete_old_bus_events, cutoff, RETENTION_BATCH)
            await conn.execute(self._q.orch_delete_old_attempts, cutoff)
            await conn.execute(self._q.orch_delete_old_tasks, cutoff, RETENTION_BATCH)
            await conn.execute(self._q.orch_delete_old_workflows, cutoff)


async def build(ctx: Context) -> Component:
    config = ctx.config
    dispatcher = Dispatcher()
    bus = EventBus(ctx.database, ctx.queries, ctx.projects, config.orchestration_poll_seconds)
    queue = TaskQueue(
        ctx.database,
        ctx.queries,
        ctx.projects,
        bus,
        dispatcher,
        default_lease_seconds=config.orchestration_lease_seconds,
        default_max_attempts=config.orchestration_max_attempts,
        agent_timeout_seconds=config.orchestration_agent_timeout_seconds,
        poll_seconds=config.orchestration_poll_seconds,
        publish_task_events=config.orchestration_task_events,
        async_claims=config.orchestration_async_claims,
    )
    agents = AgentRegistry(
        ctx.database, ctx.queries, ctx.projects, queue, config.orchestration_agent_timeout_seconds
    )
    workflows = Workflows(
        ctx.database,
        ctx.queries,
        ctx.projects,
        queue,
        bus,
        dispatcher,
        config.orchestration_task_events,
    )
    queue.on_workflow_tasks_finished = workflows.advance_many
    monitor = QueueMonitor(ctx.database, ctx.queries)
    signals = Signals(ctx.database, ctx.queries, dispatcher.wake_local, bus.numbered_elsewhere)
    dispatcher.broadcast = lambda project: signals.send(project, TASKS)
    bus.broadcast = lambda project: signals.send(project, BUS)
    retention = _Retention(ctx.database, ctx.queries, config.orchestration_retention_hours)

    memory = ctx.components.get("memory")
    if memory is not None:

        async def memory_recorded(project: str, events: list[Event]) -> None:
            # One insert per recorded batch, outside the memory write's transaction.
            await bus.publish_internal(
                [
                    (
                        project,
                        "memory.event.recorded",
                        {"event_id": str(e.id), "session_id": e.session_id, "type": e.type.value},
                    )
                    for e in events
                ]
            )

        memory.domain["episodic"].add_recorded_listener(memory_recorded)

    sweep = config.orchestration_sweep_seconds

    def background() -> list[Coroutine[Any, Any, None]]:
        return [
            bus.run_sequencer(),
            signals.run_sender(),
            signals.run_listener(),
            _every(sweep, "lease expiry", queue.release_expired),
            _every(sweep, "agent health", agents.check_health),
            _every(sweep, "stalled workflows", workflows.advance_stalled),
            _every(RETENTION_INTERVAL_SECONDS, "retention", retention.run_once),
        ]

    servicer = OrchestrationServicer(Orchestration(queue, agents, bus, workflows, monitor))
    return Component(
        name="orchestration",
        service_names=(
            orchestration_pb2.DESCRIPTOR.services_by_name["OrchestrationService"].full_name,
        ),
        register=lambda server: orchestration_pb2_grpc.add_OrchestrationServiceServicer_to_server(
            servicer, server
        ),
        background=background,
        domain={
            "queue": queue,
            "agents": agents,
            "bus": bus,
            "workflows": workflows,
            "monitor": monitor,
            "dispatcher": dispatcher,
        },
    )
