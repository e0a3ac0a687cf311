"""Community detection over the entity graph with networkx's Louvain implementation.

Louvain (Blondel et al. 2008) is deterministic for a given seed and yields one partition per
aggregation pass: level 0 is the finest, each higher level merges communities of the level
below, which is the hierarchy GraphRAG-style summarisation wants. Edges are treated as
undirected (a CALLS b and b CALLS a both tie a and b together) with weights summed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import networkx as nx

from athena.graph.models import CommunityRun
from athena.ids import uuid7
from athena.storage import Database, Queries

# Members named in a summary.
SUMMARY_MEMBERS = 5


@dataclass(frozen=True)
class Partition:
    level: int
    groups: list[set[uuid.UUID]]


def build_graph(edges: Iterable[tuple[uuid.UUID, uuid.UUID, float]], min_degree: int) -> nx.Graph:
    graph = nx.Graph()
    for source, target, weight in edges:
        if graph.has_edge(source, target):
            graph[source][target]["weight"] += weight
        else:
            graph.add_edge(source, target, weight=weight)
    if min_degree:
        graph.remove_nodes_from([n for n, d in graph.degree() if d < min_degree])
    return graph


def detect(graph: nx.Graph, resolution: float, seed: int) -> tuple[list[Partition], float]:
    """Partitions finest first (groups of 2+ members) and the modularity of the finest."""
    if graph.number_of_edges() == 0:
        return [], 0.0
    levels = list(
        nx.community.louvain_partitions(graph, weight="weight", resolution=resolution, seed=seed)
    )
    modularity = nx.community.modularity(graph, levels[0], weight="weight", resolution=resolution)
    partitions = [
        Partition(level, [set(g) for g in groups if len(g) >= 2])
        for level, groups in enumerate(levels)
    ]
    return [p for p in partitions if p.groups], float(modularity)


def summarise(
    members: set[uuid.UUID], graph: nx.Graph, info: dict[uuid.UUID, tuple[str, str]]
) -> str:
    types = Counter(info[m][1] for m in members if m in info)
    central = sorted(members, key=lambda m: (-graph.degree(m, weight="weight"), str(m)))
    names = [info[m][0] for m in central[:SUMMARY_MEMBERS] if m in info]
    kinds = ", ".join(f"{n} {t}" for t, n in types.most_common(3))
    return f"{len(members)} entities ({kinds}); most connected: {', '.join(names)}"


async def compute(
    db: Database, queries: Queries, project: str, resolution: float, seed: int, min_degree: int
) -> CommunityRun:
    """Detect communities and replace the project's stored set with them, atomically."""
    async with db.connection() as conn:
        rows = await conn.fetch(queries.graph_edges, project)
    graph = build_graph(
        ((r["source_id"], r["target_id"], float(r["weight"])) for r in rows), min_degree
    )
    partitions, modularity = await asyncio.to_thread(detect, graph, resolution, seed)
    now = datetime.now(UTC)
    communities: list[tuple[object, ...]] = []
    members: list[tuple[object, ...]] = []
    async with db.transaction() as conn:
        info = {
            r["id"]: (r["name"], r["type"])
            for r in await conn.fetch(queries.graph_entity_info, project, list(graph.nodes))
        }
        for partition in partitions:
            for group in partition.groups:
                # Entities deleted since the edges were read drop out of their community.
                alive = {m for m in group if m in info}
                if len(alive) < 2:
                    continue
                community_id = uuid7()
                summary = summarise(alive, graph, info)
                communities.append(
                    (community_id, project, partition.level, summary, len(alive), now)
                )
                members.extend((community_id, m, project) for m in sorted(alive))
        await conn.execute(queries.delete_communities, project)
        await conn.copy_records(
            "communities", ("id", "project_id", "level", "summary", "size", "create_time"),
            communities,
        )  # fmt: skip
        await conn.copy_records(
            "community_members", ("community_id", "entity_id", "project_id"), members
        )
    levels = len({c[2] for c in communities})
    return CommunityRun(len(communities), levels, modularity)
