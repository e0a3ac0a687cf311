"""Known procedures from consolidation: repeated action sequences it found in episodic memory.

Consolidation is built after planning and may be absent, so it is looked up on each call through
the server's component table rather than captured at build time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from athena.planning import text

# Candidates read per call; a project has few (one per distinct repeated workflow).
MAX_CANDIDATES = 1000
PAGE = 200
MIN_OVERLAP = 0.5


@dataclass(frozen=True)
class Candidate:
    name: str
    steps: tuple[str, ...]
    confidence: float


class ProcedureCandidates:
    def __init__(self, components: dict[str, Any]) -> None:
        self._components = components

    async def all(self, project: str) -> list[Candidate]:
        component = self._components.get("consolidation")
        consolidator = component.domain.get("consolidator") if component else None
        lister = getattr(consolidator, "list_procedure_candidates", None)
        if lister is None:
            return []
        out: list[Candidate] = []
        token = ""
        while len(out) < MAX_CANDIDATES:
            page, token = await lister(project, page_size=PAGE, page_token=token)
            out += [Candidate(c.name, tuple(c.steps), float(c.confidence)) for c in page]
            if not token:
                break
        return out

    async def best(self, project: str, goal: str) -> tuple[Candidate, float] | None:
        """The candidate whose name and steps cover most of the goal's words, if enough."""
        scored = [
            (overlap(goal, f"{c.name} {' '.join(c.steps)}"), c.confidence, c)
            for c in await self.all(project)
            if c.steps
        ]
        scored = [s for s in scored if s[0] >= MIN_OVERLAP]
        if not scored:
            return None
        score, _, best = max(scored, key=lambda s: (s[0], s[1]))
        return best, score


def overlap(query: str, candidate: str) -> float:
    """Share of the query's words found in the candidate (long texts don't dilute it)."""
    wanted = {text.stem(w) for w in text.words(query)}
    if not wanted:
        return 0.0
    have = {text.stem(w) for w in text.words(candidate)}
    return len(wanted & have) / len(wanted)
