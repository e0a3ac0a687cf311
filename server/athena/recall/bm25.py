"""BM25 scoring and context propagation for conversational and agent event logs (pure functions).

PostgreSQL's `ts_rank_cd` has no notion of how rare a word is in the corpus, so a question's
common words weigh as much as its telling ones. BM25 (Robertson & Zaragoza 2009) weighs each
matching word by its inverse document frequency and saturates repeated words. Events are short
and of fairly even length, so length normalisation is kept mild (b = 0.3).

Events in a log are not independent documents: an answer often lies in the turn next to the one
that shares the question's words ("did you go?" - "yes, last Friday"), and a session that talks
about a topic at length is a better place to look than one that mentions it once. Relevance
therefore also flows from each matching event to its neighbours in the same session and from a
session's best matches to all of its events. Measured on LoCoMo (docs/recall.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping

K1 = 1.2
B = 0.3
# Share of an event's own score passed to the events 1 and 2 positions away in its session.
NEIGHBOUR_WEIGHTS = {1: 0.5, 2: 0.25}
# How many of a session's best-matching events make its support, and how much that counts
# (relative to the best event's score).
SESSION_TOP = 3
SESSION_WEIGHT = 0.2


def idf(documents: int, frequency: int) -> float:
    """The BM25 inverse document frequency (the always-positive variant)."""
    frequency = min(frequency, documents)
    return math.log(1.0 + (documents - frequency + 0.5) / (frequency + 0.5))


def score(
    counts: Mapping[str, int],
    length: int,
    average_length: float,
    idfs: Mapping[str, float],
    weights: Mapping[str, float] | None = None,
) -> float:
    """BM25 of one document: `counts` of the query's lexemes in it, `length` its lexeme count.

    Recall's candidate statement (`recall_event_candidates`) computes this in SQL, by presence
    (1) rather than counts, with the same floating-point operations in the same order: reading
    counts from the tsvector's positions cost 5x more per candidate, and on LoCoMo presence
    scored the same (R@10 0.755 vs 0.757). Change both together."""
    norm = K1 * (1.0 - B + B * length / max(average_length, 1.0))
    total = 0.0
    for lexeme, tf in counts.items():
        if tf <= 0 or lexeme not in idfs:
            continue
        weight = weights.get(lexeme, 1.0) if weights else 1.0
        total += weight * idfs[lexeme] * tf * (K1 + 1.0) / (tf + norm)
    return total


def neighbour_support(
    own: Mapping[Hashable, float], neighbours: Iterable[tuple[Hashable, Hashable, int]]
) -> dict[Hashable, float]:
    """Relevance each event borrows from its neighbours: (anchor, neighbour, distance) triples
    pass `NEIGHBOUR_WEIGHTS[distance]` of the anchor's own score to the neighbour."""
    borrowed: dict[Hashable, float] = defaultdict(float)
    for anchor, neighbour, distance in neighbours:
        weight = NEIGHBOUR_WEIGHTS.get(abs(distance), 0.0)
        if weight and own.get(anchor, 0.0) > 0:
            borrowed[neighbour] += weight * own[anchor]
    return dict(borrowed)


def session_support(ranked: Iterable[tuple[str, float]]) -> dict:
    """Per session, the sum of its `SESSION_TOP` best own scores, as a share of the best session,
    from (session, own score) pairs given best first, as the candidates come: a session's first
    `SESSION_TOP` positive scores are its best, and adding them in that order gives the floats a
    sum of its sorted best gives (sorting a few hundred scores per recall and keeping lists per
    session cost more than the sums)."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for session, value in ranked:
        if value <= 0:
            break  # best first: the rest are not positive either
        n = counts.get(session, 0)
        if n < SESSION_TOP:
            counts[session] = n + 1
            sums[session] = sums.get(session, 0.0) + value
    best = max(sums.values(), default=0.0)
    return {s: v / best for s, v in sums.items()} if best > 0 else {}


def gather(
    documents: int, frequencies: Mapping[str, int], budget: int
) -> tuple[tuple[str, ...], bool]:
    """Which lexemes to gather candidates through, and whether all of them are required.

    Rarest first, OR-ed while their summed document counts fit `budget`; when even the rarest is
    too common, the rarest few required together until their estimated intersection is under a
    quarter of the budget. Candidates are still ranked by every query lexeme. Counts are the
    project's own (not table-wide statistics), so a small project next to a big one gathers all
    of its matches."""
    ordered = sorted(
        (lx for lx, n in frequencies.items() if n > 0), key=lambda lx: (frequencies[lx], lx)
    )
    if not ordered:
        return (), False
    if frequencies[ordered[0]] > budget:
        required = [ordered[0]]
        estimate = float(frequencies[ordered[0]])
        for lexeme in ordered[1:]:
            if estimate <= budget / 4:
                break
            required.append(lexeme)
            estimate *= frequencies[lexeme] / max(documents, 1)
        return tuple(required), True
    chosen: list[str] = []
    total = 0
    for lexeme in ordered:
        if chosen and total + frequencies[lexeme] > budget:
            break
        chosen.append(lexeme)
        total += frequencies[lexeme]
    return tuple(chosen), False


def surely_common(
    frequencies: Mapping[str, float], rows: int, documents: int, cap: int, margin: float
) -> list[str]:
    """Lexemes that `documents` events of one project surely hold at least `cap` times, from
    table-wide shares (`frequencies` of `rows` events, as ANALYZE samples them): even if every
    event of the other projects held one, `margin` x `cap` would be left for this project. A
    lower bound, so it holds beside projects of any size; the margin covers sampling error and
    statistics gone a little stale."""
    others = max(rows - documents, 0)
    need = margin * cap + others
    return [lx for lx, share in frequencies.items() if share * rows >= need]
