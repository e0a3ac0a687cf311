"""Episodic memory as a server component: MemoryService plus background vector indexing."""

from __future__ import annotations

from athena.api.memory import MemoryServicer
from athena.components import Component, Context
from athena.memory.episodic import EpisodicMemory
from athena.memory.vector_indexer import VectorIndexer
from athena.v1 import memory_pb2, memory_pb2_grpc


async def build(ctx: Context) -> Component:
    indexer = VectorIndexer(ctx.database, ctx.queries)
    episodic = EpisodicMemory(ctx.database, ctx.queries, ctx.embedder, ctx.projects, indexer.wake)
    servicer = MemoryServicer(episodic)
    return Component(
        name="memory",
        service_names=(memory_pb2.DESCRIPTOR.services_by_name["MemoryService"].full_name,),
        register=lambda server: memory_pb2_grpc.add_MemoryServiceServicer_to_server(
            servicer, server
        ),
        background=lambda: [indexer.run()],
        domain={"episodic": episodic, "indexer": indexer},
    )
