"""Semantic memory: what the project knows, as versioned facts."""

from athena.semantic.facts import SemanticMemory
from athena.semantic.models import Fact, FactFilter, NewFact, ScoredFact, WriteResult

__all__ = ["Fact", "FactFilter", "NewFact", "ScoredFact", "SemanticMemory", "WriteResult"]
