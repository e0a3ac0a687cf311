"""Effort estimates from similar finished work: weighted quantiles and a confidence."""

from __future__ import annotations

from collections.abc import Sequence

from athena.planning.history import Sample
from athena.planning.models import Estimate

NO_HISTORY = Estimate(0.0, 0.0, 0.0, 0.0, 0, "no similar finished work in this project")


def _quantile(pairs: list[tuple[float, float]], q: float) -> float:
    """Weighted quantile of (value, weight) pairs sorted by value."""
    total = sum(w for _, w in pairs)
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running >= q * total:
            return value
    return pairs[-1][0]


def from_samples(samples: Sequence[Sample]) -> Estimate:
    """Median and 20th..80th percentile range, weighted by similarity.

    Confidence grows with the number of samples (n / (n + 3)) and with how similar they are.
    """
    if not samples:
        return NO_HISTORY
    pairs = sorted((s.value, max(s.similarity, 0.05)) for s in samples)
    mean_similarity = sum(s.similarity for s in samples) / len(samples)
    count = len(samples)
    sources = sorted({s.source for s in samples})
    return Estimate(
        expected_seconds=_quantile(pairs, 0.5),
        low_seconds=_quantile(pairs, 0.2),
        high_seconds=_quantile(pairs, 0.8),
        confidence=round(min(0.95, count / (count + 3) * mean_similarity), 4),
        sample_count=count,
        basis=f"{count} similar finished {' and '.join(sources)} sample(s)",
    )
