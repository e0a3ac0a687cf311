"""Which query words are selective enough to gather full-text candidates.

Ranking every event that shares any word with a query is what makes naive OR search slow: a
common word matches a large share of the table and each match must be fetched and scored. Like
WAND-style retrieval, we gather candidates only through the query's rarer lexemes, up to a
budget of estimated matches, and still rank candidates against every query lexeme. Frequencies
come from PostgreSQL's own ANALYZE statistics of the tsvector column (its most common
elements), so nothing extra is maintained on the write path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from athena.storage import Database, Queries

REFRESH_SECONDS = 60.0
# Until ANALYZE has produced statistics (a new or fast-growing table) every lexeme looks rare and
# everything is gathered; look again soon rather than in a minute.
REFRESH_WITHOUT_STATS_SECONDS = 5.0
# Estimated matching rows the candidate lexemes may cover. Each candidate costs a heap fetch and
# a cover-density rank (~9 us measured at 100k events), so this bounds full-text latency.
MATCH_BUDGET = 400
# Words of one query are correlated (an identifier like `spawn_cookie` yields two lexemes that
# always co-occur), so an intersection estimated by multiplying shares runs low; required
# lexemes are added until the estimate is well under the budget.
AND_TARGET = MATCH_BUDGET / 4


@dataclass(frozen=True)
class Selection:
    """How to gather candidates (a tsquery text, or "" for none) and the lexemes to rank by."""

    gather: str
    rank: tuple[str, ...]


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''") + "'"


def tsquery_or(lexemes: tuple[str, ...]) -> str:
    """An OR tsquery; lexemes are quoted, with embedded quotes doubled, so any text is safe."""
    return " | ".join(_quote(lexeme) for lexeme in lexemes)


def choose(lexemes: list[str], frequency: dict[str, float], rare: float, rows: int) -> Selection:
    """Rarest lexemes first, OR-ed while their estimated matches fit the budget.

    When even the rarest lexeme matches more than the budget (every word is common), require it
    together with the next rarest ones (AND) until their estimated intersection fits: documents
    sharing several common words with the query are the ones worth ranking.
    """
    ordered = sorted(set(lexemes), key=lambda lx: (frequency.get(lx, rare), lx))
    if not ordered:
        return Selection("", ())
    share = [frequency.get(lx, rare) for lx in ordered]
    if share[0] * rows > MATCH_BUDGET:
        required = [ordered[0]]
        estimate = share[0] * rows
        for lexeme, part in zip(ordered[1:], share[1:], strict=True):
            if estimate <= AND_TARGET:
                break
            required.append(lexeme)
            estimate *= part
        return Selection(" & ".join(_quote(lx) for lx in required), tuple(ordered))
    gather: list[str] = []
    estimate = 0.0
    for lexeme, part in zip(ordered, share, strict=True):
        if gather and estimate + part * rows > MATCH_BUDGET:
            break
        gather.append(lexeme)
        estimate += part * rows
    return Selection(tsquery_or(tuple(gather)), tuple(ordered))


class TermStats:
    """A per-process cache of lexeme frequencies, refreshed at most once a minute."""

    def __init__(self, db: Database, queries: Queries) -> None:
        self._db = db
        self._q = queries
        self._frequency: dict[str, float] = {}
        self._rare = 0.0
        self._rows = 0
        self._loaded_at = float("-inf")

    async def _refresh(self) -> None:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.lexeme_frequencies)
        self._loaded_at = time.monotonic()
        if row is None:
            return
        self._rows = int(row["rows"] or 0)
        lexemes, freqs = row["lexemes"], row["freqs"]
        if lexemes and freqs:
            self._frequency = dict(zip(lexemes, freqs, strict=False))
            # The array ends with the minimum and maximum frequency (and the null share); an
            # untracked lexeme is rarer than the rarest tracked one.
            self._rare = float(freqs[-3]) / 2
        else:
            self._frequency, self._rare = {}, 0.0

    async def select(self, lexemes: list[str]) -> Selection:
        interval = REFRESH_SECONDS if self._frequency else REFRESH_WITHOUT_STATS_SECONDS
        if time.monotonic() - self._loaded_at > interval:
            await self._refresh()
        return choose(lexemes, self._frequency, self._rare, self._rows)
