"""The knowledge graph as a server component: KnowledgeGraphService, plus the episodic listener
that links every recorded event to the entities it mentions and to its likely causes."""

from __future__ import annotations

from athena.api.graph import KnowledgeGraphServicer
from athena.components import Component, Context
from athena.graph.extraction import create_extractor
from athena.graph.knowledge import CommunityStore, KnowledgeGraph
from athena.graph.linker import EpisodicLinker
from athena.v1 import graph_pb2, graph_pb2_grpc


async def build(ctx: Context) -> Component:
    graph = KnowledgeGraph(ctx.database, ctx.queries, ctx.projects)
    communities = CommunityStore(ctx.database, ctx.queries)
    spec = ctx.config.graph_extractor
    linker = EpisodicLinker(
        ctx.database, ctx.queries, create_extractor(spec), enabled=spec != "none",
        max_deferred=ctx.config.graph_link_max_deferred,
    )  # fmt: skip
    ctx.components["memory"].domain["episodic"].add_recorded_listener(linker.on_recorded)
    servicer = KnowledgeGraphServicer(graph, communities)
    return Component(
        name="graph",
        service_names=(graph_pb2.DESCRIPTOR.services_by_name["KnowledgeGraphService"].full_name,),
        register=lambda server: graph_pb2_grpc.add_KnowledgeGraphServiceServicer_to_server(
            servicer, server
        ),
        background=lambda: [linker.run()],
        domain={"graph": graph, "communities": communities, "linker": linker},
    )
