"""Consolidation as a server component: ConsolidationService, background runs and schedules.

Built after the memory layers: it reads facts (semantic), active goals (prospective) and the
graph's entity extractor through their domain objects, and works without any of them.
"""

from __future__ import annotations

from athena.api.consolidation import ConsolidationServicer
from athena.components import Component, Context
from athena.config import Config
from athena.consolidation.background import Background
from athena.consolidation.cluster import ClusterSettings
from athena.consolidation.engine import Consolidator, Settings
from athena.consolidation.models import Weights
from athena.consolidation.patterns import PatternSettings
from athena.consolidation.review import Band
from athena.graph import DefaultExtractor
from athena.graph.extraction import create_extractor
from athena.llm import build_provider
from athena.v1 import consolidation_pb2, consolidation_pb2_grpc


def settings_from(c: Config) -> Settings:
    return Settings(
        weights=Weights(
            surprise=c.consolidation_weight_surprise,
            utility=c.consolidation_weight_utility,
            relevance=c.consolidation_weight_relevance,
        ),
        clustering=ClusterSettings(
            max_gap_seconds=c.consolidation_max_gap_seconds,
            min_similarity=c.consolidation_min_similarity,
        ),
        patterns=PatternSettings(min_support=c.consolidation_min_support),
        band=Band(
            low=c.consolidation_llm_band_low,
            high=c.consolidation_llm_band_high,
            accept_at=c.consolidation_accept_confidence,
        ),
        max_events=c.consolidation_max_events,
        min_priority=c.consolidation_min_priority,
    )


async def build(ctx: Context) -> Component:
    semantic = ctx.components.get("semantic")
    prospective = ctx.components.get("prospective")
    # Clustering needs entities even when the graph does not extract them on the write path.
    spec = ctx.config.graph_extractor
    extractor = DefaultExtractor() if spec in ("none", "builtin") else create_extractor(spec)
    provider = build_provider(ctx.config)
    consolidator = Consolidator(
        ctx.database,
        ctx.queries,
        ctx.projects,
        semantic.domain["facts"] if semantic else None,
        prospective.domain["goals"] if prospective else None,
        extractor,
        provider if provider.enabled else None,
        settings_from(ctx.config),
    )
    background = Background(consolidator, ctx.config.consolidation_poll_seconds)
    servicer = ConsolidationServicer(consolidator, background)
    return Component(
        name="consolidation",
        service_names=(
            consolidation_pb2.DESCRIPTOR.services_by_name["ConsolidationService"].full_name,
        ),
        register=lambda server: consolidation_pb2_grpc.add_ConsolidationServiceServicer_to_server(
            servicer, server
        ),
        background=lambda: [background.run()],
        close=background.close,
        domain={"consolidator": consolidator, "background": background},
    )
