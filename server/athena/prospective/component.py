"""Prospective memory as a server component: its service, trigger evaluation and scheduler."""

from __future__ import annotations

from athena.api.prospective import ProspectiveServicer
from athena.components import Component, Context
from athena.prospective import FiringLog, Goals, Tasks, TimeTriggerScheduler, Triggers
from athena.v1 import prospective_pb2, prospective_pb2_grpc


async def build(ctx: Context) -> Component:
    poll = ctx.config.trigger_poll_seconds
    firings = FiringLog(ctx.queries)
    goals = Goals(ctx.database, ctx.queries, ctx.projects)
    tasks = Tasks(ctx.database, ctx.queries, ctx.projects, firings)
    triggers = Triggers(ctx.database, ctx.queries, ctx.projects, firings, poll)
    scheduler = TimeTriggerScheduler(ctx.database, ctx.queries, firings, poll)
    # Event, context and file triggers are evaluated as soon as events are committed.
    ctx.components["memory"].domain["episodic"].add_recorded_listener(triggers.on_events_recorded)
    servicer = ProspectiveServicer(goals, tasks, triggers)
    return Component(
        name="prospective",
        service_names=(
            prospective_pb2.DESCRIPTOR.services_by_name["ProspectiveMemoryService"].full_name,
        ),
        register=lambda server: prospective_pb2_grpc.add_ProspectiveMemoryServiceServicer_to_server(
            servicer, server
        ),
        background=lambda: [scheduler.run()],
        domain={"goals": goals, "tasks": tasks, "triggers": triggers, "scheduler": scheduler},
    )
