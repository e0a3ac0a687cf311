"""Recognising temporal questions ("when did ...") and ageing memories for the recency boost."""

from __future__ import annotations

import math
import re
from datetime import datetime

_TEMPORAL = re.compile(
    r"\b(when|what (?:time|day|date|month|year)|which (?:day|date|month|year)|how long ago|"
    r"how long (?:has|have|had|did|was|were)|since when|until when|what (?:week|weekend))\b",
    re.IGNORECASE,
)

# Words by which a memory says when something happened. For a temporal question, memories that
# mention a time are likelier to hold the answer ("we went camping last weekend"), so they get a
# small boost. A PostgreSQL regular expression (\m and \M are word boundaries).
TIME_MENTION = (
    r"\m(yesterday|today|tomorrow|tonight|ago|last|next|week|weekend|month|year|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|morning|evening|night|recently|since|"
    r"\d{4}|\d{1,2}(st|nd|rd|th))\M"
)

# A memory loses half of its recency boost every week; old memories keep their relevance, only
# the tie-break toward recent ones fades.
RECENCY_HALF_LIFE_DAYS = 7.0


def is_temporal(query: str) -> bool:
    """Whether the query asks for a time: such answers come from each memory's event time."""
    return _TEMPORAL.search(query) is not None


def recency(time: datetime | None, now: datetime) -> float:
    """1 for now, 0.5 a half-life ago, towards 0 for old memories; 0 without a time."""
    if time is None:
        return 0.0
    age_days = max(0.0, (now - time).total_seconds() / 86400)
    return math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)
