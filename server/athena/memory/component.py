"""Episodic memory as a server component: MemoryService plus background vector indexing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from athena.api.memory import MemoryServicer
from athena.components import Component, Context
from athena.embeddings.offload import EmbeddingOffload
from athena.memory.episodic import EpisodicMemory
from athena.memory.vector_indexer import VectorIndexer
from athena.v1 import memory_pb2, memory_pb2_grpc


async def build(ctx: Context) -> Component:
    indexer = VectorIndexer(
        ctx.database, ctx.queries, max_deferred=ctx.config.vector_index_max_deferred
    )
    offload = EmbeddingOffload(ctx.embedder, ctx.config.embed_processes)
    episodic = EpisodicMemory(
        ctx.database, ctx.queries, ctx.embedder, ctx.projects, indexer.wake, offload
    )
    servicer = MemoryServicer(episodic)
    return Component(
        name="memory",
        service_names=(memory_pb2.DESCRIPTOR.services_by_name["MemoryService"].full_name,),
        register=lambda server: memory_pb2_grpc.add_MemoryServiceServicer_to_server(
            servicer, server
        ),
        background=lambda: [indexer.run()],
        close=_closer(offload),
        domain={"episodic": episodic, "indexer": indexer},
    )


def _closer(offload: EmbeddingOffload) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        offload.close()

    return close
