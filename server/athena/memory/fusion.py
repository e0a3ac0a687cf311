"""Reciprocal rank fusion of ranked candidate lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

# The constant from Cormack et al. (2009): dampens the advantage of the very top ranks so that
# agreement between lists matters more than a single first place.
RRF_K = 60


@dataclass
class Fused:
    """One candidate's fused score and where it stood in each list (0 = absent)."""

    id: UUID
    score: float = 0.0
    text_score: float = 0.0
    vector_score: float = 0.0
    text_rank: int = 0
    vector_rank: int = 0


def rrf(
    text: Sequence[tuple[UUID, float]],
    vector: Sequence[tuple[UUID, float]],
    k: int = RRF_K,
) -> list[Fused]:
    """Fuse two best-first lists of (id, score); ties keep full-text order first."""
    fused: dict[UUID, Fused] = {}
    for rank, (id_, score) in enumerate(text, start=1):
        item = fused.setdefault(id_, Fused(id_))
        item.text_rank, item.text_score = rank, score
        item.score += 1.0 / (k + rank)
    for rank, (id_, score) in enumerate(vector, start=1):
        item = fused.setdefault(id_, Fused(id_))
        item.vector_rank, item.vector_score = rank, score
        item.score += 1.0 / (k + rank)
    return sorted(fused.values(), key=lambda f: -f.score)
