"""The arithmetic of meta-memory: decay, smoothed usefulness, the recall boost, expertise."""

from __future__ import annotations

import math
from datetime import datetime

# Usefulness is the mean rating pulled towards this prior as if it had PRIOR_WEIGHT ratings, so
# one enthusiastic (or grumpy) rating does not swing a memory to an extreme.
PRIOR_USEFULNESS = 0.5
PRIOR_WEIGHT = 2.0
# Decayed accesses at which the access part of the boost reaches one half.
ACCESS_HALF_SATURATION = 3.0
# Attempts at which experience reaches 1 - 1/e.
EXPERIENCE_SCALE = 10.0


def decayed(score: float, since: datetime | None, now: datetime, half_life_seconds: float) -> float:
    """`score` as of `since`, halved for every half-life elapsed until `now`."""
    if since is None or score == 0:
        return 0.0
    age = max((now - since).total_seconds(), 0.0)
    return score * 0.5 ** (age / half_life_seconds)


def usefulness(rating_sum: float, rating_count: int) -> float:
    return (rating_sum + PRIOR_USEFULNESS * PRIOR_WEIGHT) / (rating_count + PRIOR_WEIGHT)


def access_part(decayed_score: float) -> float:
    """0 for a memory never used, approaching 1 with many recent uses."""
    return decayed_score / (decayed_score + ACCESS_HALF_SATURATION)


def boost_factor(access: float, useful: float) -> float:
    """1.0 for an unused, unrated memory; up to 2.25 for a much-used, top-rated one; down to
    0.5 for a rated-useless one that nobody uses."""
    return (1.0 + 0.5 * access) * (0.5 + useful)


def expertise(successes: float, attempts: int) -> float:
    """Laplace-smoothed success rate times experience (1 - e^(-attempts/10))."""
    rate = (successes + 1.0) / (attempts + 2.0)
    return rate * (1.0 - math.exp(-attempts / EXPERIENCE_SCALE))
