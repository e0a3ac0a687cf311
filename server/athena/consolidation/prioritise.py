"""Step 1: which unconsolidated events matter most.

priority = weighted mean of
- surprise: how unexpected the outcome was, against how the same action (same signature) turned
  out before — in consolidated history (persisted counts) and earlier in this batch. A failure
  of an action that always worked is surprising; the tenth failure of a flaky one is not.
- utility: outcome (failures and successes teach more than unmarked chatter), the importance the
  agent gave the event, and reuse (how often the action recurs, on a log scale).
- relevance: word overlap of the event (content + task) with the project's active goals.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from athena.consolidation.models import Item, Scored, Weights
from athena.consolidation.signatures import words
from athena.memory import EventType, Outcome

# How informative each outcome is, before importance and reuse.
_OUTCOME_UTILITY = {
    Outcome.FAILURE: 1.0,
    Outcome.SUCCESS: 0.8,
    Outcome.PARTIAL: 0.7,
    Outcome.UNSPECIFIED: 0.3,
}
# Errors are failures even when the agent did not mark the outcome.
_ERROR_TYPES = frozenset({EventType.ERROR})


def failed(item: Item) -> bool:
    return item.event.outcome is Outcome.FAILURE or item.event.type in _ERROR_TYPES


def succeeded(item: Item) -> bool:
    return item.event.outcome is Outcome.SUCCESS


def surprise(failures: int, successes: int, this_failed: bool) -> float:
    """1 - P(this outcome | the action's history), Laplace-smoothed: 0.5 with no history."""
    p_fail = (failures + 1) / (failures + successes + 2)
    return 1.0 - (p_fail if this_failed else 1.0 - p_fail)


def relevance(text_words: frozenset[str], goals: Sequence[frozenset[str]]) -> float:
    """Best share of a goal's words the event mentions (0 when there are no goals)."""
    best = 0.0
    for goal in goals:
        if goal:
            best = max(best, len(text_words & goal) / len(goal))
    return best


def prioritise(
    items: Sequence[Item],
    history: Mapping[str, tuple[int, int]],
    goals: Sequence[frozenset[str]],
    weights: Weights,
) -> list[Scored]:
    """Score every item; returned in the input (time) order.

    `history` maps an action signature to its past (successes, failures).
    """
    total_weight = weights.surprise + weights.utility + weights.relevance or 1.0
    recurrence = Counter(i.signature for i in items)
    seen: dict[str, list[int]] = {}
    out: list[Scored] = []
    for item in items:
        past_ok, past_fail = history.get(item.signature, (0, 0))
        counts = seen.setdefault(item.signature, [0, 0])
        outcome_known = failed(item) or succeeded(item)
        s = (
            surprise(past_fail + counts[1], past_ok + counts[0], failed(item))
            if outcome_known
            else 0.0
        )
        if failed(item):
            counts[1] += 1
        elif succeeded(item):
            counts[0] += 1
        reuse = min(1.0, math.log1p(recurrence[item.signature] - 1) / math.log(20))
        u = _OUTCOME_UTILITY[item.event.outcome] if item.event.type not in _ERROR_TYPES else 1.0
        u = 0.4 * u + 0.4 * item.event.importance + 0.2 * reuse
        text = words(f"{item.event.content} {item.event.context.task}")
        r = relevance(text, goals)
        priority = (
            weights.surprise * s + weights.utility * u + weights.relevance * r
        ) / total_weight
        out.append(Scored(item=item, priority=priority, surprise=s, utility=u, relevance=r))
    return out
