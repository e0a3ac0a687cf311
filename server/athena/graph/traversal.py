"""Breadth-first walks over the relation graph, one set-based query per hop.

Walking level by level keeps each hop a single indexed query over the whole frontier, bounds
the work by the caller's limits, and gives nearest-first results and fewest-hop paths without
a recursive CTE that enumerates every path (exponential on dense graphs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

# Edges one hop may return: caps the cost of a hop through a hub entity.
STEP_LIMIT = 5000
# Entities a path search may visit before giving up.
PATH_VISIT_LIMIT = 50_000


@dataclass(frozen=True)
class Edge:
    """A relation seen from the frontier: `from_id` is the known end, `to_id` the far one."""

    relation_id: UUID
    from_id: UUID
    to_id: UUID
    weight: float


@dataclass(frozen=True)
class Reached:
    id: UUID
    depth: int
    via: UUID


Step = Callable[[list[UUID], int], Awaitable[list[Edge]]]


async def neighbors(step: Step, start: UUID, depth: int, max_entities: int) -> list[Reached]:
    """Entities within `depth` hops of `start`, nearest first, heaviest edges first per hop."""
    seen = {start}
    frontier = [start]
    reached: list[Reached] = []
    for level in range(1, depth + 1):
        if not frontier or len(reached) >= max_entities:
            break
        next_frontier: list[UUID] = []
        for edge in await step(frontier, STEP_LIMIT):
            if edge.to_id in seen:
                continue
            seen.add(edge.to_id)
            reached.append(Reached(edge.to_id, level, edge.relation_id))
            next_frontier.append(edge.to_id)
            if len(reached) >= max_entities:
                break
        frontier = next_frontier
    return reached


async def shortest_path(
    step: Step, source: UUID, target: UUID, max_depth: int
) -> tuple[list[UUID], list[UUID]] | None:
    """(entity ids, relation ids) of a fewest-hops path from source to target, or None."""
    if source == target:
        return [source], []
    parent: dict[UUID, tuple[UUID, UUID]] = {}
    seen = {source}
    frontier = [source]
    for _ in range(max_depth):
        if not frontier or len(seen) > PATH_VISIT_LIMIT:
            return None
        next_frontier: list[UUID] = []
        for edge in await step(frontier, STEP_LIMIT):
            if edge.to_id in seen:
                continue
            seen.add(edge.to_id)
            parent[edge.to_id] = (edge.from_id, edge.relation_id)
            if edge.to_id == target:
                nodes, relations = [target], []
                node = target
                while node != source:
                    node, relation = parent[node]
                    nodes.append(node)
                    relations.append(relation)
                return nodes[::-1], relations[::-1]
            next_frontier.append(edge.to_id)
        frontier = next_frontier
    return None
