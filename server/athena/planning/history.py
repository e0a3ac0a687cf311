"""What the project did before: known procedures, successful episodes, outcomes, durations.

Read-only queries over plans, episodic events and prospective tasks. "Known procedures" are the
project's completed plans: git-versioned procedures do not exist yet, and consolidation's
procedure candidates are not yet a stable interface; a completed plan is a sequence of steps
that worked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from athena.planning import text
from athena.planning.procedures import overlap
from athena.storage import Database, Queries
from athena.storage.queries import Query

# A past plan or session counts as "the same kind of work" from this word overlap up.
PROCEDURE_MIN_SIMILARITY = 0.5
EPISODE_MIN_SIMILARITY = 0.25
# Newest matching rows read per source for a plan's similarity, outcome and duration checks.
SAMPLE_LIMIT = 2000


@dataclass(frozen=True)
class KnownProcedure:
    plan_id: str
    title: str
    similarity: float
    steps: tuple[tuple[str, str, tuple[str, ...]], ...]  # (key, title, depends_on)


@dataclass(frozen=True)
class Episode:
    session_id: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Sample:
    source: str
    text: str
    value: float  # seconds for durations; 1.0 success / 0.0 failure for outcomes
    similarity: float


@dataclass(frozen=True)
class Fix:
    failure: str
    steps: tuple[str, ...]
    similarity: float


class History:
    def __init__(self, db: Database, queries: Queries) -> None:
        self._db = db
        self._q = queries

    async def procedure(self, project: str, goal: str) -> KnownProcedure | None:
        """The completed plan most similar to `goal`, if similar enough."""
        query = text.any_word_query(goal)
        if query is None:
            return None
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.plan_similar_completed, project, query, 20)
            best = max(
                rows, key=lambda r: (text.similarity(goal, r["title"]), r["id"]), default=None
            )
            if best is None:
                return None
            score = text.similarity(goal, best["title"])
            if score < PROCEDURE_MIN_SIMILARITY:
                return None
            steps = await conn.fetch(self._q.plan_steps_of, project, [best["id"]])
        return KnownProcedure(
            str(best["id"]),
            best["title"],
            score,
            tuple((s["key"], s["title"], tuple(s["depends_on"])) for s in steps),
        )

    async def episode(self, project: str, goal: str, max_steps: int) -> Episode | None:
        """The actions of the best-matching session that had a success, without failed ones."""
        query = text.any_word_query(goal)
        if query is None:
            return None
        async with self._db.connection() as conn:
            sessions = await conn.fetch(self._q.plan_successful_sessions, project, query, 5)
            for session in sessions:
                rows = await conn.fetch(
                    self._q.plan_session_actions, project, session["session_id"], 200
                )
                actions: list[str] = []
                for row in rows:
                    content = " ".join(row["content"].split())[:512]
                    if content and content not in actions:
                        actions.append(content)
                if len(actions) < 2:
                    continue
                joined = " ".join(actions)
                if overlap(goal, joined) >= EPISODE_MIN_SIMILARITY:
                    return Episode(session["session_id"], tuple(actions[:max_steps]))
        return None

    async def outcomes(self, project: str, titles: Sequence[str]) -> list[list[Sample]]:
        """Per title, finished work similar to it: 1.0 for a success, 0.0 for a failure."""
        return await self._samples(self._q.plan_outcome_samples, project, titles, "success")

    async def durations(self, project: str, titles: Sequence[str]) -> list[list[Sample]]:
        """Per title, durations in seconds of finished work similar to it."""
        return await self._samples(self._q.plan_duration_samples, project, titles, "seconds")

    async def _samples(
        self, sql: Query, project: str, titles: Sequence[str], column: str
    ) -> list[list[Sample]]:
        # One query for all titles (any of their words), then per-title similarity here: a
        # plan's steps cost one round trip instead of one per step.
        query = text.any_word_query(" ".join(titles), limit=256)
        if query is None:
            return [[] for _ in titles]
        async with self._db.connection() as conn:
            rows = await conn.fetch(sql, project, query, SAMPLE_LIMIT)
        stems = [(row, text.stems(row["text"])) for row in rows if row[column] is not None]
        out = []
        for title in titles:
            wanted = text.stems(title)
            found = []
            for row, have in stems:
                score = len(wanted & have) / len(wanted) if wanted else 0.0
                if score >= EPISODE_MIN_SIMILARITY:
                    found.append(Sample(row["source"], row["text"], float(row[column]), score))
            out.append(found)
        return out

    async def fixes(self, project: str, failure: str, limit: int = 20) -> list[Fix]:
        """What agents did after failures similar to `failure` and that then succeeded."""
        query = text.any_word_query(failure)
        if query is None:
            return []
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.plan_fixes_after_failures, project, query, limit)
        by_failure: dict[object, list] = {}
        for row in rows:
            by_failure.setdefault(row["failure_id"], []).append(row)
        fixes = []
        for group in by_failure.values():
            steps: list[str] = []
            succeeded = False
            for row in group:
                if row["outcome"] == "failure" or row["type"] == "error":
                    break
                if row["type"] in ("action", "tool_call", "test_run", "file_change", "decision"):
                    steps.append(" ".join(row["content"].split())[:512])
                if row["outcome"] == "success":
                    succeeded = True
                    break
            if succeeded and steps:
                fixes.append(
                    Fix(group[0]["failure"], tuple(steps), overlap(failure, group[0]["failure"]))
                )
        fixes.sort(key=lambda f: -f.similarity)
        return fixes
