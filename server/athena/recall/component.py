"""Unified recall as a server component: RecallService over every layer the server has.

Built after the memory areas: each one found in `ctx.components` adds its source (facts,
graph, planning) or its boost (graph proximity, meta-memory usefulness and access)."""

from __future__ import annotations

from athena.api.recall import RecallServicer
from athena.components import Component, Context
from athena.recall.engine import Recall
from athena.recall.events_source import EventsSource
from athena.recall.layer_sources import FactsSource, GraphSource, PlanningSource
from athena.recall.query_vectors import QueryVectors
from athena.recall.usage import MetaUsage
from athena.v1 import recall_pb2, recall_pb2_grpc


async def build(ctx: Context) -> Component:
    vectors = QueryVectors(ctx.embedder)
    recall = Recall([EventsSource(ctx.database, ctx.queries, vectors)])
    areas = ctx.components
    if "semantic" in areas:
        recall.add_source(FactsSource(ctx.database, ctx.queries, vectors))
    if "graph" in areas:
        graph = GraphSource(ctx.database, ctx.queries)
        recall.add_source(graph)
        recall.set_boosters(graph=graph.proximity, graph_layers=graph.layers)
    if "prospective" in areas:
        recall.add_source(PlanningSource(ctx.database, ctx.queries))
    usage = None
    if "meta" in areas:
        usage = MetaUsage(areas["meta"].domain["meta"])
        recall.set_boosters(usefulness=usage.boosts, on_recalled=usage.record)
    servicer = RecallServicer(recall)
    return Component(
        name="recall",
        service_names=(recall_pb2.DESCRIPTOR.services_by_name["RecallService"].full_name,),
        register=lambda server: recall_pb2_grpc.add_RecallServiceServicer_to_server(
            servicer, server
        ),
        close=usage.drain if usage else None,
        domain={"recall": recall},
    )
