"""Semantic memory as a server component: SemanticMemoryService over the fact domain."""

from __future__ import annotations

from athena.api.semantic import SemanticMemoryServicer
from athena.components import Component, Context
from athena.semantic.facts import SemanticMemory
from athena.v1 import semantic_pb2, semantic_pb2_grpc


async def build(ctx: Context) -> Component:
    facts = SemanticMemory(ctx.database, ctx.queries, ctx.embedder, ctx.projects)
    servicer = SemanticMemoryServicer(facts)
    return Component(
        name="semantic",
        service_names=(
            semantic_pb2.DESCRIPTOR.services_by_name["SemanticMemoryService"].full_name,
        ),
        register=lambda server: semantic_pb2_grpc.add_SemanticMemoryServiceServicer_to_server(
            servicer, server
        ),
        domain={"facts": facts},
    )
