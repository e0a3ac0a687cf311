"""The components the server is made of, in start-up order (later ones may use earlier ones)."""

from __future__ import annotations

from athena.components import Builder
from athena.consolidation.component import build as consolidation
from athena.execution.component import build as execution
from athena.graph.component import build as graph
from athena.memory.component import build as memory
from athena.meta.component import build as meta
from athena.orchestration.component import build as orchestration
from athena.planning.component import build as planning
from athena.prospective.component import build as prospective
from athena.recall.component import build as recall
from athena.semantic.component import build as semantic

BUILDERS: list[Builder] = [
    memory,
    semantic,
    graph,
    prospective,
    meta,
    orchestration,
    # Planning links plans to prospective goals and tasks.
    planning,
    # After the memory layers whose domain objects it calls (facts, goals).
    consolidation,
    # After every memory layer: recall adds a source for each one it finds.
    recall,
    # Last: the sandbox bridge uses memory (and recall, when present) domain objects.
    execution,
]
