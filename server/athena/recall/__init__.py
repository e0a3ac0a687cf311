"""Unified recall: one query across every memory layer, fused, boosted and fitted to a budget."""

from athena.recall.engine import Recall
from athena.recall.models import (
    Fusion,
    Provenance,
    RecallItem,
    RecallLayer,
    RecallOutcome,
    RecallQuery,
    ScoreParts,
)
from athena.recall.sources import RecallSource

__all__ = [
    "Fusion",
    "Provenance",
    "Recall",
    "RecallItem",
    "RecallLayer",
    "RecallOutcome",
    "RecallQuery",
    "RecallSource",
    "ScoreParts",
]
