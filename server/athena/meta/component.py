"""Meta-memory as a server component: MetaMemoryService, and the domain object other areas use
(`ctx.components["meta"].domain["meta"]`: record_access, boosts)."""

from __future__ import annotations

from datetime import timedelta

from athena.api.meta import MetaServicer
from athena.components import Component, Context
from athena.meta import MetaMemory
from athena.v1 import meta_pb2, meta_pb2_grpc


async def build(ctx: Context) -> Component:
    meta = MetaMemory(
        ctx.database,
        ctx.queries,
        ctx.projects,
        access_half_life=timedelta(hours=ctx.config.access_half_life_hours),
        session_half_life=timedelta(minutes=ctx.config.session_half_life_minutes),
        working_memory_size=ctx.config.working_memory_size,
    )
    servicer = MetaServicer(meta)
    return Component(
        name="meta",
        service_names=(meta_pb2.DESCRIPTOR.services_by_name["MetaMemoryService"].full_name,),
        register=lambda server: meta_pb2_grpc.add_MetaMemoryServiceServicer_to_server(
            servicer, server
        ),
        domain={"meta": meta},
    )
