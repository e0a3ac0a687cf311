"""Planning as a server component: PlanningService over the planner domain object."""

from __future__ import annotations

from athena.api.planning import PlanningServicer
from athena.components import Component, Context
from athena.llm import build_provider
from athena.planning.planner import Planner
from athena.planning.procedures import ProcedureCandidates
from athena.v1 import planning_pb2, planning_pb2_grpc


async def build(ctx: Context) -> Component:
    prospective = ctx.components["prospective"].domain
    llm = build_provider(ctx.config)
    planner = Planner(
        ctx.database,
        ctx.queries,
        ctx.projects,
        prospective["goals"],
        prospective["tasks"],
        llm,
        ProcedureCandidates(ctx.components),
    )
    servicer = PlanningServicer(planner)
    return Component(
        name="planning",
        service_names=(planning_pb2.DESCRIPTOR.services_by_name["PlanningService"].full_name,),
        register=lambda server: planning_pb2_grpc.add_PlanningServiceServicer_to_server(
            servicer, server
        ),
        domain={"planner": planner, "llm": llm},
    )
