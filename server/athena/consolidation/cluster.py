"""Step 2: group events into episodes of work.

Events of different sessions never share a cluster. Within a session, in time order, a new
cluster starts when
- the time gap to the previous event exceeds `max_gap_seconds`, or
- the agent's task changes (both named, and different), or
- the event is unlike the episode so far — embedding cosine to the cluster's centroid below
  `min_similarity` — and shares neither the task nor any entity (file, tool, function...)
  with it, or
- the cluster reached `max_size` events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from athena.consolidation.models import Cluster, Scored


@dataclass(frozen=True)
class ClusterSettings:
    max_gap_seconds: float = 1800.0
    min_similarity: float = 0.15
    max_size: int = 200


def _units(vectors: Sequence[np.ndarray | None]) -> list[np.ndarray | None]:
    """Unit-length copies (None for missing or zero vectors), normalised in one pass."""
    present = [i for i, v in enumerate(vectors) if v is not None]
    out: list[np.ndarray | None] = [None] * len(vectors)
    if not present:
        return out
    matrix = np.asarray([vectors[i] for i in present], dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    for row, i in enumerate(present):
        if norms[row] > 0:
            out[i] = matrix[row] / norms[row]
    return out


def cluster(scored: Sequence[Scored], settings: ClusterSettings) -> list[Cluster]:
    """Clusters ordered by their first event's time (deterministic for equal input)."""
    by_session: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_session[s.item.event.session_id].append(s)
    clusters: list[Cluster] = []
    for session_items in by_session.values():
        session_items.sort(key=lambda s: (s.item.event.occur_time, s.item.event.id))
        units = _units([s.item.embedding for s in session_items])
        current: list[Scored] = []
        centroid: np.ndarray | None = None
        # The episode's entities, gathered only once an unlike event makes them matter.
        entities: set[str] | None = None
        task = ""
        for s, unit in zip(session_items, units, strict=True):
            event = s.item.event
            split = False
            if current:
                previous = current[-1].item.event
                gap = (event.occur_time - previous.occur_time).total_seconds()
                if gap > settings.max_gap_seconds or len(current) >= settings.max_size:
                    split = True
                elif event.context.task and task and event.context.task != task:
                    split = True
                elif (
                    unit is not None
                    and centroid is not None
                    and not (event.context.task and event.context.task == task)
                ):
                    norm = float(np.linalg.norm(centroid))
                    similarity = float(unit @ centroid) / norm if norm else 0.0
                    if similarity < settings.min_similarity:
                        if entities is None:
                            entities = set().union(*(c.item.entities for c in current))
                        split = not (s.item.entities & entities)
            if split:
                clusters.append(Cluster(items=tuple(current)))
                current, centroid, entities, task = [], None, None, ""
            current.append(s)
            if unit is not None:
                centroid = unit.copy() if centroid is None else centroid + unit
            if entities is not None:
                entities |= s.item.entities
            task = event.context.task or task
        if current:
            clusters.append(Cluster(items=tuple(current)))
    clusters.sort(key=lambda c: (c.items[0].item.event.occur_time, c.items[0].item.event.id))
    return clusters
